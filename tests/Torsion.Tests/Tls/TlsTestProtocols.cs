using System.Text;
using Torsion.Protocols;
using Torsion.Tests.Transports;
using Torsion.Tls;

namespace Torsion.Tests.Tls;

/// <summary>A recorder that also hears the TLS handshake complete.</summary>
public class TlsRecorder : Recorder, ITlsHandshakeListener
{
    public TaskCompletionSource Handshake { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ITlsTransport Tls => (ITlsTransport)Transport;

    public string? PeerSubject { get; private set; }

    public virtual void HandshakeCompleted()
    {
        PeerSubject = Tls.PeerCertificate?.Subject;
        Handshake.TrySetResult();
    }
}

/// <summary>Echoes what it receives over TLS.</summary>
public sealed class TlsEcho : TlsRecorder
{
    protected override void OnData(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>
/// A line protocol that upgrades with STARTTLS (as SMTP/IMAP servers do): lines before it are answered in the
/// clear; bytes after the STARTTLS line in the same read are handed to TLS; after the handshake "PING" gets "PONG".
/// </summary>
public sealed class StartTlsLineServer(TlsOptions options) : TlsRecorder
{
    private readonly List<byte> _buffer = [];

    public int BytesAfterStartTlsInSameRead { get; private set; } = -1;

    public List<string> Lines { get; } = [];

    protected override void OnData(ReadOnlySpan<byte> data)
    {
        _buffer.AddRange(data.ToArray());
        while (true)
        {
            var end = IndexOfCrLf();
            if (end < 0)
            {
                return;
            }

            var line = Encoding.ASCII.GetString([.. _buffer.GetRange(0, end)]);
            _buffer.RemoveRange(0, end + 2);
            Lines.Add(line);
            if (line == "STARTTLS")
            {
                var rest = _buffer.ToArray();
                _buffer.Clear();
                BytesAfterStartTlsInSameRead = rest.Length;
                Tls.StartTls(options, rest);
                return;
            }

            Transport.Write(Encoding.ASCII.GetBytes((line == "PING" ? (Tls.IsTlsStarted ? "PONG tls" : "PONG clear") : "OK " + line) + "\r\n"));
        }
    }

    private int IndexOfCrLf()
    {
        for (var i = 0; i + 1 < _buffer.Count; i++)
        {
            if (_buffer[i] == '\r' && _buffer[i + 1] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>A factory that remembers each protocol it built.</summary>
public sealed class CapturingFactory<T>(Func<T> create) : Factory
    where T : IProtocol
{
    public TaskCompletionSource<T> First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<T> Built { get; } = [];

    public override IProtocol? BuildProtocol(System.Net.EndPoint peer)
    {
        var protocol = create();
        Built.Add(protocol);
        First.TrySetResult(protocol);
        return protocol;
    }
}
