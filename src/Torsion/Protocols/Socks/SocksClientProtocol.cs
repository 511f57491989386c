using System.Net;
using Torsion.Defer;
using Torsion.Transports;

namespace Torsion.Protocols.Socks;

/// <summary>
/// The client side of the SOCKS handshake on the connection to the proxy; once the proxy grants the request it hands
/// the connection to the caller's protocol (bytes after the reply included) and forwards every event to it.
/// </summary>
internal sealed class SocksClientProtocol(SocksClientEndpoint endpoint, IProtocolFactory factory, Deferred<IProtocol> result) : Protocol, IHalfCloseableProtocol
{
    private byte[] _buffer = new byte[64];
    private int _count;
    private Step _step;
    private IProtocol? _inner;

    private enum Step
    {
        Socks4Reply,
        MethodSelection,
        LoginReply,
        Socks5Reply,
        Done,
    }

    public override void ConnectionMade()
    {
        var destination = endpoint.Destination;
        if (endpoint.Version == SocksVersion.Socks5)
        {
            Transport.Write(endpoint.Username is null
                ? SocksCodec.FormatSocks5Greeting(Socks5AuthMethod.NoAuthentication)
                : SocksCodec.FormatSocks5Greeting(Socks5AuthMethod.NoAuthentication, Socks5AuthMethod.UsernamePassword));
            _step = Step.MethodSelection;
        }
        else
        {
            Transport.Write(SocksCodec.FormatSocks4Request(new Socks4Request(SocksCommand.Connect, destination, endpoint.Username ?? string.Empty)));
            _step = Step.Socks4Reply;
        }
    }

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_inner is not null)
        {
            _inner.DataReceived(data);
            return;
        }

        if (_step == Step.Done)
        {
            return;
        }

        if (_count + data.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + data.Length));
        }

        data.CopyTo(_buffer.AsSpan(_count));
        _count += data.Length;
        try
        {
            Advance();
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    public void ReadConnectionLost()
    {
        if (_inner is IHalfCloseableProtocol halfCloseable)
        {
            halfCloseable.ReadConnectionLost();
        }
        else
        {
            Transport.LoseConnection();
        }
    }

    public void WriteConnectionLost()
    {
        if (_inner is IHalfCloseableProtocol halfCloseable)
        {
            halfCloseable.WriteConnectionLost();
        }
    }

    public override void ConnectionLost(Exception reason)
    {
        if (_inner is not null)
        {
            _inner.ConnectionLost(reason);
            return;
        }

        _step = Step.Done;
        if (!result.Called)
        {
            result.Errback(new ConnectionLostException($"The SOCKS proxy closed the connection before granting the connection to {endpoint.Destination}.", reason));
        }
    }

    /// <summary>Cancelled: give up the handshake (a connected caller's protocol is left alone).</summary>
    public void Abort()
    {
        if (_inner is null && Connected)
        {
            _step = Step.Done;
            Transport.AbortConnection();
        }
    }

    private void Advance()
    {
        while (_step != Step.Done)
        {
            var data = _buffer.AsSpan(0, _count);
            int consumed;
            switch (_step)
            {
                case Step.Socks4Reply:
                    if (!SocksCodec.TryParseSocks4Reply(data, out var reply4))
                    {
                        return;
                    }

                    Consume(8);
                    if (reply4.Code != Socks4ReplyCode.Granted)
                    {
                        throw new SocksReplyException(4, (byte)reply4.Code, endpoint.Destination.ToString());
                    }

                    Granted();
                    return;

                case Step.MethodSelection:
                    if (!SocksCodec.TryParseSocks5MethodSelection(data, out var method))
                    {
                        return;
                    }

                    Consume(2);
                    if (method == Socks5AuthMethod.UsernamePassword && endpoint.Username is not null)
                    {
                        Transport.Write(SocksCodec.FormatUsernamePassword(endpoint.Username, endpoint.Password ?? string.Empty));
                        _step = Step.LoginReply;
                    }
                    else if (method == Socks5AuthMethod.NoAuthentication)
                    {
                        SendRequest();
                    }
                    else
                    {
                        throw new SocksAuthenticationException(method == Socks5AuthMethod.NoAcceptableMethods
                            ? $"The SOCKS5 proxy accepts none of the offered authentication methods ({(endpoint.Username is null ? "no authentication" : "no authentication, username/password")})."
                            : $"The SOCKS5 proxy chose authentication method {(byte)method}, which was not offered.");
                    }

                    break;

                case Step.LoginReply:
                    if (!SocksCodec.TryParseUsernamePasswordReply(data, out var success))
                    {
                        return;
                    }

                    Consume(2);
                    if (!success)
                    {
                        throw new SocksAuthenticationException($"The SOCKS5 proxy refused the username/password of '{endpoint.Username}'.");
                    }

                    SendRequest();
                    break;

                default:
                    if (!SocksCodec.TryParseSocks5Reply(data, out var reply5, out consumed))
                    {
                        return;
                    }

                    Consume(consumed);
                    if (reply5.Code != Socks5ReplyCode.Succeeded)
                    {
                        throw new SocksReplyException(5, (byte)reply5.Code, endpoint.Destination.ToString());
                    }

                    Granted();
                    return;
            }
        }
    }

    private void SendRequest()
    {
        Transport.Write(SocksCodec.FormatSocks5Request(new Socks5Request(SocksCommand.Connect, endpoint.Destination)));
        _step = Step.Socks5Reply;
    }

    private void Granted()
    {
        _step = Step.Done;
        var destination = endpoint.Destination;
        EndPoint peer = destination.Address is { } address ? new IPEndPoint(address, destination.Port) : new DnsEndPoint(destination.HostName!, destination.Port);
        var inner = factory.BuildProtocol(peer);
        if (inner is null)
        {
            throw new InvalidOperationException($"{factory.GetType().Name}.BuildProtocol refused the connection to {destination} (returned null).");
        }

        _inner = inner;
        inner.MakeConnection(Transport);
        result.Callback(inner);
        if (_count > 0 && Connected)
        {
            var rest = _buffer.AsSpan(0, _count).ToArray();
            _count = 0;
            inner.DataReceived(rest);
        }
    }

    private void Consume(int count)
    {
        _buffer.AsSpan(count, _count - count).CopyTo(_buffer);
        _count -= count;
    }

    private void Fail(Exception error)
    {
        _step = Step.Done;
        if (!result.Called)
        {
            result.Errback(error);
        }

        Transport.LoseConnection();
    }
}
