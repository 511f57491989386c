using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Unix;

/// <summary>
/// A Unix datagram socket on a reactor: the reading and sending of <see cref="DatagramPort"/> with socket-file
/// addresses; owns its socket file (if bound to one) and removes it on stop.
/// </summary>
internal sealed class UnixDatagramPort : DatagramPort, IUnixDatagramTransport
{
    private readonly UnixSocketFile? _file;
    private readonly EndPoint _host;

    private UnixDatagramPort(ReactorBase reactor, Socket socket, DatagramProtocol protocol, int maxPacketSize, UnixSocketFile? file)
        : base(reactor, socket, protocol, maxPacketSize)
    {
        _file = file;
        _host = file?.EndPoint ?? (EndPoint)UnnamedUnixEndPoint.Instance;
    }

    public override EndPoint Host => _host;

    private protected override string Kind => "Unix datagram";

    /// <summary>Binds a datagram socket at <paramref name="path"/> (null: unnamed) and starts reading.</summary>
    internal static UnixDatagramPort Bind(ReactorBase reactor, string? path, DatagramProtocol protocol, int maxPacketSize, int mode)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(mode);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mode, 0xFFF);
        var file = path is null ? null : UnixSocketFile.Prepare(path, SocketType.Dgram, wantPid: false);
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Blocking = false;
            if (file is not null)
            {
                socket.Bind(file.EndPoint);
                file.ApplyMode(mode);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            file?.Remove();
            var reason = e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                ? $"the address is already in use ('{UnixSocketFile.Printable(path!)}')"
                : e.Message;
            throw new CannotListenException(file!.EndPoint, reason, e);
        }

        var port = new UnixDatagramPort(reactor, socket, protocol, maxPacketSize, file);
        port.Start();
        return port;
    }

    public void Connect(string path)
    {
        var endPoint = UnixSocketFile.EndPointFor(path);
        try
        {
            ConnectTo(endPoint);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported)
        {
            throw new ConnectionRefusedException($"Connecting {this} to the Unix datagram socket '{UnixSocketFile.Printable(path)}' was refused: {e.Message}.", e);
        }
    }

    private protected override EndPoint DecodeAddress(ReadOnlySpan<byte> sockaddr) => UnixSocketFile.Decode(sockaddr);

    private protected override int EncodeAddress(EndPoint to, Span<byte> sockaddr)
    {
        if (to is not UnixDomainSocketEndPoint)
        {
            throw new ArgumentException($"A Unix datagram goes to a UnixDomainSocketEndPoint, not to {to} ({to.GetType().Name}).", nameof(to));
        }

        var address = to.Serialize();
        address.Buffer.Span[..address.Size].CopyTo(sockaddr);
        return address.Size;
    }

    private protected override EndPoint CreateEndPoint(SocketAddress address) =>
        UnixSocketFile.Decode(address.Buffer.Span[..address.Size]);

    private protected override void OnClosed() => _file?.Remove();
}
