using System.Net;

namespace Torsion.Protocols.Policies;

/// <summary>
/// A factory that wraps each protocol of another factory in a <see cref="ProtocolWrapper"/> (Twisted's
/// <c>WrappingFactory</c>) and keeps the set of live wrappers. Policies subclass it and override
/// <see cref="WrapProtocol"/>; since it is itself a factory, policies compose by wrapping one another.
/// </summary>
public class WrappingFactory : Factory
{
    private readonly HashSet<ProtocolWrapper> _protocols = [];

    /// <summary>Wraps the protocols of <paramref name="wrappedFactory"/>.</summary>
    public WrappingFactory(IProtocolFactory wrappedFactory)
    {
        ArgumentNullException.ThrowIfNull(wrappedFactory);
        WrappedFactory = wrappedFactory;
    }

    /// <summary>The factory whose protocols are wrapped.</summary>
    public IProtocolFactory WrappedFactory { get; }

    /// <summary>The wrappers whose connections are open now.</summary>
    public IReadOnlyCollection<ProtocolWrapper> Protocols => _protocols;

    /// <summary>Builds the wrapped factory's protocol for <paramref name="peer"/> and wraps it; null if that factory refused.</summary>
    public override IProtocol? BuildProtocol(EndPoint peer)
    {
        var wrapped = WrappedFactory.BuildProtocol(peer);
        return wrapped is null ? null : WrapProtocol(wrapped, peer);
    }

    /// <summary>Called by a wrapper when its connection is made.</summary>
    public virtual void RegisterProtocol(ProtocolWrapper protocol) => _protocols.Add(protocol);

    /// <summary>Called by a wrapper when its connection is lost.</summary>
    public virtual void UnregisterProtocol(ProtocolWrapper protocol) => _protocols.Remove(protocol);

    /// <summary>Makes the wrapper for <paramref name="wrapped"/>; override to use a <see cref="ProtocolWrapper"/> subclass.</summary>
    protected virtual ProtocolWrapper WrapProtocol(IProtocol wrapped, EndPoint peer) => new(this, wrapped);

    /// <summary>Starts the wrapped factory with this one.</summary>
    protected override void StartFactory() => WrappedFactory.DoStart();

    /// <summary>Stops the wrapped factory with this one.</summary>
    protected override void StopFactory() => WrappedFactory.DoStop();
}
