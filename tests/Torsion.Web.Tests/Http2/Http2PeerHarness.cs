using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Torsion.Testing;
using Torsion.Web.Http2;

namespace Torsion.Web.Tests.Http2;

/// <summary>
/// The peer side of an HTTP/2 protocol under test on a StringTransport: encodes the frames the test sends and decodes
/// the frames the protocol wrote. <see cref="Http2Harness"/> plays a client, <see cref="Http2ClientHarness"/> a server.
/// </summary>
public abstract class Http2PeerHarness
{
    private readonly HpackDecoder _decoder = new(4096, 1 << 20);

    /// <summary>Bytes of the transport's output already returned by <see cref="Read"/>.</summary>
    protected int ReadOffset { get; set; }

    public HpackEncoder Encoder { get; } = new();

    public Clock Clock { get; } = new();

    public StringTransport Transport { get; } = new();

    public abstract void Send(byte[] bytes);

    public void Frame(Http2FrameType type, Http2FrameFlags flags, int stream, ReadOnlySpan<byte> payload)
    {
        var w = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteFrame(w, type, flags, stream, payload);
        Send(w.WrittenSpan.ToArray());
    }

    public void Settings(params (Http2SettingId, uint)[] settings)
    {
        var w = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteSettings(w, settings);
        Send(w.WrittenSpan.ToArray());
    }

    /// <summary>Acknowledges the SETTINGS of the protocol under test.</summary>
    public void SettingsAck() => Frame(Http2FrameType.Settings, Http2FrameFlags.Ack, 0, default);

    /// <summary>Acknowledges a PING with <paramref name="opaque"/>.</summary>
    public void PingAck(ReadOnlySpan<byte> opaque) => Frame(Http2FrameType.Ping, Http2FrameFlags.Ack, 0, opaque);

    /// <summary>The last stream id and code of a GOAWAY frame.</summary>
    public static (int LastStream, Http2ErrorCode Code) GoAwayOf(Received frame) => Http2FrameReader.GoAway(frame.Payload);

    public byte[] Block(params (string Name, string Value)[] fields)
    {
        var w = new ArrayBufferWriter<byte>();
        Encoder.BeginBlock(w);
        foreach (var (n, v) in fields)
        {
            Encoder.Encode(w, Encoding.Latin1.GetBytes(n), Encoding.Latin1.GetBytes(v));
        }

        return w.WrittenSpan.ToArray();
    }

    public void Headers(int stream, bool endStream, params (string, string)[] fields) =>
        Frame(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | (endStream ? Http2FrameFlags.EndStream : 0), stream, Block(fields));

    /// <summary>The frames the protocol under test wrote since the last call.</summary>
    public List<Received> Read()
    {
        var all = Transport.Value();
        var list = new List<Received>();
        while (Http2FrameHeader.TryRead(all.AsSpan(ReadOffset), out var h) && all.Length - ReadOffset - 9 >= h.Length)
        {
            var payload = all.AsSpan(ReadOffset + 9, h.Length).ToArray();
            ReadOffset += 9 + h.Length;
            List<(string, string)>? fields = null;
            if (h.Type is Http2FrameType.Headers or Http2FrameType.Continuation)
            {
                var c = new Collector();
                _decoder.Decode(payload, c);
                fields = c.Fields;
            }

            list.Add(new Received(h, payload, fields));
        }

        return list;
    }

    /// <summary>Asserts the protocol under test sent GOAWAY with <paramref name="code"/> and is closing the connection.</summary>
    public void AssertGoAway(Http2ErrorCode code)
    {
        var goAway = Read().Last(f => f.Header.Type == Http2FrameType.GoAway);
        Assert.Equal(code, (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4)));
        Assert.True(Transport.Disconnecting || Transport.Aborted);
    }

    public sealed record Received(Http2FrameHeader Header, byte[] Payload, List<(string Name, string Value)>? Fields)
    {
        public string Text => Encoding.UTF8.GetString(Payload);

        public string? Field(string name) => Fields?.FirstOrDefault(f => f.Name == name).Value;
    }

    private sealed class Collector : IHpackHeaderReceiver
    {
        public List<(string, string)> Fields { get; } = [];

        public void HeaderReceived(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            Fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
    }
}
