using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using System.Text;

namespace Torsion.Protocols.Amp;

/// <summary>
/// One AMP message: a map of keys to byte values. Keys are byte strings of 1 to <see cref="MaxKeyLength"/> bytes,
/// shown here as strings of one char per byte (Latin-1, so any bytes round-trip); values are at most
/// <see cref="MaxValueLength"/> bytes. On the wire each key and value is a 16-bit big-endian length and its bytes,
/// in key order as Twisted writes them, and the box ends with a zero-length key.
/// </summary>
public sealed class AmpBox : IEnumerable<KeyValuePair<string, byte[]>>
{
    /// <summary>The longest key: 255 bytes.</summary>
    public const int MaxKeyLength = 255;

    /// <summary>The longest value: 65535 bytes.</summary>
    public const int MaxValueLength = 65535;

    private readonly SortedDictionary<string, byte[]> _items = new(StringComparer.Ordinal);

    /// <summary>How many keys the box holds.</summary>
    public int Count => _items.Count;

    /// <summary>The keys, in wire order.</summary>
    public IEnumerable<string> Keys => _items.Keys;

    /// <summary>The value of <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">The box has no such key (the message names it).</exception>
    /// <exception cref="AmpTooLongException">Setting a key or value that does not fit the framing.</exception>
    public byte[] this[string key]
    {
        get => _items.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The AMP box has no key '{key}'.");
        set
        {
            ValidateKey(key);
            ArgumentNullException.ThrowIfNull(value);
            if (value.Length > MaxValueLength)
            {
                throw new AmpTooLongException(false, true, value.Length, key);
            }

            _items[key] = value;
        }
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> encoded as UTF-8.</summary>
    public void SetString(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        this[key] = Encoding.UTF8.GetBytes(value);
    }

    /// <summary>The value of <paramref name="key"/> decoded as UTF-8 (invalid bytes become U+FFFD).</summary>
    public string GetString(string key) => Encoding.UTF8.GetString(this[key]);

    /// <summary>Gets the value of <paramref name="key"/> if the box has it.</summary>
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out byte[] value) =>
        _items.TryGetValue(key, out value);

    /// <summary>True if the box has <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => _items.ContainsKey(key);

    /// <summary>Removes <paramref name="key"/>; false if it was not there.</summary>
    public bool Remove(string key) => _items.Remove(key);

    /// <summary>Adds the key/value pair (collection initializer support).</summary>
    public void Add(string key, byte[] value) => this[key] = value;

    /// <summary>Adds the key with a UTF-8 value (collection initializer support).</summary>
    public void Add(string key, string value) => SetString(key, value);

    /// <summary>The number of bytes <see cref="WriteTo"/> writes.</summary>
    public int SerializedLength
    {
        get
        {
            var length = 2;
            foreach (var (key, value) in _items)
            {
                length += 4 + key.Length + value.Length;
            }

            return length;
        }
    }

    /// <summary>Writes the box in wire format: each key and value with its 16-bit length, then the empty key.</summary>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var (key, value) in _items)
        {
            var span = writer.GetSpan(4 + key.Length + value.Length);
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)key.Length);
            Encoding.Latin1.GetBytes(key, span[2..]);
            var at = 2 + key.Length;
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)value.Length);
            value.CopyTo(span[(at + 2)..]);
            writer.Advance(4 + key.Length + value.Length);
        }

        BinaryPrimitives.WriteUInt16BigEndian(writer.GetSpan(2), 0);
        writer.Advance(2);
    }

    /// <summary>The box in wire format.</summary>
    public byte[] ToArray()
    {
        var writer = new ArrayBufferWriter<byte>(SerializedLength);
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, byte[]>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The keys and values, for logs and test failures.</summary>
    public override string ToString() =>
        "AmpBox{" + string.Join(", ", _items.Select(p => $"{p.Key}: {Show(p.Value)}")) + "}";

    /// <summary>Sets a value read from the wire (already within the limits).</summary>
    internal void SetParsed(string key, byte[] value) => _items[key] = value;

    private static string Show(byte[] value)
    {
        var text = value.Length > 64 ? value.AsSpan(0, 64) : value;
        var shown = Encoding.UTF8.GetString(text);
        return value.Length > 64 ? $"'{shown}'... ({value.Length} bytes)" : $"'{shown}'";
    }

    private static void ValidateKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            throw new ArgumentException("An AMP key cannot be empty: the empty key ends a box.", nameof(key));
        }

        if (key.Length > MaxKeyLength)
        {
            throw new AmpTooLongException(true, true, key.Length, null);
        }

        foreach (var c in key)
        {
            if (c > '\u00ff')
            {
                throw new ArgumentException($"AMP key '{key}' has the char U+{(int)c:X4}: keys are bytes, one char (U+0000..U+00FF) per byte.", nameof(key));
            }
        }
    }
}
