namespace Torsion.Protocols.Amp;

/// <summary>Declares the keys of an <see cref="AmpSchema{T}"/> one by one; <see cref="Build"/> ends it.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class AmpSchemaBuilder<T>
{
    private readonly List<AmpField<T>> _fields = [];

    internal AmpSchemaBuilder()
    {
    }

    /// <summary>A required key <paramref name="name"/> of type <paramref name="argument"/>, read from the record with <paramref name="get"/>.</summary>
    public AmpSchemaBuilder<T> Add<TValue>(string name, AmpArgument<TValue> argument, Func<T, TValue> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        return Field(name, optional: false, argument, r => get(r));
    }

    /// <summary>An optional key of a reference type: left out of the box when null, null when absent.</summary>
    public AmpSchemaBuilder<T> AddOptional<TValue>(string name, AmpArgument<TValue> argument, Func<T, TValue?> get)
        where TValue : class
    {
        ArgumentNullException.ThrowIfNull(get);
        return Field(name, optional: true, argument, r => get(r));
    }

    /// <summary>An optional key of a value type: left out of the box when null, null when absent (read it as <c>TValue?</c>).</summary>
    public AmpSchemaBuilder<T> AddOptionalValue<TValue>(string name, AmpArgument<TValue> argument, Func<T, TValue?> get)
        where TValue : struct
    {
        ArgumentNullException.ThrowIfNull(get);
        return Field(name, optional: true, argument, r => get(r));
    }

    /// <summary>Ends the schema: <paramref name="create"/> makes a record from the decoded values.</summary>
    public AmpSchema<T> Build(Func<AmpValues, T> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        return new AmpSchema<T>([.. _fields], create);
    }

    private AmpSchemaBuilder<T> Field<TValue>(string name, bool optional, AmpArgument<TValue> argument, Func<T, object?> get)
    {
        ArgumentNullException.ThrowIfNull(argument);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > AmpBox.MaxKeyLength || name.Any(c => c > '\u00ff'))
        {
            throw new ArgumentException($"AMP key '{name}' must be 1 to {AmpBox.MaxKeyLength} bytes, one char (U+0000..U+00FF) per byte.", nameof(name));
        }

        if (_fields.Any(f => f.Name == name))
        {
            throw new ArgumentException($"The schema already has a key '{name}'.", nameof(name));
        }

        _fields.Add(new AmpField<T, TValue>(name, optional, argument, get));
        return this;
    }
}
