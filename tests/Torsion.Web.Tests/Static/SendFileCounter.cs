using Torsion.Testing;

namespace Torsion.Web.Tests.Static;

/// <summary>Sums the <c>torsion.bytes.sent_by_sendfile</c> counter per listening port (<c>tcp:127.0.0.1:PORT</c>).</summary>
public sealed class SendFileCounter : IDisposable
{
    private readonly PortCounterRecorder _recorder = new("torsion.bytes.sent_by_sendfile");

    /// <summary>Bytes sent by sendfile(2) on connections of the listening port 127.0.0.1:<paramref name="port"/>.</summary>
    public long Bytes(int port) => _recorder.Sum($"tcp:127.0.0.1:{port}");

    public void Dispose() => _recorder.Dispose();
}
