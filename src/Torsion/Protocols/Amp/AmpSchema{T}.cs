namespace Torsion.Protocols.Amp;

/// <summary>
/// The keys of a command's arguments or response (Twisted's <c>arguments</c>/<c>response</c> lists) and how they map to
/// a .NET record. Build one with <see cref="AmpSchema.For{T}"/>; no reflection, so it trims and compiles ahead of time.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class AmpSchema<T>
{
    private readonly AmpField<T>[] _fields;
    private readonly string[] _names;
    private readonly Func<AmpValues, T> _create;

    internal AmpSchema(AmpField<T>[] fields, Func<AmpValues, T> create)
    {
        _fields = fields;
        _names = fields.Select(f => f.Name).ToArray();
        _create = create;
    }

    /// <summary>The keys, in the order they were declared.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Writes the keys of <paramref name="value"/> into <paramref name="box"/> (absent optional values are left out).</summary>
    /// <exception cref="ArgumentException">A value is null where required or cannot be encoded (the message names the key).</exception>
    /// <exception cref="AmpTooLongException">An encoded value is over 65535 bytes.</exception>
    public void Write(T value, AmpBox box)
    {
        ArgumentNullException.ThrowIfNull(box);
        if (value is null)
        {
            throw new ArgumentNullException(nameof(value), $"Cannot write a null {typeof(T).Name} as an AMP box.");
        }

        foreach (var field in _fields)
        {
            field.Write(value, box);
        }
    }

    /// <summary>Reads a record from <paramref name="box"/>; keys the schema does not name are ignored.</summary>
    /// <exception cref="AmpArgumentException">A required key is missing or a value does not decode (the message names the key).</exception>
    public T Read(AmpBox box)
    {
        ArgumentNullException.ThrowIfNull(box);
        var values = new object?[_fields.Length];
        for (var i = 0; i < _fields.Length; i++)
        {
            var field = _fields[i];
            if (!box.TryGetValue(field.Name, out var bytes))
            {
                if (field.Optional)
                {
                    continue;
                }

                throw new AmpArgumentException($"AMP box lacks the required key '{field.Name}' ({field.TypeName}).");
            }

            try
            {
                values[i] = field.Read(bytes);
            }
            catch (Exception e) when (e is FormatException or AmpArgumentException or ArgumentException or OverflowException)
            {
                throw new AmpArgumentException($"AMP key '{field.Name}' ({field.TypeName}): {e.Message}", e);
            }
        }

        return _create(new AmpValues(_names, values));
    }
}
