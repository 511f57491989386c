using System.Buffers;
using System.Net;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports;

namespace Torsion.Endpoints.Proxy;

/// <summary>
/// Reads the PROXY header of one connection, then stands between the real transport and the application protocol:
/// a transport to the application whose <see cref="Peer"/> and <see cref="Host"/> come from the header.
/// </summary>
internal sealed class ProxyProtocolReceiver : IProtocol, ITransport, IHalfCloseable, IHalfCloseableProtocol
{
    private readonly ProxyProtocolFactory _factory;
    private ITransport? _transport;
    private IProtocol? _application;
    private IDelayedCall? _timer;
    private byte[]? _buffer;
    private int _buffered;
    private bool _closed;
    private EndPoint? _peer;
    private EndPoint? _host;

    public ProxyProtocolReceiver(ProxyProtocolFactory factory) => _factory = factory;

    private ITransport Transport => _transport ?? throw new InvalidOperationException("The PROXY receiver is used before MakeConnection.");

    public EndPoint Peer => _peer ?? Transport.Peer;

    public EndPoint Host => _host ?? Transport.Host;

    public void MakeConnection(ITransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _timer = _factory.Clock.CallLater(_factory.HeaderTimeout, () =>
        {
            _timer = null;
            Reject($"no complete PROXY header within {_factory.HeaderTimeout.TotalSeconds:0.###} s");
        });
    }

    public void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_application is not null)
        {
            _application.DataReceived(data);
            return;
        }

        if (_closed)
        {
            return;
        }

        ReadOnlySpan<byte> view;
        if (_buffered == 0)
        {
            view = data;
        }
        else
        {
            Append(data);
            view = _buffer.AsSpan(0, _buffered);
        }

        ProxyHeader? header;
        try
        {
            if (!ProxyHeaderParser.TryParse(view, out header, _factory.MaxV2HeaderLength))
            {
                if (_buffered == 0)
                {
                    Append(data);
                }

                return;
            }
        }
        catch (ProxyHeaderException e)
        {
            Reject(e.Message);
            return;
        }

        CancelTimer();
        var rest = view[header!.Length..];
        _peer = header.Source;
        _host = header.Destination;
        IProtocol? application;
        try
        {
            application = _factory.WrappedFactory.BuildProtocol(Peer);
        }
        catch
        {
            Release();
            Transport.LoseConnection();
            throw;
        }

        if (application is null)
        {
            Release();
            Transport.LoseConnection();
            return;
        }

        _application = application;
        application.MakeConnection(this);
        if (!rest.IsEmpty && !_closed)
        {
            application.DataReceived(rest);
        }

        Release();
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_buffer is null || _buffer.Length < _buffered + data.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(256, _buffered + data.Length));
            _buffer?.AsSpan(0, _buffered).CopyTo(bigger);
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = bigger;
        }

        data.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += data.Length;
    }

    private void Release()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _buffered = 0;
    }

    private void CancelTimer()
    {
        if (_timer is { Active: true })
        {
            _timer.Cancel();
        }

        _timer = null;
    }

    private void Reject(string reason)
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        CancelTimer();
        Release();
        ProxyLog.Rejected(_factory.Logger, Transport.Peer.ToString() ?? "?", reason);
        Transport.AbortConnection();
    }

    public void ConnectionLost(Exception reason)
    {
        _closed = true;
        CancelTimer();
        Release();
        _application?.ConnectionLost(reason);
    }

    public void ReadConnectionLost()
    {
        if (_application is IHalfCloseableProtocol halfCloseable)
        {
            halfCloseable.ReadConnectionLost();
        }
        else
        {
            Transport.LoseConnection();
        }
    }

    public void WriteConnectionLost() => (_application as IHalfCloseableProtocol)?.WriteConnectionLost();

    public void Write(ReadOnlySpan<byte> data) => Transport.Write(data);

    public void WriteSequence(ReadOnlySequence<byte> data) => Transport.WriteSequence(data);

    public void LoseConnection() => Transport.LoseConnection();

    public void AbortConnection() => Transport.AbortConnection();

    public void LoseWriteConnection()
    {
        if (Transport is not IHalfCloseable halfCloseable)
        {
            throw new NotSupportedException($"{Transport.GetType().Name} under the PROXY protocol receiver cannot be half-closed (it is not IHalfCloseable).");
        }

        halfCloseable.LoseWriteConnection();
    }

    public void RegisterProducer(IProducer producer, bool streaming) => Transport.RegisterProducer(producer, streaming);

    public void UnregisterProducer() => Transport.UnregisterProducer();

    public void PauseProducing() => Transport.PauseProducing();

    public void ResumeProducing() => Transport.ResumeProducing();

    public void StopProducing() => Transport.StopProducing();

    public override string ToString() => $"PROXY {Peer} via {_transport?.Peer} ({_application?.GetType().Name ?? "waiting for the header"})";
}
