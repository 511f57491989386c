namespace Torsion.Protocols.Amp;

/// <summary>The decoded values of one box, by key, as a schema's create function reads them.</summary>
public sealed class AmpValues
{
    private readonly string[] _names;
    private readonly object?[] _values;

    internal AmpValues(string[] names, object?[] values)
    {
        _names = names;
        _values = values;
    }

    /// <summary>
    /// The value of <paramref name="name"/> as <typeparamref name="T"/>. An absent optional value is null: read it as
    /// <c>long?</c>, <c>string?</c>...
    /// </summary>
    /// <exception cref="ArgumentException">The schema has no such key.</exception>
    /// <exception cref="InvalidCastException">The key holds another type, or is absent and <typeparamref name="T"/> cannot be null.</exception>
    public T Get<T>(string name)
    {
        var index = Array.IndexOf(_names, name);
        if (index < 0)
        {
            throw new ArgumentException($"The schema has no key '{name}'; it has {string.Join(", ", _names)}.", nameof(name));
        }

        var value = _values[index];
        if (value is null)
        {
            return default(T) is null
                ? default!
                : throw new InvalidCastException($"AMP key '{name}' is optional and absent: read it as {typeof(T).Name}? to get null.");
        }

        return value is T typed
            ? typed
            : throw new InvalidCastException($"AMP key '{name}' holds a {value.GetType().Name}, not a {typeof(T).Name}.");
    }

    /// <summary>True if the box had <paramref name="name"/> (always true for required keys).</summary>
    public bool Has(string name)
    {
        var index = Array.IndexOf(_names, name);
        return index >= 0 && _values[index] is not null;
    }
}
