using System.Text;
using CsCheck;
using Torsion.Web.WebSocket;

namespace Torsion.Web.Tests.WebSocket;

public sealed class WebSocketFrameParserTests
{
    private static byte[] Frame(byte b0, ReadOnlySpan<byte> payload, uint? mask, long? declaredLength = null)
    {
        var header = new byte[14];
        var n = WebSocketFrameFormatter.WriteHeader(header, (b0 & 0x80) != 0, (b0 & 0x40) != 0, (WebSocketOpcode)(b0 & 0x0F), declaredLength ?? payload.Length, mask);
        header[0] = b0;
        var frame = new byte[n + payload.Length];
        header.AsSpan(0, n).CopyTo(frame);
        payload.CopyTo(frame.AsSpan(n));
        if (mask is { } key)
        {
            WebSocketMask.Apply(frame.AsSpan(n), key, 0);
        }

        return frame;
    }

    private static ushort Fails(byte[] bytes, bool server = true, long maxMessage = 1 << 20)
    {
        var parser = new WebSocketFrameParser(server, maxMessage, maxMessage);
        var e = Assert.Throws<WebSocketProtocolException>(() =>
        {
            var pos = 0;
            while (pos < bytes.Length)
            {
                parser.Parse(bytes.AsSpan(pos), out var used);
                pos += used;
            }
        });
        return e.CloseCode;
    }

    [Fact]
    public void Unmasked_client_frame_is_a_protocol_error() => Assert.Equal(1002, Fails(Frame(0x81, "hi"u8, null)));

    [Fact]
    public void Masked_server_frame_is_a_protocol_error() => Assert.Equal(1002, Fails(Frame(0x81, "hi"u8, 0x01020304), server: false));

    [Theory]
    [InlineData(0x83)]
    [InlineData(0x87)]
    [InlineData(0x8B)]
    [InlineData(0x8F)]
    public void Reserved_opcodes_are_protocol_errors(int b0) => Assert.Equal(1002, Fails(Frame((byte)b0, "x"u8, 7)));

    [Fact]
    public void Fragmented_ping_is_a_protocol_error() => Assert.Equal(1002, Fails(Frame(0x09, "x"u8, 7)));

    [Fact]
    public void Control_payload_over_125_bytes_is_a_protocol_error() => Assert.Equal(1002, Fails(Frame(0x89, new byte[126], 7)));

    [Fact]
    public void Rsv2_is_a_protocol_error() => Assert.Equal(1002, Fails(Frame(0xA1, "x"u8, 7)));

    [Fact]
    public void Rsv1_without_deflate_is_a_protocol_error() => Assert.Equal(1002, Fails(Frame(0xC1, "x"u8, 7)));

    [Fact]
    public void Continuation_without_a_message_is_a_protocol_error() => Assert.Equal(1002, Fails(Frame(0x80, "x"u8, 7)));

    [Fact]
    public void New_message_inside_a_fragmented_one_is_a_protocol_error() =>
        Assert.Equal(1002, Fails([.. Frame(0x01, "a"u8, 7), .. Frame(0x81, "b"u8, 7)]));

    [Fact]
    public void Close_with_one_byte_is_a_protocol_error() => Assert.Equal(1002, Fails(Frame(0x88, [3], 7)));

    [Fact]
    public void Close_with_reserved_code_is_a_protocol_error() => Assert.Equal(1002, Fails(Frame(0x88, [0x03, 0xED], 7)));

    [Fact]
    public void Close_with_invalid_utf8_reason_is_1007() => Assert.Equal(1007, Fails(Frame(0x88, [0x03, 0xE8, 0xFF], 7)));

    [Fact]
    public void Frame_over_the_limit_is_1009() => Assert.Equal(1009, Fails(Frame(0x82, new byte[100], 7), maxMessage: 99));

    [Fact]
    public void Message_over_the_limit_across_fragments_is_1009() =>
        Assert.Equal(1009, Fails([.. Frame(0x02, new byte[60], 7), .. Frame(0x80, new byte[60], 7)], maxMessage: 100));

    [Fact]
    public void Invalid_utf8_fails_at_the_first_bad_fragment_before_the_message_ends()
    {
        var parser = new WebSocketFrameParser(true, 1 << 20, 1 << 20);
        var first = Frame(0x01, "ok"u8, 7);
        Assert.Equal(WebSocketParseResult.NeedMoreData, parser.Parse(first, out _));
        var bad = Frame(0x00, [0xC0, 0x80], 7);
        var e = Assert.Throws<WebSocketProtocolException>(() => parser.Parse(bad, out _));
        Assert.Equal(1007, e.CloseCode);
    }

    [Fact]
    public void Text_ending_inside_a_sequence_is_1007() => Assert.Equal(1007, Fails(Frame(0x81, [0xE6, 0xBC], 7)));

    [Fact]
    public void Surrogate_code_point_is_1007() => Assert.Equal(1007, Fails(Frame(0x81, [0xED, 0xA0, 0x80], 7)));

    [Fact]
    public void Frame_length_with_the_top_bit_set_is_a_protocol_error()
    {
        byte[] frame = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        Assert.Equal(1002, Fails(frame));
    }

    [Fact]
    public void Lengths_of_7_16_and_64_bits_round_trip()
    {
        foreach (var size in new[] { 0, 125, 126, 65535, 65536, 200_000 })
        {
            var payload = new byte[size];
            Random.Shared.NextBytes(payload);
            var parser = new WebSocketFrameParser(true, 1 << 20, 1 << 20);
            Assert.Equal(WebSocketParseResult.Message, parser.Parse(Frame(0x82, payload, 0xA1B2C3D4), out _));
            Assert.Equal(payload, parser.Payload.ToArray());
        }
    }

    [Fact]
    public void Utf8_validator_matches_the_decoder_for_random_bytes_in_any_split()
    {
        Gen.Byte.Array[0, 40].Select(Gen.Int[0, 40]).Sample((bytes, split) =>
        {
            split = Math.Min(split, bytes.Length);
            var v = new Utf8StreamValidator();
            var ok = v.Feed(bytes.AsSpan(0, split)) && v.Feed(bytes.AsSpan(split)) && v.IsComplete;
            return ok == System.Text.Unicode.Utf8.IsValid(bytes);
        }, iter: 20_000);
    }

    [Fact]
    public void Messages_survive_any_chunking_and_fragmentation()
    {
        var gen = Gen.Select(Gen.String[Gen.Char, 0, 300], Gen.Int[1, 50], Gen.Int[1, 64], Gen.UInt);
        gen.Sample((text, fragment, chunk, key) =>
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            if (!System.Text.Unicode.Utf8.IsValid(utf8))
            {
                return true;
            }

            var wire = new List<byte>();
            var pos = 0;
            do
            {
                var n = Math.Min(fragment, utf8.Length - pos);
                var b0 = (byte)((pos == 0 ? 0x01 : 0x00) | (pos + n == utf8.Length ? 0x80 : 0));
                wire.AddRange(Frame(b0, utf8.AsSpan(pos, n), key));
                wire.AddRange(Frame(0x89, "p"u8, key));
                pos += n;
            }
            while (pos < utf8.Length);

            var bytes = wire.ToArray();
            var parser = new WebSocketFrameParser(true, 1 << 20, 1 << 20);
            string? got = null;
            var pings = 0;
            for (var at = 0; at < bytes.Length; at += chunk)
            {
                var piece = bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at));
                var used = 0;
                while (used < piece.Length)
                {
                    var r = parser.Parse(piece[used..], out var c);
                    used += c;
                    if (r == WebSocketParseResult.Message)
                    {
                        got = Encoding.UTF8.GetString(parser.Payload);
                    }
                    else if (r == WebSocketParseResult.Control)
                    {
                        pings++;
                    }
                    else
                    {
                        break;
                    }
                }
            }

            return got == text && pings > 0;
        }, iter: 2_000);
    }

    [Fact]
    public void Mask_is_its_own_inverse_at_any_offset()
    {
        Gen.Byte.Array[0, 200].Select(Gen.UInt, Gen.Int[0, 3]).Sample((data, key, offset) =>
        {
            var copy = data.ToArray();
            WebSocketMask.Apply(copy, key, offset);
            var k = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(k, key);
            for (var i = 0; i < data.Length; i++)
            {
                if (copy[i] != (byte)(data[i] ^ k[(offset + i) & 3]))
                {
                    return false;
                }
            }

            return true;
        });
    }
}
