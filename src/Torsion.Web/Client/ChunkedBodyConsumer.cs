using Torsion.Transports;

namespace Torsion.Web.Client;

/// <summary>Frames what a body producer writes as chunks (RFC 9112 section 7.1) on the connection.</summary>
internal sealed class ChunkedBodyConsumer(ITransport connection) : IConsumer
{
    public void RegisterProducer(IProducer producer, bool streaming) => connection.RegisterProducer(producer, streaming);

    public void UnregisterProducer() => connection.UnregisterProducer();

    public void Write(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        Span<byte> size = stackalloc byte[20];
        data.Length.TryFormat(size, out var n, "x");
        size[n++] = (byte)'\r';
        size[n++] = (byte)'\n';
        connection.Write(size[..n]);
        connection.Write(data);
        connection.Write("\r\n"u8);
    }

    public void Finish() => connection.Write("0\r\n\r\n"u8);
}
