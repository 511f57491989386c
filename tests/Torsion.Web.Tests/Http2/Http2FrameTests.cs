using System.Buffers;
using Torsion.Web.Http2;

namespace Torsion.Web.Tests.Http2;

public sealed class Http2FrameTests
{
    [Fact]
    public void Header_round_trips_and_ignores_the_reserved_bit()
    {
        var bytes = new byte[9];
        new Http2FrameHeader(0x123456, Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 0x7FFFFFFF).Write(bytes);
        Assert.Equal("1234560105" + "7FFFFFFF", Convert.ToHexString(bytes));
        bytes[5] |= 0x80;
        Assert.True(Http2FrameHeader.TryRead(bytes, out var h));
        Assert.Equal(new Http2FrameHeader(0x123456, Http2FrameType.Headers, (Http2FrameFlags)5, 0x7FFFFFFF), h);
        Assert.False(Http2FrameHeader.TryRead(bytes.AsSpan(0, 8), out _));
    }

    [Theory]
    [InlineData(Http2FrameType.Data, 0, 0, 0, Http2ErrorCode.ProtocolError, true, "stream 0")]
    [InlineData(Http2FrameType.Headers, 0, 0, 0, Http2ErrorCode.ProtocolError, true, "stream 0")]
    [InlineData(Http2FrameType.Continuation, 0, 0, 0, Http2ErrorCode.ProtocolError, true, "stream 0")]
    [InlineData(Http2FrameType.Priority, 0, 0, 5, Http2ErrorCode.ProtocolError, true, "stream 0")]
    [InlineData(Http2FrameType.Priority, 0, 1, 4, Http2ErrorCode.FrameSizeError, false, "instead of 5")]
    [InlineData(Http2FrameType.RstStream, 0, 0, 4, Http2ErrorCode.ProtocolError, true, "stream 0")]
    [InlineData(Http2FrameType.RstStream, 0, 1, 3, Http2ErrorCode.FrameSizeError, true, "instead of 4")]
    [InlineData(Http2FrameType.Settings, 0, 1, 0, Http2ErrorCode.ProtocolError, true, "instead of 0")]
    [InlineData(Http2FrameType.Settings, 1, 0, 6, Http2ErrorCode.FrameSizeError, true, "acknowledgement has a payload")]
    [InlineData(Http2FrameType.Settings, 0, 0, 7, Http2ErrorCode.FrameSizeError, true, "multiple of 6")]
    [InlineData(Http2FrameType.PushPromise, 4, 1, 4, Http2ErrorCode.ProtocolError, true, "PUSH_PROMISE")]
    [InlineData(Http2FrameType.Ping, 0, 0, 7, Http2ErrorCode.FrameSizeError, true, "instead of 8")]
    [InlineData(Http2FrameType.Ping, 0, 1, 8, Http2ErrorCode.ProtocolError, true, "instead of 0")]
    [InlineData(Http2FrameType.GoAway, 0, 0, 7, Http2ErrorCode.FrameSizeError, true, "fewer than 8")]
    [InlineData(Http2FrameType.GoAway, 0, 3, 8, Http2ErrorCode.ProtocolError, true, "instead of 0")]
    [InlineData(Http2FrameType.WindowUpdate, 0, 0, 5, Http2ErrorCode.FrameSizeError, true, "instead of 4")]
    [InlineData(Http2FrameType.Data, 0, 1, 16385, Http2ErrorCode.FrameSizeError, true, "exceeds SETTINGS_MAX_FRAME_SIZE")]
    public void Malformed_frame_headers_are_errors(Http2FrameType type, byte flags, int stream, int length, Http2ErrorCode code, bool connection, string message)
    {
        var e = Assert.Throws<Http2Exception>(() => Http2FrameReader.CheckHeader(new Http2FrameHeader(length, type, (Http2FrameFlags)flags, stream), 16384));
        Assert.Equal(code, e.ErrorCode);
        Assert.Equal(connection, e.IsConnectionError);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Unknown_frame_types_pass()
    {
        Http2FrameReader.CheckHeader(new Http2FrameHeader(3, (Http2FrameType)0xEE, 0, 0), 16384);
    }

    [Fact]
    public void Padding_is_removed_from_data()
    {
        var h = new Http2FrameHeader(6, Http2FrameType.Data, Http2FrameFlags.Padded, 1);
        Assert.Equal("6162", Convert.ToHexString(Http2FrameReader.DataPayload(h, [3, 0x61, 0x62, 0, 0, 0])));
    }

    [Fact]
    public void Padding_as_long_as_the_payload_is_a_protocol_error()
    {
        var h = new Http2FrameHeader(3, Http2FrameType.Data, Http2FrameFlags.Padded, 1);
        var e = Assert.Throws<Http2Exception>(() => Http2FrameReader.DataPayload(h, [3, 0, 0]));
        Assert.Equal(Http2ErrorCode.ProtocolError, e.ErrorCode);
        Assert.True(e.IsConnectionError);
    }

    [Fact]
    public void Padded_frame_without_pad_length_is_a_frame_size_error()
    {
        var h = new Http2FrameHeader(0, Http2FrameType.Headers, Http2FrameFlags.Padded, 1);
        Assert.Equal(Http2ErrorCode.FrameSizeError, Assert.Throws<Http2Exception>(() => Http2FrameReader.HeadersPayload(h, [])).ErrorCode);
    }

    [Fact]
    public void Headers_with_padding_and_priority_give_the_fragment()
    {
        var h = new Http2FrameHeader(9, Http2FrameType.Headers, Http2FrameFlags.Padded | Http2FrameFlags.Priority, 3);
        Assert.Equal("82", Convert.ToHexString(Http2FrameReader.HeadersPayload(h, [2, 0, 0, 0, 1, 16, 0x82, 0, 0])));
    }

    [Fact]
    public void Headers_priority_too_short_is_a_frame_size_error()
    {
        var h = new Http2FrameHeader(3, Http2FrameType.Headers, Http2FrameFlags.Priority, 3);
        Assert.Equal(Http2ErrorCode.FrameSizeError, Assert.Throws<Http2Exception>(() => Http2FrameReader.HeadersPayload(h, [0, 0, 0])).ErrorCode);
    }

    [Fact]
    public void Stream_depending_on_itself_is_a_stream_error()
    {
        var h = new Http2FrameHeader(5, Http2FrameType.Priority, 0, 3);
        var e = Assert.Throws<Http2Exception>(() => Http2FrameReader.CheckPriority(h, [0, 0, 0, 3, 16]));
        Assert.Equal((Http2ErrorCode.ProtocolError, 3), (e.ErrorCode, e.StreamId));
    }

    [Fact]
    public void Window_update_of_zero_on_a_stream_is_a_stream_error()
    {
        var e = Assert.Throws<Http2Exception>(() => Http2FrameReader.WindowIncrement(new Http2FrameHeader(4, Http2FrameType.WindowUpdate, 0, 5), [0, 0, 0, 0]));
        Assert.Equal((Http2ErrorCode.ProtocolError, 5), (e.ErrorCode, e.StreamId));
    }

    [Fact]
    public void Window_update_of_zero_on_the_connection_is_a_connection_error()
    {
        var e = Assert.Throws<Http2Exception>(() => Http2FrameReader.WindowIncrement(new Http2FrameHeader(4, Http2FrameType.WindowUpdate, 0, 0), [0, 0, 0, 0]));
        Assert.True(e.IsConnectionError);
    }

    [Theory]
    [InlineData(2, 2u, Http2ErrorCode.ProtocolError)]
    [InlineData(4, 0x80000000u, Http2ErrorCode.FlowControlError)]
    [InlineData(5, 16383u, Http2ErrorCode.ProtocolError)]
    [InlineData(5, 16777216u, Http2ErrorCode.ProtocolError)]
    public void Bad_settings_values_are_connection_errors(ushort id, uint value, Http2ErrorCode code)
    {
        var w = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteSettings(w, [((Http2SettingId)id, value)]);
        var e = Assert.Throws<Http2Exception>(() => Http2FrameReader.Setting(w.WrittenSpan[9..], 0));
        Assert.Equal(code, e.ErrorCode);
        Assert.True(e.IsConnectionError);
    }

    [Fact]
    public void Unknown_settings_are_accepted()
    {
        var w = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteSettings(w, [((Http2SettingId)0x99, 7u)]);
        Assert.Equal(((Http2SettingId)0x99, 7u), Http2FrameReader.Setting(w.WrittenSpan[9..], 0));
    }

    [Fact]
    public void Large_header_block_is_split_into_continuations()
    {
        var w = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteHeaders(w, 1, new byte[40000], endStream: true, 16384);
        var span = w.WrittenSpan;
        Http2FrameHeader.TryRead(span, out var a);
        Http2FrameHeader.TryRead(span[(9 + 16384)..], out var b);
        Http2FrameHeader.TryRead(span[(18 + 32768)..], out var c);
        Assert.Equal((16384, Http2FrameType.Headers, Http2FrameFlags.EndStream), (a.Length, a.Type, a.Flags));
        Assert.Equal((16384, Http2FrameType.Continuation, Http2FrameFlags.None), (b.Length, b.Type, b.Flags));
        Assert.Equal((40000 - 32768, Http2FrameType.Continuation, Http2FrameFlags.EndHeaders), (c.Length, c.Type, c.Flags));
    }

    [Fact]
    public void Goaway_round_trips()
    {
        var w = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteGoAway(w, 7, Http2ErrorCode.EnhanceYourCalm, "calm"u8);
        Assert.Equal((7, Http2ErrorCode.EnhanceYourCalm), Http2FrameReader.GoAway(w.WrittenSpan[9..]));
    }
}
