using System.Buffers;
using System.Text;
using CsCheck;
using Torsion.Web.Http2;

namespace Torsion.Web.Tests.Http2;

public sealed class HpackTests
{
    private const string Date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
    private const string Date2 = "Mon, 21 Oct 2013 20:13:22 GMT";
    private const string Cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

    private static readonly (string, string)[][] Requests =
    [
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")],
        [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")],
    ];

    private static readonly (string, string)[][] Responses =
    [
        [(":status", "302"), ("cache-control", "private"), ("date", Date1), ("location", "https://www.example.com")],
        [(":status", "307"), ("cache-control", "private"), ("date", Date1), ("location", "https://www.example.com")],
        [(":status", "200"), ("cache-control", "private"), ("date", Date2), ("location", "https://www.example.com"), ("content-encoding", "gzip"), ("set-cookie", Cookie)],
    ];

    // RFC 7541 C.3 (requests without Huffman), C.4 (with), C.5 (responses without, table 256), C.6 (with).
    private static readonly string[] C3 =
    [
        "828684410f7777772e6578616d706c652e636f6d",
        "828684be58086e6f2d6361636865",
        "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
    ];

    private static readonly string[] C4 =
    [
        "828684418cf1e3c2e5f23a6ba0ab90f4ff",
        "828684be5886a8eb10649cbf",
        "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
    ];

    private static readonly string[] C5 =
    [
        "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
        "4803333037c1c0bf",
        "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
    ];

    private static readonly string[] C6 =
    [
        "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
        "4883640effc1c0bf",
        "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
    ];

    private static readonly int[] C3Sizes = [57, 110, 164];
    private static readonly int[] C5Sizes = [222, 222, 215];

    [Fact]
    public void C2_1_literal_with_indexing_is_decoded_and_added()
    {
        var decoder = new HpackDecoder();
        Assert.Equal([("custom-key", "custom-header")], Decode(decoder, "400a637573746f6d2d6b65790d637573746f6d2d686561646572"));
        Assert.Equal(55, decoder.DynamicTableSize);
    }

    [Fact]
    public void C2_2_literal_without_indexing_leaves_the_table_empty()
    {
        var decoder = new HpackDecoder();
        Assert.Equal([(":path", "/sample/path")], Decode(decoder, "040c2f73616d706c652f70617468"));
        Assert.Equal(0, decoder.DynamicTableCount);
    }

    [Fact]
    public void C2_3_never_indexed_literal_is_decoded()
    {
        var decoder = new HpackDecoder();
        Assert.Equal([("password", "secret")], Decode(decoder, "100870617373776f726406736563726574"));
        Assert.Equal(0, decoder.DynamicTableCount);
    }

    [Fact]
    public void C2_4_indexed_field_is_decoded()
    {
        Assert.Equal([(":method", "GET")], Decode(new HpackDecoder(), "82"));
    }

    [Fact]
    public void C3_requests_without_huffman_decode_and_encode_byte_for_byte() => Sequence(C3, Requests, 4096, huffman: false, C3Sizes);

    [Fact]
    public void C4_requests_with_huffman_decode_and_encode_byte_for_byte() => Sequence(C4, Requests, 4096, huffman: true, C3Sizes);

    [Fact]
    public void C5_responses_without_huffman_evict_and_encode_byte_for_byte() => Sequence(C5, Responses, 256, huffman: false, C5Sizes);

    [Fact]
    public void C6_responses_with_huffman_evict_and_encode_byte_for_byte() => Sequence(C6, Responses, 256, huffman: true, C5Sizes);

    [Fact]
    public void Index_zero_is_a_compression_error() => Fails("80", "index 0");

    [Fact]
    public void Index_beyond_the_tables_is_a_compression_error() => Fails("be", "out of range");

    [Fact]
    public void Truncated_integer_is_a_compression_error() => Fails("ff", "ends inside an integer");

    [Fact]
    public void Integer_with_too_many_bytes_is_a_compression_error() => Fails("ff8080808080", "too many bytes");

    [Fact]
    public void Integer_above_int_max_is_a_compression_error() => Fails("7fffffffff0f", "2^31");

    [Fact]
    public void String_longer_than_the_block_is_a_compression_error() => Fails("400a6162", "runs past the end");

    [Fact]
    public void Huffman_padding_longer_than_7_bits_is_a_compression_error() => Fails("4082f1ffff", "padding");

    [Fact]
    public void Huffman_padding_not_all_ones_is_a_compression_error() => Fails("4081f000", "padded with bits");

    [Fact]
    public void Huffman_EOS_symbol_is_a_compression_error() => Fails("4084ffffffff00", "EOS");

    [Fact]
    public void Table_size_update_after_a_field_is_a_compression_error() => Fails("8220", "must start the block");

    [Fact]
    public void Table_size_update_above_the_announced_limit_is_a_compression_error() => Fails("3fe21f", "exceeds the limit");

    [Fact]
    public void Lowered_limit_requires_a_size_update_first()
    {
        var decoder = new HpackDecoder();
        decoder.SetMaxTableSizeLimit(100);
        var e = Assert.Throws<HpackException>(() => Decode(decoder, "82"));
        Assert.Contains("must start with a dynamic table size update", e.Message);
        var ok = new HpackDecoder();
        ok.SetMaxTableSizeLimit(100);
        Assert.Equal([(":method", "GET")], Decode(ok, "3f4582"));
    }

    [Fact]
    public void Size_update_evicts_entries()
    {
        var decoder = new HpackDecoder();
        Decode(decoder, "400a637573746f6d2d6b65790d637573746f6d2d686561646572");
        Decode(decoder, "20");
        Assert.Equal(0, decoder.DynamicTableCount);
    }

    [Fact]
    public void Hpack_bomb_is_refused_by_the_header_list_limit()
    {
        // One 4000-byte value indexed, then referenced 10000 times by one byte each: 40 MB from 14 KB.
        var block = new List<byte> { 0x40, 0x01, (byte)'x' };
        var w = new ArrayBufferWriter<byte>();
        HpackEncoder.WriteInteger(w, 0, 7, 4000);
        block.AddRange(w.WrittenSpan.ToArray());
        block.AddRange(Enumerable.Repeat((byte)'a', 4000));
        block.AddRange(Enumerable.Repeat((byte)0xBE, 10000));
        var decoder = new HpackDecoder(maxHeaderListSize: 16 * 1024);
        var received = new Collector();
        var e = Assert.Throws<HpackException>(() => decoder.Decode(block.ToArray(), received));
        Assert.True(e.HeaderListTooLarge);
        Assert.True(received.Fields.Count <= 4);
    }

    [Fact]
    public void Encoder_announces_a_lowered_peer_table_size_with_minimum_then_final()
    {
        var encoder = new HpackEncoder();
        encoder.SetPeerMaxTableSize(0);
        encoder.SetPeerMaxTableSize(2048);
        var w = new ArrayBufferWriter<byte>();
        encoder.BeginBlock(w);
        encoder.Encode(w, ":method"u8, "GET"u8);
        var decoder = new HpackDecoder();
        Assert.Equal([(":method", "GET")], Decode(decoder, Convert.ToHexString(w.WrittenSpan)));
        Assert.Equal(0x20, w.WrittenSpan[0]);
    }

    [Fact]
    public void Sensitive_fields_are_never_indexed()
    {
        var encoder = new HpackEncoder();
        var w = new ArrayBufferWriter<byte>();
        encoder.Encode(w, "authorization"u8, "secret"u8, sensitive: true);
        Assert.Equal(0x10, w.WrittenSpan[0] & 0xF0);
        Assert.Equal(0, encoder.DynamicTableSize);
    }

    [Fact]
    public void Random_header_lists_round_trip_through_encoder_and_decoder()
    {
        var name = Gen.String[Gen.Char['a', 'z'], 1, 20];
        var value = Gen.Byte.Array[0, 300].Select(b => Encoding.Latin1.GetString(b));
        var list = Gen.Select(name, value).List[0, 12];
        Gen.Select(list.List[1, 6], Gen.Int[0, 4096], Gen.Bool).Sample((blocks, tableSize, huffman) =>
        {
            var encoder = new HpackEncoder { UseHuffman = huffman };
            var decoder = new HpackDecoder(maxHeaderListSize: 1 << 20);
            encoder.SetPeerMaxTableSize(tableSize);
            foreach (var fields in blocks)
            {
                var w = new ArrayBufferWriter<byte>();
                encoder.BeginBlock(w);
                foreach (var (n, v) in fields)
                {
                    encoder.Encode(w, Encoding.Latin1.GetBytes(n), Encoding.Latin1.GetBytes(v));
                }

                var got = Decode(decoder, Convert.ToHexString(w.WrittenSpan));
                if (!got.SequenceEqual(fields))
                {
                    return false;
                }
            }

            return true;
        });
    }

    [Fact]
    public void Huffman_round_trips_every_byte()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var coded = new byte[HpackHuffman.EncodedLength(all)];
        HpackHuffman.Encode(all, coded);
        var back = Array.Empty<byte>();
        var n = HpackHuffman.Decode(coded, ref back, 0);
        Assert.Equal(all, back[..n]);
    }

    private static void Sequence(string[] hex, (string, string)[][] fields, int tableSize, bool huffman, int[] sizes)
    {
        var decoder = new HpackDecoder(tableSize);
        var encoder = new HpackEncoder(tableSize) { UseHuffman = huffman };
        for (var i = 0; i < hex.Length; i++)
        {
            Assert.Equal(fields[i], Decode(decoder, hex[i]));
            Assert.Equal(sizes[i], decoder.DynamicTableSize);
            var w = new ArrayBufferWriter<byte>();
            encoder.BeginBlock(w);
            foreach (var (n, v) in fields[i])
            {
                encoder.Encode(w, Encoding.ASCII.GetBytes(n), Encoding.ASCII.GetBytes(v));
            }

            Assert.Equal(hex[i], Convert.ToHexString(w.WrittenSpan).ToLowerInvariant());
            Assert.Equal(sizes[i], encoder.DynamicTableSize);
        }
    }

    private static void Fails(string hex, string message)
    {
        var e = Assert.Throws<HpackException>(() => Decode(new HpackDecoder(), hex));
        Assert.Contains(message, e.Message);
    }

    private static List<(string, string)> Decode(HpackDecoder decoder, string hex)
    {
        var c = new Collector();
        decoder.Decode(Convert.FromHexString(hex), c);
        return c.Fields;
    }

    private sealed class Collector : IHpackHeaderReceiver
    {
        public List<(string, string)> Fields { get; } = [];

        public void HeaderReceived(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            Fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
    }
}
