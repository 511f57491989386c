using Torsion.Defer;
using Torsion.Protocols.Amp;

namespace Torsion.Tests.Protocols.Amp;

public sealed record SumArgs(long A, long B);

public sealed record SumResult(long Total);

public sealed record DivideArgs(long Numerator, long Denominator);

public sealed record DivideResult(double Result);

public sealed record Row(string Name, long N);

public sealed record EchoArgs(
    string Text, IReadOnlyList<long> Numbers, DateTimeOffset When, bool Flag, string? Note, decimal Amount, double Ratio,
    byte[] Data, IReadOnlyList<Row> Rows, long? Extra);

public sealed class FatalTestException(string message) : Exception(message);

/// <summary>The commands of the tests and of the interop script amp_peer.py.</summary>
public static class AmpTestCommands
{
    public static readonly AmpCommand<SumArgs, SumResult> Sum = new(
        "Sum",
        AmpSchema.For<SumArgs>()
            .Add("a", AmpArgument.Integer, x => x.A)
            .Add("b", AmpArgument.Integer, x => x.B)
            .Build(v => new SumArgs(v.Get<long>("a"), v.Get<long>("b"))),
        AmpSchema.For<SumResult>()
            .Add("total", AmpArgument.Integer, x => x.Total)
            .Build(v => new SumResult(v.Get<long>("total"))));

    public static readonly AmpCommand<DivideArgs, DivideResult> Divide = new(
        "Divide",
        AmpSchema.For<DivideArgs>()
            .Add("numerator", AmpArgument.Integer, x => x.Numerator)
            .Add("denominator", AmpArgument.Integer, x => x.Denominator)
            .Build(v => new DivideArgs(v.Get<long>("numerator"), v.Get<long>("denominator"))),
        AmpSchema.For<DivideResult>()
            .Add("result", AmpArgument.Float, x => x.Result)
            .Build(v => new DivideResult(v.Get<double>("result"))),
        [
            AmpErrorCode.For<DivideByZeroException>("ZERO_DIVISION", d => new DivideByZeroException(d)),
            AmpErrorCode.For<FatalTestException>("FATAL", d => new FatalTestException(d), fatal: true),
        ]);

    public static readonly AmpSchema<Row> RowSchema = AmpSchema.For<Row>()
        .Add("name", AmpArgument.Unicode, x => x.Name)
        .Add("n", AmpArgument.Integer, x => x.N)
        .Build(v => new Row(v.Get<string>("name"), v.Get<long>("n")));

    public static readonly AmpSchema<EchoArgs> EchoSchema = AmpSchema.For<EchoArgs>()
        .Add("text", AmpArgument.Unicode, x => x.Text)
        .Add("numbers", AmpArgument.ListOf(AmpArgument.Integer), x => x.Numbers)
        .Add("when", AmpArgument.DateTime, x => x.When)
        .Add("flag", AmpArgument.Boolean, x => x.Flag)
        .AddOptional("note", AmpArgument.Unicode, x => x.Note)
        .Add("amount", AmpArgument.Decimal, x => x.Amount)
        .Add("ratio", AmpArgument.Float, x => x.Ratio)
        .Add("data", AmpArgument.String, x => x.Data)
        .Add("rows", AmpArgument.AmpList(RowSchema), x => x.Rows)
        .AddOptionalValue("extra", AmpArgument.Integer, x => x.Extra)
        .Build(v => new EchoArgs(
            v.Get<string>("text"), v.Get<IReadOnlyList<long>>("numbers"), v.Get<DateTimeOffset>("when"), v.Get<bool>("flag"),
            v.Get<string?>("note"), v.Get<decimal>("amount"), v.Get<double>("ratio"), v.Get<byte[]>("data"),
            v.Get<IReadOnlyList<Row>>("rows"), v.Get<long?>("extra")));

    /// <summary>Echo answers with the same keys it was given.</summary>
    public static readonly AmpCommand<EchoArgs, EchoArgs> Echo = new("Echo", EchoSchema, EchoSchema);

    public static readonly AmpCommand<SumArgs, Unit> Notify = new(
        "Notify", Sum.Arguments, AmpSchema.Empty, requiresAnswer: false);

    public static EchoArgs SampleEcho() => new(
        "héllo wörld ✓", [1, -2, 3_000_000_000], new DateTimeOffset(2012, 1, 23, 12, 34, 56, TimeSpan.FromMinutes(-83)).AddTicks(543210),
        true, "a note", 12.50m, 0.25, [0, 1, 2, 255], [new Row("x", 1), new Row("ÿ", -7)], null);

    public static void AssertEchoEqual(EchoArgs expected, EchoArgs actual)
    {
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.Numbers, actual.Numbers);
        Assert.Equal(expected.When, actual.When);
        Assert.Equal(expected.When.Offset, actual.When.Offset);
        Assert.Equal(expected.Flag, actual.Flag);
        Assert.Equal(expected.Note, actual.Note);
        Assert.Equal(expected.Amount, actual.Amount);
        Assert.Equal(expected.Ratio, actual.Ratio);
        Assert.Equal(expected.Data, actual.Data);
        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.Extra, actual.Extra);
    }
}
