using System.Net;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Transports.Unix;

namespace Torsion.Testing;

/// <summary>
/// One <c>ListenUnixDatagram</c> or <c>ConnectUnixDatagram</c> call recorded by <see cref="MemoryReactor"/>; also the
/// transport it returned, which records writes instead of sending.
/// </summary>
public sealed class UnixDatagramRecord : IUnixDatagramTransport
{
    internal UnixDatagramRecord(string? path, DatagramProtocol protocol, int maxPacketSize, int mode, string? connectedPath)
    {
        Path = path;
        Protocol = protocol;
        MaxPacketSize = maxPacketSize;
        Mode = mode;
        Host = path is null ? UnnamedUnixEndPoint.Instance : new UnixDomainSocketEndPoint(path);
        ConnectedAddress = connectedPath is null ? null : new UnixDomainSocketEndPoint(connectedPath);
    }

    /// <summary>The path bound (null: unnamed).</summary>
    public string? Path { get; }

    /// <summary>The protocol given.</summary>
    public DatagramProtocol Protocol { get; }

    /// <summary>The maximum datagram size given.</summary>
    public int MaxPacketSize { get; }

    /// <summary>The file mode given.</summary>
    public int Mode { get; }

    /// <summary>Every datagram written, in order.</summary>
    public List<DatagramWrite> Writes { get; } = [];

    /// <summary>True once <see cref="StopListening"/> was called.</summary>
    public bool Stopped { get; private set; }

    /// <inheritdoc />
    public EndPoint Host { get; }

    /// <inheritdoc />
    public EndPoint? ConnectedAddress { get; private set; }

    /// <inheritdoc />
    public void Connect(string path) => ConnectedAddress = new UnixDomainSocketEndPoint(path);

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> datagram, EndPoint to) => Writes.Add(new DatagramWrite(datagram.ToArray(), to));

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> datagram)
    {
        if (ConnectedAddress is null)
        {
            throw new InvalidOperationException("The recorded Unix datagram transport is not connected.");
        }

        Writes.Add(new DatagramWrite(datagram.ToArray(), null));
    }

    /// <summary>Stops the protocol (StopProtocol runs) and marks the record stopped.</summary>
    public Deferred<Unit> StopListening()
    {
        if (!Stopped)
        {
            Stopped = true;
            Protocol.DoStop();
        }

        return Deferred.Succeed();
    }
}
