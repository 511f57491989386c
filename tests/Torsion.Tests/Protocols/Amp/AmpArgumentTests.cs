using System.Text;
using Torsion.Protocols.Amp;

namespace Torsion.Tests.Protocols.Amp;

public sealed class AmpArgumentTests
{
    private static string Wire<T>(AmpArgument<T> argument, T value) => Encoding.UTF8.GetString(argument.ToBytes(value));

    [Fact]
    public void Values_have_Twisteds_wire_forms()
    {
        // Each expected string is what Twisted 24's amp module writes for the same value.
        Assert.Equal("-123", Wire(AmpArgument.Integer, -123));
        Assert.Equal("True", Wire(AmpArgument.Boolean, true));
        Assert.Equal("False", Wire(AmpArgument.Boolean, false));
        Assert.Equal("1e+20", Wire(AmpArgument.Float, 1e20));
        Assert.Equal("1.0", Wire(AmpArgument.Float, 1.0));
        Assert.Equal("inf", Wire(AmpArgument.Float, double.PositiveInfinity));
        Assert.Equal("0.1", Wire(AmpArgument.Float, 0.1));
        Assert.Equal("12.50", Wire(AmpArgument.Decimal, 12.50m));
        Assert.Equal("2012-01-23T12:34:56.054321-00:00", Wire(AmpArgument.DateTime, new DateTimeOffset(2012, 1, 23, 12, 34, 56, TimeSpan.Zero).AddTicks(543210)));
        Assert.Equal("2012-01-23T12:34:56.000000+05:30", Wire(AmpArgument.DateTime, new DateTimeOffset(2012, 1, 23, 12, 34, 56, new TimeSpan(5, 30, 0))));
        Assert.Equal("00013100022D320003333030", Convert.ToHexString(AmpArgument.ListOf(AmpArgument.Integer).ToBytes([1, -2, 300])));
        Assert.Equal("00016E00013100046E616D650001780000", Convert.ToHexString(AmpArgument.AmpList(AmpTestCommands.RowSchema).ToBytes([new Row("x", 1)])));
        Assert.Equal("héllo", Wire(AmpArgument.Unicode, "héllo"));
    }

    [Fact]
    public void Values_round_trip()
    {
        Assert.Equal(long.MinValue, AmpArgument.Integer.FromBytes(AmpArgument.Integer.ToBytes(long.MinValue)));
        Assert.Equal(0.1 + 0.2, AmpArgument.Float.FromBytes(AmpArgument.Float.ToBytes(0.1 + 0.2)));
        Assert.True(double.IsNaN(AmpArgument.Float.FromBytes("nan"u8)));
        Assert.Equal(double.NegativeInfinity, AmpArgument.Float.FromBytes("-inf"u8));
        Assert.Equal(100m, AmpArgument.Decimal.FromBytes("1E+2"u8));
        var when = new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.FromMinutes(-83)).AddTicks(10);
        Assert.Equal(when, AmpArgument.DateTime.FromBytes(AmpArgument.DateTime.ToBytes(when)));
        Assert.Equal(new byte[] { 0, 255 }, AmpArgument.String.FromBytes([0, 255]));
        Assert.Equal(["a", "", "✓"], AmpArgument.ListOf(AmpArgument.Unicode).FromBytes(AmpArgument.ListOf(AmpArgument.Unicode).ToBytes(["a", "", "✓"])));
        Assert.Equal(Path.GetFullPath("x/y"), AmpArgument.Path.FromBytes(AmpArgument.Path.ToBytes("x/y")));
        Assert.Empty(AmpArgument.AmpList(AmpTestCommands.RowSchema).FromBytes([]));
    }

    [Theory]
    [InlineData("Integer", "12a", "'12a' is not an Integer (decimal digits with an optional sign, within 64 bits).")]
    [InlineData("Integer", "99999999999999999999", "'99999999999999999999' is not an Integer (decimal digits with an optional sign, within 64 bits).")]
    [InlineData("Boolean", "true", "'true' is not a Boolean: only 'True' and 'False' are.")]
    [InlineData("Float", "one", "'one' is not a Float.")]
    [InlineData("Decimal", "NaN", "'NaN' is not a Decimal that System.Decimal can hold (no NaN, Infinity or values beyond ±7.9e28).")]
    [InlineData("DateTime", "2012-01-23", "'2012-01-23' is not a DateTime in the form 2012-01-23T12:34:56.054321-01:23.")]
    [InlineData("DateTime", "2012-13-23T12:34:56.054321-00:00", "'2012-13-23T12:34:56.054321-00:00' is not a valid DateTime: ")]
    public void Bad_values_fail_with_a_FormatException_that_shows_them(string type, string input, string message)
    {
        Func<byte[], object> parse = type switch
        {
            "Integer" => b => AmpArgument.Integer.FromBytes(b),
            "Boolean" => b => AmpArgument.Boolean.FromBytes(b),
            "Float" => b => AmpArgument.Float.FromBytes(b),
            "Decimal" => b => AmpArgument.Decimal.FromBytes(b),
            _ => b => AmpArgument.DateTime.FromBytes(b),
        };
        var error = Assert.Throws<FormatException>(() => parse(Encoding.UTF8.GetBytes(input)));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Invalid_UTF8_is_not_Unicode()
    {
        var error = Assert.Throws<FormatException>(() => AmpArgument.Unicode.FromBytes([0xff]));
        Assert.StartsWith("1 bytes are not valid UTF-8 for a Unicode value", error.Message);
    }

    [Fact]
    public void A_truncated_ListOf_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => AmpArgument.ListOf(AmpArgument.Integer).FromBytes([0, 1, (byte)'1', 0, 5, (byte)'2']));
        Assert.Equal("Element 1 of the ListOf(Integer) announces 5 bytes but 1 are left.", error.Message);
    }

    [Fact]
    public void A_schema_names_the_missing_or_bad_key()
    {
        var missing = Assert.Throws<AmpArgumentException>(() => AmpTestCommands.Sum.Arguments.Read(new AmpBox { ["a"] = "1"u8.ToArray() }));
        Assert.Equal("AMP box lacks the required key 'b' (Integer).", missing.Message);
        var bad = Assert.Throws<AmpArgumentException>(() => AmpTestCommands.Sum.Arguments.Read(new AmpBox { ["a"] = "1"u8.ToArray(), ["b"] = "x"u8.ToArray() }));
        Assert.Equal("AMP key 'b' (Integer): 'x' is not an Integer (decimal digits with an optional sign, within 64 bits).", bad.Message);
    }

    [Fact]
    public void Optional_keys_are_left_out_when_null_and_read_back_as_null()
    {
        var box = new AmpBox();
        var sample = AmpTestCommands.SampleEcho();
        AmpTestCommands.EchoSchema.Write(sample, box);
        Assert.False(box.ContainsKey("extra"));
        Assert.True(box.ContainsKey("note"));
        AmpTestCommands.AssertEchoEqual(sample, AmpTestCommands.EchoSchema.Read(box));
        AmpTestCommands.EchoSchema.Write(sample with { Extra = 5, Note = null }, box = new AmpBox());
        Assert.False(box.ContainsKey("note"));
        Assert.Equal(5, AmpTestCommands.EchoSchema.Read(box).Extra);
    }

    [Fact]
    public void A_required_null_value_cannot_be_written()
    {
        var error = Assert.Throws<ArgumentException>(() => AmpTestCommands.RowSchema.Write(new Row(null!, 1), new AmpBox()));
        Assert.Equal("AMP key 'name' (Unicode) is required but the value is null.", error.Message);
    }

    [Fact]
    public void A_schema_refuses_a_key_declared_twice()
    {
        var error = Assert.Throws<ArgumentException>(() => AmpSchema.For<Row>().Add("n", AmpArgument.Integer, x => x.N).Add("n", AmpArgument.Integer, x => x.N));
        Assert.StartsWith("The schema already has a key 'n'.", error.Message);
    }
}
