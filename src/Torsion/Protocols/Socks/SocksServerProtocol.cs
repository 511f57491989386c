using System.Net;
using System.Net.Sockets;
using Torsion.Cred;
using Torsion.Defer;
using Torsion.Reactor;
using Torsion.Transports;
using Torsion.Transports.Udp;

namespace Torsion.Protocols.Socks;

/// <summary>
/// One SOCKS client connection on the server side. The first byte picks the dialect: 4 for SOCKS4/SOCKS4a, 5 for
/// SOCKS5 (RFC 1928 §3-§6, with RFC 1929 username/password when the factory has a checker). CONNECT relays both ways
/// with each transport registered as the other's streaming producer, so a slow side pauses the fast one; BIND
/// listens on an ephemeral port of the interface the client came in on, replies twice (RFC 1928 §4, SOCKS4 BIND);
/// UDP ASSOCIATE opens a relay port (RFC 1928 §7) that lives as long as this connection. Failures are answered with
/// the dialect's own reply code, then the connection closes.
/// </summary>
public sealed partial class SocksServerProtocol : Protocol, IHalfCloseableProtocol
{
    private readonly SocksServerFactory _factory;
    private byte[] _buffer = new byte[512];
    private int _count;
    private Phase _phase;
    private IDelayedCall? _handshakeTimer;
    private IDelayedCall? _bindTimer;
    private Deferred<IReadOnlyList<IPAddress>>? _resolving;
    private Deferred<string>? _login;
    private Deferred<IProtocol>? _connecting;
    private IListeningPort? _bindPort;
    private HashSet<IPAddress>? _bindExpected;
    private SocksRelayProtocol? _peer;
    private IUdpTransport? _udpPort;
    private bool _paused;
    private bool _readClosedEarly;

    /// <summary>Creates the protocol for one incoming connection.</summary>
    public SocksServerProtocol(SocksServerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factory = factory;
    }

    private enum Phase
    {
        Greeting,
        Socks4Request,
        Socks5Greeting,
        Socks5Login,
        Socks5LoginCheck,
        Socks5Request,
        Working,
        Relaying,
        UdpAssociated,
        Closed,
    }

    /// <summary>4 or 5 once the first byte is in; 0 before.</summary>
    public int Version { get; private set; }

    /// <summary>The command requested, once the request is in.</summary>
    public SocksCommand? Command { get; private set; }

    /// <summary>The destination requested, once the request is in.</summary>
    public SocksAddress? Destination { get; private set; }

    /// <summary>The user who logged in with RFC 1929, or null.</summary>
    public string? User { get; private set; }

    /// <summary>The UDP relay port of a UDP ASSOCIATE, or null.</summary>
    public IUdpTransport? UdpPort => _udpPort;

    /// <summary>The SOCKS5 reply code for a failure to reach a destination (SOCKS4 answers 91 for all of them).</summary>
    public static Socks5ReplyCode ReplyCodeFor(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ConnectionRefusedException:
                    return Socks5ReplyCode.ConnectionRefused;
                case DnsLookupException:
                case TimeoutException:
                    return Socks5ReplyCode.HostUnreachable;
                case SocketException socket:
                    switch (socket.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused:
                            return Socks5ReplyCode.ConnectionRefused;
                        case SocketError.NetworkUnreachable:
                        case SocketError.NetworkDown:
                            return Socks5ReplyCode.NetworkUnreachable;
                        case SocketError.HostUnreachable:
                        case SocketError.HostDown:
                        case SocketError.HostNotFound:
                        case SocketError.TimedOut:
                            return Socks5ReplyCode.HostUnreachable;
                        case SocketError.AccessDenied:
                            return Socks5ReplyCode.NotAllowed;
                    }

                    break;
            }
        }

        return Socks5ReplyCode.GeneralFailure;
    }

    /// <summary>Starts the handshake timer.</summary>
    public override void ConnectionMade() =>
        _handshakeTimer = _factory.Reactor.CallLater(_factory.HandshakeTimeout, () =>
        {
            _handshakeTimer = null;
            var why = $"no complete request within {_factory.HandshakeTimeout.TotalSeconds} s";
            SocksLog.Refused(_factory.Logger, Transport.Peer, why);
            Close();
        });

    /// <inheritdoc />
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        switch (_phase)
        {
            case Phase.Relaying:
                _peer!.Transport.Write(data);
                return;
            case Phase.Closed:
            case Phase.UdpAssociated:
                return; // RFC 1928 §7: the TCP connection only keeps the association alive.
        }

        Append(data);
        if (_phase is Phase.Working or Phase.Socks5LoginCheck)
        {
            PauseIfTooMuchPending();
            return;
        }

        Process();
    }

    /// <summary>The client stopped sending: pass it on once relaying; during the handshake, give up.</summary>
    public void ReadConnectionLost()
    {
        switch (_phase)
        {
            case Phase.Relaying:
                CloseWriteSide(_peer!.Transport);
                break;
            case Phase.Working:
                _readClosedEarly = true;
                break;
            case Phase.Closed:
                break;
            default:
                Close();
                break;
        }
    }

    /// <inheritdoc />
    public void WriteConnectionLost()
    {
    }

    /// <summary>The client is gone: stop whatever is pending and close the other side after its pending writes.</summary>
    public override void ConnectionLost(Exception reason)
    {
        _phase = Phase.Closed;
        StopEverything();
        _peer?.Transport.LoseConnection();
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

    /// <summary>The destination connection (CONNECT) or the incoming one (BIND) is up: reply, then relay.</summary>
    internal void RelayConnected(SocksRelayProtocol relay)
    {
        if (_phase != Phase.Working || !Connected)
        {
            relay.Transport.LoseConnection();
            return;
        }

        if (Command == SocksCommand.Bind)
        {
            _bindTimer?.Cancel();
            _bindTimer = null;
            StopBindPort();
            Reply(Socks5ReplyCode.Succeeded, relay.Transport.Peer as IPEndPoint);
        }
        else
        {
            Reply(Socks5ReplyCode.Succeeded, relay.Transport.Host as IPEndPoint);
        }

        _peer = relay;
        _phase = Phase.Relaying;
        if (_count > 0)
        {
            relay.Transport.Write(_buffer.AsSpan(0, _count));
            _count = 0;
        }

        Transport.RegisterProducer(relay.Transport, streaming: true);
        relay.Transport.RegisterProducer(Transport, streaming: true);
        ResumeIfPaused();
        if (_readClosedEarly)
        {
            CloseWriteSide(relay.Transport);
        }
    }

    private void Process()
    {
        try
        {
            while (_count > 0 && _phase is Phase.Greeting or Phase.Socks4Request or Phase.Socks5Greeting or Phase.Socks5Login or Phase.Socks5Request)
            {
                var data = _buffer.AsSpan(0, _count);
                int consumed;
                switch (_phase)
                {
                    case Phase.Greeting:
                        switch (data[0])
                        {
                            case 4:
                                Version = 4;
                                _phase = Phase.Socks4Request;
                                break;
                            case 5:
                                Version = 5;
                                _phase = Phase.Socks5Greeting;
                                break;
                            default:
                                var why = $"first byte {data[0]} is not a SOCKS version (4 or 5)";
                                SocksLog.Refused(_factory.Logger, Transport.Peer, why);
                                Close();
                                return;
                        }

                        break;

                    case Phase.Socks4Request:
                        if (!SocksCodec.TryParseSocks4Request(data, out var request4, out consumed))
                        {
                            return;
                        }

                        Consume(consumed);
                        if (_factory.Checker is not null)
                        {
                            Command = request4.Command;
                            Destination = request4.Destination;
                            Fail(Socks5ReplyCode.NotAllowed, "SOCKS4 has no passwords and this server requires SOCKS5 username/password");
                            return;
                        }

                        Begin(request4.Command, request4.Destination);
                        break;

                    case Phase.Socks5Greeting:
                        if (!SocksCodec.TryParseSocks5Greeting(data, out var methods, out consumed))
                        {
                            return;
                        }

                        Consume(consumed);
                        ChooseMethod(methods);
                        break;

                    case Phase.Socks5Login:
                        if (!SocksCodec.TryParseUsernamePassword(data, out var credentials, out consumed))
                        {
                            return;
                        }

                        Consume(consumed);
                        CheckLogin(credentials);
                        break;

                    default:
                        if (!SocksCodec.TryParseSocks5Request(data, out var request5, out consumed))
                        {
                            return;
                        }

                        Consume(consumed);
                        Begin(request5.Command, request5.Destination);
                        break;
                }
            }

            if (_phase == Phase.Working)
            {
                PauseIfTooMuchPending();
            }
        }
        catch (SocksProtocolException e)
        {
            SocksLog.Refused(_factory.Logger, Transport.Peer, e.Message);
            switch (_phase)
            {
                case Phase.Socks5Greeting:
                    Transport.Write(SocksCodec.FormatSocks5MethodSelection(Socks5AuthMethod.NoAcceptableMethods));
                    break;
                case Phase.Socks5Login:
                    Transport.Write(SocksCodec.FormatUsernamePasswordReply(false));
                    break;
                default:
                    Reply(e.Reply, null);
                    break;
            }

            Close();
        }
    }

    private void ChooseMethod(byte[] methods)
    {
        var wanted = _factory.Checker is null ? Socks5AuthMethod.NoAuthentication : Socks5AuthMethod.UsernamePassword;
        if (!methods.Contains((byte)wanted))
        {
            var why = $"SOCKS5 methods offered [{string.Join(", ", methods)}], none acceptable (this server wants {wanted})";
            SocksLog.Refused(_factory.Logger, Transport.Peer, why);
            Transport.Write(SocksCodec.FormatSocks5MethodSelection(Socks5AuthMethod.NoAcceptableMethods));
            Close();
            return;
        }

        Transport.Write(SocksCodec.FormatSocks5MethodSelection(wanted));
        _phase = wanted == Socks5AuthMethod.UsernamePassword ? Phase.Socks5Login : Phase.Socks5Request;
    }

    private void CheckLogin(UsernamePassword credentials)
    {
        _phase = Phase.Socks5LoginCheck;
        var login = Deferred.MaybeDeferred(() => _factory.Checker!.RequestAvatarId(credentials));
        _login = login;
        login.AddBoth(result =>
        {
            _login = null;
            if (_phase != Phase.Socks5LoginCheck)
            {
                return Unit.Value;
            }

            if (result.Success)
            {
                User = result.Value;
                Transport.Write(SocksCodec.FormatUsernamePasswordReply(true));
                _phase = Phase.Socks5Request;
                ResumeIfPaused();
                Process();
            }
            else
            {
                if (result.Error is UnauthorizedLoginException)
                {
                    SocksLog.LoginRefused(_factory.Logger, Transport.Peer, credentials.Username);
                }
                else
                {
                    SocksLog.LoginError(_factory.Logger, result.Error!, Transport.Peer, credentials.Username);
                }

                Transport.Write(SocksCodec.FormatUsernamePasswordReply(false));
                Close();
            }

            return Unit.Value;
        });
    }

    private void Reply(Socks5ReplyCode code, IPEndPoint? bound)
    {
        if (Version == 4)
        {
            Transport.Write(SocksCodec.FormatSocks4Reply(code == Socks5ReplyCode.Succeeded ? Socks4ReplyCode.Granted : Socks4ReplyCode.Rejected, bound));
        }
        else
        {
            Transport.Write(SocksCodec.FormatSocks5Reply(code, bound is null ? null : SocksAddress.From(new IPEndPoint(Normalize(bound.Address), bound.Port))));
        }
    }

    private void Fail(Socks5ReplyCode code, string why)
    {
        if (_phase == Phase.Closed)
        {
            return;
        }

        var replied = Version == 4 ? "91" : $"{(byte)code} ({code})";
        SocksLog.RequestFailed(_factory.Logger, Version, Transport.Peer, Command, Destination, why, replied);
        Reply(code, null);
        Close();
    }

    private void Close()
    {
        if (_phase == Phase.Closed)
        {
            return;
        }

        _phase = Phase.Closed;
        StopEverything();
        Transport.LoseConnection();
    }

    private void StopEverything()
    {
        _handshakeTimer?.Cancel();
        _handshakeTimer = null;
        _bindTimer?.Cancel();
        _bindTimer = null;
        _resolving?.Cancel();
        _login?.Cancel();
        _connecting?.Cancel();
        StopBindPort();
        if (_udpPort is { } udp)
        {
            _udpPort = null;
            udp.StopListening();
        }

        _count = 0;
    }

    private void StopBindPort()
    {
        if (_bindPort is { } port)
        {
            _bindPort = null;
            port.StopListening();
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_count + data.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + data.Length));
        }

        data.CopyTo(_buffer.AsSpan(_count));
        _count += data.Length;
    }

    private void Consume(int count)
    {
        _buffer.AsSpan(count, _count - count).CopyTo(_buffer);
        _count -= count;
    }

    private void PauseIfTooMuchPending()
    {
        if (_count >= _factory.MaxPendingBytes && !_paused)
        {
            _paused = true;
            Transport.PauseProducing();
        }
    }

    private void ResumeIfPaused()
    {
        if (_paused)
        {
            _paused = false;
            Transport.ResumeProducing();
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool IsUnspecified(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
}
