using System.Net;

namespace Torsion.Protocols;

/// <summary>
/// A protocol factory: builds protocols with a function, counts its uses and calls
/// <see cref="StartFactory"/> on first use and <see cref="StopFactory"/> after the last.
/// </summary>
public class Factory : IProtocolFactory
{
    private readonly Func<EndPoint, IProtocol?>? _build;
    private int _uses;

    /// <summary>A factory whose <see cref="BuildProtocol"/> is overridden by a subclass.</summary>
    protected Factory()
    {
    }

    /// <summary>A factory that calls <paramref name="build"/> for each connection.</summary>
    public Factory(Func<EndPoint, IProtocol?> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        _build = build;
    }

    /// <summary>A factory that makes a new protocol with <paramref name="create"/> for each connection.</summary>
    public static Factory ForProtocol(Func<IProtocol> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        return new Factory(_ => create());
    }

    /// <summary>How many ports or connectors use this factory now.</summary>
    public int Uses => _uses;

    /// <inheritdoc />
    public void DoStart()
    {
        if (_uses++ == 0)
        {
            StartFactory();
        }
    }

    /// <inheritdoc />
    public void DoStop()
    {
        if (_uses == 0)
        {
            throw new InvalidOperationException($"{GetType().Name}.DoStop called more often than DoStart.");
        }

        if (--_uses == 0)
        {
            StopFactory();
        }
    }

    /// <summary>Called before the first use.</summary>
    protected virtual void StartFactory()
    {
    }

    /// <summary>Called after the last use.</summary>
    protected virtual void StopFactory()
    {
    }

    /// <inheritdoc />
    public virtual IProtocol? BuildProtocol(EndPoint peer)
    {
        if (_build is null)
        {
            throw new InvalidOperationException($"{GetType().Name} must override BuildProtocol or be given a build function.");
        }

        var protocol = _build(peer);
        if (protocol is Protocol p)
        {
            p.Factory = this;
        }

        return protocol;
    }
}
