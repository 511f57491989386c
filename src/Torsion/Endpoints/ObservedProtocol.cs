using Torsion.Protocols;
using Torsion.Transports;

namespace Torsion.Endpoints;

/// <summary>
/// Passes every event to the protocol it wraps, with the real transport (so the application sees no extra layer),
/// and tells its owner when the connection is made and lost: how endpoints fire Connect's Deferred after
/// MakeConnection, and how ClientService hears of a lost connection.
/// </summary>
internal class ObservedProtocol : IProtocol
{
    private readonly Action<IProtocol>? _made;
    private readonly Action<Exception>? _lost;

    protected ObservedProtocol(IProtocol inner, Action<IProtocol>? made, Action<Exception>? lost)
    {
        Inner = inner;
        _made = made;
        _lost = lost;
    }

    public IProtocol Inner { get; }

    /// <summary>The transport once connected.</summary>
    public ITransport? CurrentTransport { get; private set; }

    /// <summary>Wraps <paramref name="inner"/>, keeping its half-close capability visible to the transport.</summary>
    public static ObservedProtocol Wrap(IProtocol inner, Action<IProtocol>? made, Action<Exception>? lost) =>
        inner is IHalfCloseableProtocol ? new HalfCloseable(inner, made, lost) : new ObservedProtocol(inner, made, lost);

    /// <summary>The application protocol under any number of observers.</summary>
    public static IProtocol Unwrap(IProtocol protocol)
    {
        while (protocol is ObservedProtocol observed)
        {
            protocol = observed.Inner;
        }

        return protocol;
    }

    public void MakeConnection(ITransport transport)
    {
        CurrentTransport = transport;
        Inner.MakeConnection(transport);
        _made?.Invoke(Inner);
    }

    public void DataReceived(ReadOnlySpan<byte> data) => Inner.DataReceived(data);

    public void ConnectionLost(Exception reason)
    {
        try
        {
            Inner.ConnectionLost(reason);
        }
        finally
        {
            _lost?.Invoke(reason);
        }
    }

    public override string ToString() => Inner.ToString() ?? Inner.GetType().Name;

    private sealed class HalfCloseable(IProtocol inner, Action<IProtocol>? made, Action<Exception>? lost)
        : ObservedProtocol(inner, made, lost), IHalfCloseableProtocol
    {
        public void ReadConnectionLost() => ((IHalfCloseableProtocol)Inner).ReadConnectionLost();

        public void WriteConnectionLost() => ((IHalfCloseableProtocol)Inner).WriteConnectionLost();
    }
}
