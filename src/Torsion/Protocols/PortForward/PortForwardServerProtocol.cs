using System.Buffers;
using Microsoft.Extensions.Logging;
using Torsion.Defer;
using Torsion.Transports;

namespace Torsion.Protocols.PortForward;

/// <summary>
/// The incoming side of a forwarded connection (twisted.protocols.portforward.ProxyServer): on connect it connects
/// to the destination, holds what the client sends meanwhile (up to <see cref="PortForwardFactory.MaxPendingBytes"/>,
/// then pauses reading), and once connected relays both ways. Each transport is registered as the other's streaming
/// producer, so a slow reader on one side pauses reading on the other. A half-close is passed on; a close closes
/// the other side after its pending writes are sent.
/// </summary>
public sealed class PortForwardServerProtocol : Protocol, IHalfCloseableProtocol
{
    private readonly PortForwardFactory _factory;
    private ArrayBufferWriter<byte>? _pending = new();
    private Deferred<IProtocol>? _connecting;
    private PortForwardClientProtocol? _peer;
    private bool _pausedForPending;
    private bool _readClosedEarly;

    /// <summary>Creates the protocol for one incoming connection.</summary>
    public PortForwardServerProtocol(PortForwardFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factory = factory;
    }

    /// <summary>The outbound side, once connected; null before.</summary>
    public PortForwardClientProtocol? Peer => _peer;

    /// <summary>Starts connecting to the destination.</summary>
    public override void ConnectionMade()
    {
        Deferred<IProtocol> connecting;
        try
        {
            connecting = _factory.Connect(Protocols.Factory.ForProtocol(() => new PortForwardClientProtocol(this)));
        }
        catch (Exception e)
        {
            connecting = Deferred.Fail<IProtocol>(e);
        }

        _connecting = connecting;
        connecting.AddBoth(result =>
        {
            _connecting = null;
            if (!result.Success)
            {
                if (result.Error is not CancelledException)
                {
                    _factory.Logger.LogWarning("Port forward from {Peer}: cannot connect to the destination: {Reason}", Transport.Peer, result.Error!.Message);
                }

                _pending = null;
                Transport.LoseConnection();
            }

            return Unit.Value;
        });
    }

    /// <inheritdoc />
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_peer is not null)
        {
            _peer.Transport.Write(data);
            return;
        }

        if (_pending is null)
        {
            return;
        }

        _pending.Write(data);
        if (_pending.WrittenCount >= _factory.MaxPendingBytes && !_pausedForPending)
        {
            _pausedForPending = true;
            Transport.PauseProducing();
        }
    }

    /// <summary>The client stopped sending: stop sending to the destination once the relayed bytes are out.</summary>
    public void ReadConnectionLost()
    {
        if (_peer is not null)
        {
            CloseWriteSide(_peer.Transport);
        }
        else
        {
            _readClosedEarly = true;
        }
    }

    /// <inheritdoc />
    public void WriteConnectionLost()
    {
    }

    /// <summary>The client is gone: close the destination connection after its pending writes (or stop connecting).</summary>
    public override void ConnectionLost(Exception reason)
    {
        _pending = null;
        _connecting?.Cancel();
        _peer?.Transport.LoseConnection();
    }

    /// <summary>The destination connection is up: flush what the client sent, tie the two flows together.</summary>
    internal void OutboundConnected(PortForwardClientProtocol peer)
    {
        if (!Connected)
        {
            peer.Transport.LoseConnection();
            return;
        }

        _peer = peer;
        if (_pending is { WrittenCount: > 0 } pending)
        {
            peer.Transport.Write(pending.WrittenSpan);
        }

        _pending = null;
        Transport.RegisterProducer(peer.Transport, streaming: true);
        peer.Transport.RegisterProducer(Transport, streaming: true);
        if (_pausedForPending)
        {
            _pausedForPending = false;
            Transport.ResumeProducing();
        }

        if (_readClosedEarly)
        {
            CloseWriteSide(peer.Transport);
        }
    }

    internal static void CloseWriteSide(ITransport transport)
    {
        if (transport is IHalfCloseable halfCloseable)
        {
            halfCloseable.LoseWriteConnection();
        }
        else
        {
            transport.LoseConnection();
        }
    }
}
