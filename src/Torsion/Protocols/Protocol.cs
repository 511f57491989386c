using Torsion.Transports;

namespace Torsion.Protocols;

/// <summary>Base class for protocols: override the events you need.</summary>
public abstract class Protocol : IProtocol
{
    private ITransport? _transport;

    /// <summary>The transport this protocol writes to.</summary>
    /// <exception cref="InvalidOperationException">The protocol is not connected yet.</exception>
    public ITransport Transport =>
        _transport ?? throw new InvalidOperationException($"{GetType().Name} has no transport yet: it is used before MakeConnection.");

    /// <summary>True once <see cref="MakeConnection"/> has set the transport (it stays set after the connection is lost).</summary>
    internal bool HasTransport => _transport is not null;

    /// <summary>True between <see cref="ConnectionMade"/> and <see cref="ConnectionLost"/>.</summary>
    public bool Connected { get; private set; }

    /// <summary>The factory that built this protocol, if any.</summary>
    public IProtocolFactory? Factory { get; set; }

    /// <inheritdoc />
    public virtual void MakeConnection(ITransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        Connected = true;
        ConnectionMade();
    }

    /// <summary>Called once the transport is set.</summary>
    public virtual void ConnectionMade()
    {
    }

    /// <inheritdoc />
    public virtual void DataReceived(ReadOnlySpan<byte> data)
    {
    }

    /// <summary>The connection is gone; <paramref name="reason"/> says how.</summary>
    public virtual void ConnectionLost(Exception reason)
    {
    }

    void IProtocol.ConnectionLost(Exception reason)
    {
        Connected = false;
        ConnectionLost(reason);
    }
}
