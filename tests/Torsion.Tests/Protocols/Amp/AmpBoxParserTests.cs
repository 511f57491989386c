using CsCheck;
using Torsion.Protocols.Amp;

namespace Torsion.Tests.Protocols.Amp;

public sealed class AmpBoxParserTests
{
    private static List<AmpBox> Parse(AmpBoxParser parser, ReadOnlySpan<byte> data)
    {
        var boxes = new List<AmpBox>();
        parser.Feed(data, b =>
        {
            boxes.Add(b);
            return true;
        });
        return boxes;
    }

    [Fact]
    public void A_box_is_written_as_sorted_length_prefixed_keys_and_values_ending_with_an_empty_key()
    {
        var box = new AmpBox { ["b"] = "2"u8.ToArray(), ["a"] = "xy"u8.ToArray() };
        Assert.Equal(
            [0, 1, (byte)'a', 0, 2, (byte)'x', (byte)'y', 0, 1, (byte)'b', 0, 1, (byte)'2', 0, 0],
            box.ToArray());
        Assert.Equal(15, box.SerializedLength);
    }

    [Fact]
    public void Bytes_written_by_Twisted_parse_into_the_same_box()
    {
        // AmpBox(_ask=b'1', _command=b'Sum', a=b'13', b=b'81').serialize() in Twisted.
        var wire = Convert.FromHexString("00045F61736B00013100085F636F6D6D616E64000353756D00016100023133000162000238310000");
        var box = Assert.Single(Parse(new AmpBoxParser(), wire));
        Assert.Equal("Sum", box.GetString("_command"));
        Assert.Equal("1", box.GetString("_ask"));
        Assert.Equal("13", box.GetString("a"));
        Assert.Equal("81", box.GetString("b"));
        Assert.Equal(wire, box.ToArray());
    }

    [Fact]
    public void An_empty_box_is_delivered_as_a_box_without_keys()
    {
        var boxes = Parse(new AmpBoxParser(), [0, 0, 0, 0]);
        Assert.Equal(2, boxes.Count);
        Assert.All(boxes, b => Assert.Equal(0, b.Count));
    }

    [Fact]
    public void A_key_length_over_255_is_refused_with_AmpBoxParseException()
    {
        var parser = new AmpBoxParser();
        var error = Assert.Throws<AmpBoxParseException>(() => Parse(parser, [1, 0, (byte)'k']));
        Assert.Equal("AMP key length prefix 256 is more than 255 bytes.", error.Message);
        var tooLong = Assert.IsType<AmpTooLongException>(error.InnerException);
        Assert.True(tooLong.IsKey);
        Assert.False(tooLong.IsLocal);
        Assert.Throws<AmpBoxParseException>(() => Parse(parser, [0, 0]));
    }

    [Fact]
    public void A_value_may_be_longer_than_255_bytes()
    {
        var box = new AmpBox { ["v"] = new byte[65535] };
        var parsed = Assert.Single(Parse(new AmpBoxParser(), box.ToArray()));
        Assert.Equal(65535, parsed["v"].Length);
    }

    [Fact]
    public void A_box_over_MaxBoxSize_is_refused_as_soon_as_its_length_is_known()
    {
        var parser = new AmpBoxParser { MaxBoxSize = 100 };
        var error = Assert.Throws<AmpBoxParseException>(() => Parse(parser, [0, 1, (byte)'k', 0, 200]));
        Assert.Equal("AMP box is larger than the limit of 100 bytes (MaxBoxSize).", error.Message);
    }

    [Fact]
    public void A_box_with_more_than_MaxKeysPerBox_keys_is_refused()
    {
        var box = new AmpBox { ["a"] = [], ["b"] = [], ["c"] = [] };
        var error = Assert.Throws<AmpBoxParseException>(() => Parse(new AmpBoxParser { MaxKeysPerBox = 2 }, box.ToArray()));
        Assert.Equal("AMP box has more than 2 keys (MaxKeysPerBox).", error.Message);
    }

    [Fact]
    public void Setting_a_value_over_65535_bytes_throws_AmpTooLongException_naming_the_key()
    {
        var box = new AmpBox();
        var error = Assert.Throws<AmpTooLongException>(() => box["big"] = new byte[65536]);
        Assert.Equal("AMP local value for key 'big' too long: 65536 bytes (values are at most 65535 bytes).", error.Message);
    }

    [Fact]
    public void Setting_a_key_over_255_bytes_throws_AmpTooLongException()
    {
        var error = Assert.Throws<AmpTooLongException>(() => new AmpBox()[new string('k', 256)] = []);
        Assert.True(error.IsKey);
        Assert.Equal(256, error.Length);
    }

    [Fact]
    public void An_empty_key_or_a_char_above_U00FF_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new AmpBox()[""] = []);
        Assert.Throws<ArgumentException>(() => new AmpBox()["✓"] = []);
    }

    [Fact]
    public void ParseAll_refuses_bytes_that_end_inside_a_box()
    {
        var error = Assert.Throws<AmpBoxParseException>(() => AmpBoxParser.ParseAll([0, 1, (byte)'a', 0, 1, (byte)'x']));
        Assert.Equal("The AMP data ends inside a box (6 bytes, 0 whole boxes).", error.Message);
    }

    [Fact]
    public void Returning_false_stops_parsing_and_drops_the_rest()
    {
        var wire = new AmpBox { ["a"] = [1] }.ToArray();
        var parser = new AmpBoxParser();
        var seen = 0;
        Assert.False(parser.Feed([.. wire, .. wire], _ => ++seen == 0));
        Assert.Equal(1, seen);
    }

    [Fact]
    public void Any_chunking_of_the_input_gives_the_same_boxes()
    {
        var key = Gen.Byte.Array[1, 12];
        var value = Gen.OneOf(Gen.Byte.Array[0, 20], Gen.Byte.Array[200, 700]);
        var boxGen = Gen.Select(key, value).Array[0, 6];
        Gen.Select(boxGen.Array[0, 8], Gen.Int[1, 40].Array[0, 80]).Sample((boxes, splits) =>
        {
            var expected = new List<string>();
            var input = new MemoryStream();
            foreach (var pairs in boxes)
            {
                var box = new AmpBox();
                foreach (var (k, v) in pairs)
                {
                    box[System.Text.Encoding.Latin1.GetString(k)] = v;
                }

                expected.Add(Convert.ToHexString(box.ToArray()));
                input.Write(box.ToArray());
            }

            var parser = new AmpBoxParser();
            var got = new List<string>();
            var bytes = input.ToArray();
            var pos = 0;
            foreach (var size in splits)
            {
                var n = Math.Min(size, bytes.Length - pos);
                got.AddRange(Parse(parser, bytes.AsSpan(pos, n)).Select(b => Convert.ToHexString(b.ToArray())));
                pos += n;
            }

            got.AddRange(Parse(parser, bytes.AsSpan(pos)).Select(b => Convert.ToHexString(b.ToArray())));
            Assert.Equal(expected, got);
            Assert.False(parser.HasPartialBox);
        }, iter: 300);
    }
}
