using System.Buffers;
using System.Net;
using System.Text;
using Torsion.Protocols;
using Torsion.Transports;

namespace Torsion.Testing;

/// <summary>
/// A transport for unit tests (Twisted's <c>StringTransport</c>): it records what is written, reports
/// <see cref="LoseConnection"/>, <see cref="AbortConnection"/> and half-closes as flags, fakes addresses
/// and records producers and pause/resume requests, so a protocol can be driven without a socket.
/// </summary>
public sealed class StringTransport : ITransport, IHalfCloseable
{
    private readonly ArrayBufferWriter<byte> _written = new();
    private bool _lostReported;

    /// <summary>Creates a transport with <see cref="Host"/> 127.0.0.1:8080 and <see cref="Peer"/> 127.0.0.1:50000.</summary>
    public StringTransport()
    {
    }

    /// <summary>Creates a transport with the given addresses.</summary>
    public StringTransport(EndPoint host, EndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(peer);
        Host = host;
        Peer = peer;
    }

    /// <inheritdoc />
    public EndPoint Peer { get; set; } = new IPEndPoint(IPAddress.Loopback, 50000);

    /// <inheritdoc />
    public EndPoint Host { get; set; } = new IPEndPoint(IPAddress.Loopback, 8080);

    /// <summary>The protocol bound with <see cref="Connect"/>, if any.</summary>
    public IProtocol? Protocol { get; private set; }

    /// <summary>
    /// When true, <see cref="LoseConnection"/> and <see cref="AbortConnection"/> deliver
    /// <c>ConnectionLost</c> to <see cref="Protocol"/> at once (Twisted's <c>StringTransportWithDisconnection</c>).
    /// </summary>
    public bool ReportsConnectionLost { get; set; }

    /// <summary>True once <see cref="LoseConnection"/> or <see cref="AbortConnection"/> was called.</summary>
    public bool Disconnecting { get; private set; }

    /// <summary>True once <see cref="AbortConnection"/> was called.</summary>
    public bool Aborted { get; private set; }

    /// <summary>True once <see cref="LoseWriteConnection"/> was called.</summary>
    public bool WriteSideClosed { get; private set; }

    /// <summary>False once <c>ConnectionLost</c> was delivered through this transport.</summary>
    public bool Connected { get; private set; } = true;

    /// <summary>The producer registered by the protocol, if any.</summary>
    public IProducer? Producer { get; private set; }

    /// <summary>True when the registered producer is a streaming (push) producer.</summary>
    public bool Streaming { get; private set; }

    /// <summary>What the protocol last asked of this transport as a producer (pause, resume, stop reading).</summary>
    public ProducerState ProducerState { get; private set; } = ProducerState.Producing;

    /// <summary>How many times <see cref="Write"/> or <see cref="WriteSequence"/> was called.</summary>
    public int WriteCount { get; private set; }

    /// <summary>Binds <paramref name="protocol"/> to this transport and calls its <c>MakeConnection</c>.</summary>
    public void Connect(IProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        Protocol = protocol;
        protocol.MakeConnection(this);
    }

    /// <summary>Everything written so far (since the last <see cref="Clear"/>).</summary>
    public byte[] Value() => _written.WrittenSpan.ToArray();

    /// <summary>Everything written so far, decoded as UTF-8.</summary>
    public string ValueString() => Encoding.UTF8.GetString(_written.WrittenSpan);

    /// <summary>Forgets what was written so far.</summary>
    public void Clear() => _written.Clear();

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> data)
    {
        WriteCount++;
        _written.Write(data);
    }

    /// <inheritdoc />
    public void WriteSequence(ReadOnlySequence<byte> data)
    {
        WriteCount++;
        foreach (var segment in data)
        {
            _written.Write(segment.Span);
        }
    }

    /// <inheritdoc />
    public void LoseConnection()
    {
        Disconnecting = true;
        if (ReportsConnectionLost)
        {
            DeliverConnectionLost(new ConnectionDoneException());
        }
    }

    /// <inheritdoc />
    public void AbortConnection()
    {
        Disconnecting = true;
        Aborted = true;
        if (ReportsConnectionLost)
        {
            DeliverConnectionLost(new ConnectionLostException("Connection was aborted."));
        }
    }

    /// <inheritdoc />
    public void LoseWriteConnection() => WriteSideClosed = true;

    /// <summary>
    /// Delivers <c>ConnectionLost(<paramref name="reason"/>)</c> to <see cref="Protocol"/> once, as a real
    /// transport would when the peer closes; later calls do nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">No protocol was bound with <see cref="Connect"/>.</exception>
    public void DeliverConnectionLost(Exception reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (Protocol is null)
        {
            throw new InvalidOperationException("StringTransport has no protocol: bind one with Connect(protocol) first.");
        }

        if (_lostReported)
        {
            return;
        }

        _lostReported = true;
        Connected = false;
        Protocol.ConnectionLost(reason);
    }

    /// <inheritdoc />
    public void RegisterProducer(IProducer producer, bool streaming)
    {
        ArgumentNullException.ThrowIfNull(producer);
        if (Producer is not null)
        {
            throw new InvalidOperationException(
                $"StringTransport already has a producer ({Producer.GetType().Name}); unregister it before registering {producer.GetType().Name}.");
        }

        if (streaming && producer is not IPushProducer)
        {
            throw new ArgumentException($"A streaming producer must be an IPushProducer; {producer.GetType().Name} is not.", nameof(producer));
        }

        if (!streaming && producer is not IPullProducer)
        {
            throw new ArgumentException($"A non-streaming producer must be an IPullProducer; {producer.GetType().Name} is not.", nameof(producer));
        }

        Producer = producer;
        Streaming = streaming;
    }

    /// <inheritdoc />
    public void UnregisterProducer()
    {
        if (Producer is null)
        {
            throw new InvalidOperationException("StringTransport has no producer to unregister.");
        }

        Producer = null;
        Streaming = false;
    }

    /// <inheritdoc />
    public void PauseProducing()
    {
        EnsureNotStopped("pause");
        ProducerState = ProducerState.Paused;
    }

    /// <inheritdoc />
    public void ResumeProducing()
    {
        EnsureNotStopped("resume");
        ProducerState = ProducerState.Producing;
    }

    /// <inheritdoc />
    public void StopProducing() => ProducerState = ProducerState.Stopped;

    /// <summary>Pauses the registered push producer, as a transport does above its high water mark.</summary>
    /// <exception cref="InvalidOperationException">No push producer is registered.</exception>
    public void PauseRegisteredProducer() => RequirePushProducer("pause").PauseProducing();

    /// <summary>Resumes the registered producer (or pulls one chunk from a pull producer), as a transport does below its low water mark.</summary>
    /// <exception cref="InvalidOperationException">No producer is registered.</exception>
    public void ResumeRegisteredProducer()
    {
        switch (Producer)
        {
            case IPushProducer push:
                push.ResumeProducing();
                break;
            case IPullProducer pull:
                pull.ResumeProducing();
                break;
            default:
                throw new InvalidOperationException("StringTransport has no producer to resume.");
        }
    }

    private IPushProducer RequirePushProducer(string verb) =>
        Producer as IPushProducer ?? throw new InvalidOperationException($"StringTransport has no push producer to {verb}.");

    private void EnsureNotStopped(string verb)
    {
        if (ProducerState == ProducerState.Stopped)
        {
            throw new InvalidOperationException($"Cannot {verb} a StringTransport that was stopped with StopProducing.");
        }
    }
}
