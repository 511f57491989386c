using Torsion.Defer;

namespace Torsion.Protocols.Amp;

/// <summary>Starts schemas: <c>AmpSchema.For&lt;SumArgs&gt;().Add("a", AmpArgument.Integer, x =&gt; x.A)...Build(v =&gt; ...)</c>.</summary>
public static class AmpSchema
{
    /// <summary>A schema with no keys, for commands that take or answer nothing.</summary>
    public static AmpSchema<Unit> Empty { get; } = new AmpSchema<Unit>([], _ => Unit.Value);

    /// <summary>Starts declaring the keys of a schema for <typeparamref name="T"/>.</summary>
    public static AmpSchemaBuilder<T> For<T>() => new();
}
