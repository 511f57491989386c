using System.Collections;

namespace Torsion.Web.Client;

/// <summary>
/// HTTP header fields in order, names compared without case (Twisted's <c>Headers</c>). A name or value with CR, LF
/// or NUL is refused, so that no caller can inject a header line.
/// </summary>
public sealed class Headers : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _fields;

    /// <summary>An empty set of fields.</summary>
    public Headers()
    {
        _fields = [];
    }

    /// <summary>A copy of <paramref name="fields"/>.</summary>
    public Headers(IEnumerable<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _fields = [];
        foreach (var field in fields)
        {
            Add(field.Key, field.Value);
        }
    }

    private Headers(int capacity)
    {
        _fields = new List<KeyValuePair<string, string>>(capacity);
    }

    /// <summary>A copy of fields the response parser already checked (token names, no CR/LF/NUL in values).</summary>
    internal static Headers FromParsed(IReadOnlyList<KeyValuePair<string, string>> parsed)
    {
        var headers = new Headers(parsed.Count);
        for (var i = 0; i < parsed.Count; i++)
        {
            headers._fields.Add(parsed[i]);
        }

        return headers;
    }

    /// <summary>How many fields there are.</summary>
    public int Count => _fields.Count;

    /// <summary>Adds a field (an existing one of the same name stays).</summary>
    /// <exception cref="ArgumentException">The name is not a token, or the value holds CR, LF or NUL.</exception>
    public Headers Add(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!IsToken(name))
        {
            throw new ArgumentException($"The header name '{name}' is not an HTTP token.", nameof(name));
        }

        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw new ArgumentException($"The value of header '{name}' contains CR, LF or NUL.", nameof(value));
        }

        _fields.Add(new(name, value));
        return this;
    }

    /// <summary>Whether <paramref name="text"/> is an HTTP token (RFC 9110 section 5.6.2): a field name or a method.</summary>
    internal static bool IsToken(string text)
    {
        if (text.Length == 0)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c > 0x7F || !global::Torsion.Web.Http.HttpRequestParser.IsTokenChar((byte)c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Replaces every field named <paramref name="name"/> by one with <paramref name="value"/>.</summary>
    public Headers Set(string name, string value)
    {
        Remove(name);
        return Add(name, value);
    }

    /// <summary>Removes every field named <paramref name="name"/>; true if there was one.</summary>
    public bool Remove(string name) => _fields.RemoveAll(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)) > 0;

    /// <summary>Whether a field named <paramref name="name"/> is present.</summary>
    public bool Contains(string name) => _fields.Exists(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    public string? Get(string name)
    {
        foreach (var f in _fields)
        {
            if (string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return f.Value;
            }
        }

        return null;
    }

    /// <summary>Every value of <paramref name="name"/> in order.</summary>
    public IReadOnlyList<string> GetAll(string name) =>
        _fields.Where(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value).ToList();

    /// <summary>A copy of these fields.</summary>
    public Headers Copy() => new(_fields);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
