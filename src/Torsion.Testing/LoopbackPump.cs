using System.Net;
using Torsion.Protocols;
using Torsion.Transports;

namespace Torsion.Testing;

/// <summary>
/// Connects a client and a server protocol in memory (Twisted's <c>iosim</c>/loopback): each gets a
/// <see cref="LoopbackTransport"/>; bytes move only when <see cref="Pump"/> or <see cref="Flush"/> is called.
/// Clean closes happen after <c>LoseConnection</c> once writes drain, aborts are unclean, half-closes and
/// producers (water marks, pull producers) behave as on TCP.
/// </summary>
public sealed class LoopbackPump
{
    private byte[] _chunk = [];

    /// <summary>Largest number of bytes delivered in one <c>DataReceived</c> call (to simulate segmentation).</summary>
    public int MaxChunkSize { get; set; } = 64 * 1024;

    /// <summary>Buffered bytes above which a transport pauses its push producer (default 64 KiB).</summary>
    public int HighWaterMark { get; set; } = 64 * 1024;

    /// <summary>Buffered bytes at or below which a paused push producer is resumed (default 32 KiB).</summary>
    public int LowWaterMark { get; set; } = 32 * 1024;

    /// <summary>Most <see cref="Pump"/> rounds one <see cref="Flush"/> may take before it gives up.</summary>
    public int MaxFlushRounds { get; set; } = 100_000;

    /// <summary>The server's transport (null before <see cref="Connect"/>).</summary>
    public LoopbackTransport? ServerTransport { get; private set; }

    /// <summary>The client's transport (null before <see cref="Connect"/>).</summary>
    public LoopbackTransport? ClientTransport { get; private set; }

    /// <summary>
    /// Connects <paramref name="server"/> and <paramref name="client"/> (server's <c>MakeConnection</c> first),
    /// then, if <paramref name="greet"/>, flushes whatever <c>ConnectionMade</c> wrote.
    /// </summary>
    /// <param name="server">The protocol on the accepting side.</param>
    /// <param name="client">The protocol on the connecting side.</param>
    /// <param name="greet">Flush after connecting.</param>
    /// <param name="serverAddress">The server's address; 127.0.0.1:8080 when null.</param>
    /// <param name="clientAddress">The client's address; 127.0.0.1:50000 when null.</param>
    public void Connect(IProtocol server, IProtocol client, bool greet = true, EndPoint? serverAddress = null, EndPoint? clientAddress = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(client);
        if (ServerTransport is not null)
        {
            throw new InvalidOperationException("This LoopbackPump is already connected; make a new one for another connection.");
        }

        serverAddress ??= new IPEndPoint(IPAddress.Loopback, 8080);
        clientAddress ??= new IPEndPoint(IPAddress.Loopback, 50000);
        var serverTransport = new LoopbackTransport(this, server, serverAddress, clientAddress);
        var clientTransport = new LoopbackTransport(this, client, clientAddress, serverAddress);
        serverTransport.Other = clientTransport;
        clientTransport.Other = serverTransport;
        ServerTransport = serverTransport;
        ClientTransport = clientTransport;
        server.MakeConnection(serverTransport);
        client.MakeConnection(clientTransport);
        if (greet)
        {
            Flush();
        }
    }

    /// <summary>
    /// One round: moves up to <see cref="MaxChunkSize"/> bytes each way, serves producers, delivers half-closes
    /// and closes. Returns true if anything happened.
    /// </summary>
    public bool Pump()
    {
        var client = ClientTransport ?? throw new InvalidOperationException("LoopbackPump.Connect must be called before Pump.");
        var server = ServerTransport!;
        var moved = Transfer(client, server);
        moved |= Transfer(server, client);
        moved |= client.ServeProducer();
        moved |= server.ServeProducer();
        moved |= HalfClose(client, server);
        moved |= HalfClose(server, client);
        moved |= CheckClose(client, server);
        return moved;
    }

    /// <summary>Pumps until nothing moves.</summary>
    /// <exception cref="InvalidOperationException">The protocols were still talking after <see cref="MaxFlushRounds"/> rounds.</exception>
    public void Flush()
    {
        for (var i = 0; i < MaxFlushRounds; i++)
        {
            if (!Pump())
            {
                return;
            }
        }

        throw new InvalidOperationException(
            $"LoopbackPump did not become quiescent after {MaxFlushRounds} rounds: the protocols keep talking; step with Pump() instead.");
    }

    private bool Transfer(LoopbackTransport from, LoopbackTransport to)
    {
        if (from.Closed || from.PendingBytes == 0 || !to.CanRead)
        {
            return false;
        }

        if (MaxChunkSize <= 0)
        {
            throw new InvalidOperationException($"LoopbackPump.MaxChunkSize must be positive, not {MaxChunkSize}.");
        }

        var size = Math.Min(from.PendingBytes, MaxChunkSize);
        if (_chunk.Length < size)
        {
            _chunk = new byte[size];
        }

        // A copy, because the receiver may write (and so grow buffers) while it reads.
        var chunk = _chunk;
        _chunk = [];
        var n = from.Take(chunk.AsSpan(0, size));
        to.Protocol.DataReceived(chunk.AsSpan(0, n));
        _chunk = chunk;
        return true;
    }

    private static bool HalfClose(LoopbackTransport from, LoopbackTransport to)
    {
        if (from.Closed || !from.WriteSideClosed || from.FinSent || from.PendingBytes > 0 || from.Disconnecting)
        {
            return false;
        }

        from.FinSent = true;
        to.FinReceived = true;
        (from.Protocol as IHalfCloseableProtocol)?.WriteConnectionLost();
        if (to.Protocol is IHalfCloseableProtocol halfCloseable)
        {
            halfCloseable.ReadConnectionLost();
        }
        else
        {
            // A protocol that cannot be half-closed loses its connection when the peer stops sending (as on TCP).
            to.LoseConnection();
        }

        return true;
    }

    private static bool CheckClose(LoopbackTransport a, LoopbackTransport b)
    {
        if (a.Closed && b.Closed)
        {
            return false;
        }

        if (a.Aborted || b.Aborted)
        {
            var aborter = a.Aborted ? a : b;
            Close(
                aborter,
                new ConnectionLostException("Connection was aborted locally."),
                new ConnectionLostException("Connection was reset by the peer."));
            return true;
        }

        foreach (var side in (ReadOnlySpan<LoopbackTransport>)[a, b])
        {
            if (side.Disconnecting && side.PendingBytes == 0)
            {
                Close(side, new ConnectionDoneException(), new ConnectionDoneException());
                return true;
            }
        }

        if (a.FinSent && b.FinSent && a.PendingBytes == 0 && b.PendingBytes == 0)
        {
            Close(a, new ConnectionDoneException(), new ConnectionDoneException());
            return true;
        }

        return false;
    }

    private static void Close(LoopbackTransport first, Exception firstReason, Exception otherReason)
    {
        var other = first.Other;
        first.Closed = true;
        other.Closed = true;
        first.StopProducer();
        other.StopProducer();
        first.Protocol.ConnectionLost(firstReason);
        other.Protocol.ConnectionLost(otherReason);
    }
}
