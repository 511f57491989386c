using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Torsion.Protocols.Amp;

/// <summary>
/// The argument types of Twisted's <c>twisted.protocols.amp</c>, with the same wire forms: <see cref="Integer"/>,
/// <see cref="String"/>, <see cref="Unicode"/>, <see cref="Boolean"/>, <see cref="Float"/>, <see cref="Decimal"/>,
/// <see cref="DateTime"/>, <see cref="Path"/>, <see cref="ListOf{T}"/> and <see cref="AmpList{T}"/>.
/// </summary>
public static class AmpArgument
{
    /// <summary>An integer as its decimal digits: 123 is "123" (Twisted's <c>Integer</c>, here 64 bits).</summary>
    public static AmpArgument<long> Integer { get; } = new IntegerArgument();

    /// <summary>Bytes, unchanged (Twisted's <c>String</c>).</summary>
    public static AmpArgument<byte[]> String { get; } = new BytesArgument();

    /// <summary>Text as UTF-8 (Twisted's <c>Unicode</c>).</summary>
    public static AmpArgument<string> Unicode { get; } = new UnicodeArgument();

    /// <summary>"True" or "False" (Twisted's <c>Boolean</c>).</summary>
    public static AmpArgument<bool> Boolean { get; } = new BooleanArgument();

    /// <summary>A double as Python's <c>repr</c> writes it ("1.5", "1e+20", "inf", "nan") (Twisted's <c>Float</c>).</summary>
    public static AmpArgument<double> Float { get; } = new FloatArgument();

    /// <summary>
    /// A decimal in its base-ten form ("1.50", "1E+2") (Twisted's <c>Decimal</c>). <see cref="decimal"/> cannot hold
    /// Python's "NaN" or "Infinity": those fail to decode.
    /// </summary>
    public static AmpArgument<decimal> Decimal { get; } = new DecimalArgument();

    /// <summary>
    /// A time with its UTC offset in Twisted's 32-char form <c>2012-01-23T12:34:56.054321-01:23</c> (microseconds;
    /// an offset of zero is written "-00:00" as Twisted does).
    /// </summary>
    public static AmpArgument<DateTimeOffset> DateTime { get; } = new DateTimeArgument();

    /// <summary>A file path as UTF-8, made absolute on both sides as Twisted's <c>FilePath</c> is (Twisted's <c>Path</c>).</summary>
    public static AmpArgument<string> Path { get; } = new PathArgument();

    /// <summary>A list of one element type: each element's bytes with a 16-bit big-endian length (Twisted's <c>ListOf</c>).</summary>
    public static AmpArgument<IReadOnlyList<T>> ListOf<T>(AmpArgument<T> element) => new ListOfArgument<T>(element);

    /// <summary>A list of records, each written as a whole AMP box by <paramref name="schema"/> (Twisted's <c>AmpList</c>).</summary>
    public static AmpArgument<IReadOnlyList<T>> AmpList<T>(AmpSchema<T> schema) => new AmpListArgument<T>(schema);

    internal static string Show(ReadOnlySpan<byte> data)
    {
        var shown = data.Length > 40 ? data[..40] : data;
        var text = Encoding.UTF8.GetString(shown);
        return data.Length > 40 ? $"'{text}...' ({data.Length} bytes)" : $"'{text}'";
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private sealed class IntegerArgument : AmpArgument<long>
    {
        public override string TypeName => "Integer";

        public override byte[] ToBytes(long value) => Ascii(value.ToString(CultureInfo.InvariantCulture));

        public override long FromBytes(ReadOnlySpan<byte> data)
        {
            // Python's int() allows surrounding white space and a sign.
            if (long.TryParse(Encoding.ASCII.GetString(data).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
               )
            {
                return value;
            }

            throw new FormatException($"{Show(data)} is not an Integer (decimal digits with an optional sign, within 64 bits).");
        }
    }

    private sealed class BytesArgument : AmpArgument<byte[]>
    {
        public override string TypeName => "String";

        public override byte[] ToBytes(byte[] value)
        {
            ArgumentNullException.ThrowIfNull(value);
            return value;
        }

        public override byte[] FromBytes(ReadOnlySpan<byte> data) => data.ToArray();
    }

    private class UnicodeArgument : AmpArgument<string>
    {
        private static readonly UTF8Encoding Strict = new(false, true);

        public override string TypeName => "Unicode";

        public override byte[] ToBytes(string value)
        {
            ArgumentNullException.ThrowIfNull(value);
            try
            {
                return Strict.GetBytes(value);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException($"The string has an unpaired surrogate and cannot be sent as UTF-8: {e.Message}", nameof(value), e);
            }
        }

        public override string FromBytes(ReadOnlySpan<byte> data)
        {
            try
            {
                return Strict.GetString(data);
            }
            catch (DecoderFallbackException e)
            {
                throw new FormatException($"{data.Length} bytes are not valid UTF-8 for a Unicode value: {e.Message}", e);
            }
        }
    }

    private sealed class PathArgument : UnicodeArgument
    {
        public override string TypeName => "Path";

        public override byte[] ToBytes(string value) => base.ToBytes(System.IO.Path.GetFullPath(value));

        public override string FromBytes(ReadOnlySpan<byte> data) => System.IO.Path.GetFullPath(base.FromBytes(data));
    }

    private sealed class BooleanArgument : AmpArgument<bool>
    {
        public override string TypeName => "Boolean";

        public override byte[] ToBytes(bool value) => value ? "True"u8.ToArray() : "False"u8.ToArray();

        public override bool FromBytes(ReadOnlySpan<byte> data)
        {
            if (data.SequenceEqual("True"u8))
            {
                return true;
            }

            if (data.SequenceEqual("False"u8))
            {
                return false;
            }

            throw new FormatException($"{Show(data)} is not a Boolean: only 'True' and 'False' are.");
        }
    }

    private sealed class FloatArgument : AmpArgument<double>
    {
        public override string TypeName => "Float";

        public override byte[] ToBytes(double value)
        {
            if (double.IsNaN(value))
            {
                return "nan"u8.ToArray();
            }

            if (double.IsInfinity(value))
            {
                return value > 0 ? "inf"u8.ToArray() : "-inf"u8.ToArray();
            }

            var text = value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
            if (!text.Contains('.', StringComparison.Ordinal) && !text.Contains('e', StringComparison.Ordinal))
            {
                text += ".0";
            }

            return Ascii(text);
        }

        public override double FromBytes(ReadOnlySpan<byte> data)
        {
            var text = Encoding.ASCII.GetString(data).Trim().ToLowerInvariant();
            switch (text)
            {
                case "nan" or "+nan" or "-nan":
                    return double.NaN;
                case "inf" or "+inf" or "infinity" or "+infinity":
                    return double.PositiveInfinity;
                case "-inf" or "-infinity":
                    return double.NegativeInfinity;
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            throw new FormatException($"{Show(data)} is not a Float.");
        }
    }

    private sealed class DecimalArgument : AmpArgument<decimal>
    {
        public override string TypeName => "Decimal";

        public override byte[] ToBytes(decimal value) => Ascii(value.ToString(CultureInfo.InvariantCulture));

        public override decimal FromBytes(ReadOnlySpan<byte> data)
        {
            var text = Encoding.ASCII.GetString(data);
            if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            throw new FormatException($"{Show(data)} is not a Decimal that System.Decimal can hold (no NaN, Infinity or values beyond ±7.9e28).");
        }
    }

    private sealed class DateTimeArgument : AmpArgument<DateTimeOffset>
    {
        public override string TypeName => "DateTime";

        public override byte[] ToBytes(DateTimeOffset value)
        {
            var minutes = (int)value.Offset.TotalMinutes;
            var sign = minutes > 0 ? '+' : '-';
            minutes = Math.Abs(minutes);
            var micro = (value.Ticks % TimeSpan.TicksPerSecond) / 10;
            return Ascii(string.Create(CultureInfo.InvariantCulture,
                $"{value.Year:D4}-{value.Month:D2}-{value.Day:D2}T{value.Hour:D2}:{value.Minute:D2}:{value.Second:D2}.{micro:D6}{sign}{minutes / 60:D2}:{minutes % 60:D2}"));
        }

        public override DateTimeOffset FromBytes(ReadOnlySpan<byte> data)
        {
            if (data.Length != 32 || data[4] != '-' || data[7] != '-' || data[10] != 'T' || data[13] != ':' || data[16] != ':'
                || data[19] != '.' || (data[26] != '+' && data[26] != '-') || data[29] != ':')
            {
                throw new FormatException($"{Show(data)} is not a DateTime in the form 2012-01-23T12:34:56.054321-01:23.");
            }

            try
            {
                var offset = new TimeSpan(Digits(data, 27, 2), Digits(data, 30, 2), 0);
                if (data[26] == '-')
                {
                    offset = -offset;
                }

                return new DateTimeOffset(Digits(data, 0, 4), Digits(data, 5, 2), Digits(data, 8, 2), Digits(data, 11, 2),
                    Digits(data, 14, 2), Digits(data, 17, 2), offset).AddTicks(Digits(data, 20, 6) * 10L);
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"{Show(data)} is not a valid DateTime: {e.Message}", e);
            }
        }

        private static int Digits(ReadOnlySpan<byte> data, int at, int count)
        {
            var value = 0;
            foreach (var b in data.Slice(at, count))
            {
                if (b is < (byte)'0' or > (byte)'9')
                {
                    throw new FormatException($"{Show(data)} is not a DateTime: '{(char)b}' where a digit belongs.");
                }

                value = (value * 10) + (b - '0');
            }

            return value;
        }
    }

    private sealed class ListOfArgument<T>(AmpArgument<T> element) : AmpArgument<IReadOnlyList<T>>
    {
        private readonly AmpArgument<T> _element = element ?? throw new ArgumentNullException(nameof(element));

        public override string TypeName => $"ListOf({_element.TypeName})";

        public override byte[] ToBytes(IReadOnlyList<T> value)
        {
            ArgumentNullException.ThrowIfNull(value);
            var parts = new byte[value.Count][];
            var total = 0;
            for (var i = 0; i < value.Count; i++)
            {
                parts[i] = _element.ToBytes(value[i]);
                if (parts[i].Length > AmpBox.MaxValueLength)
                {
                    throw new ArgumentException($"Element {i} of the {TypeName} is {parts[i].Length} bytes: at most {AmpBox.MaxValueLength} fit its 16-bit length.", nameof(value));
                }

                total += 2 + parts[i].Length;
            }

            var result = new byte[total];
            var at = 0;
            foreach (var part in parts)
            {
                BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(at), (ushort)part.Length);
                part.CopyTo(result, at + 2);
                at += 2 + part.Length;
            }

            return result;
        }

        public override IReadOnlyList<T> FromBytes(ReadOnlySpan<byte> data)
        {
            var items = new List<T>();
            while (data.Length > 0)
            {
                if (data.Length < 2)
                {
                    throw new FormatException($"The {TypeName} ends with 1 stray byte after {items.Count} elements.");
                }

                var length = BinaryPrimitives.ReadUInt16BigEndian(data);
                if (data.Length < 2 + length)
                {
                    throw new FormatException($"Element {items.Count} of the {TypeName} announces {length} bytes but {data.Length - 2} are left.");
                }

                items.Add(_element.FromBytes(data.Slice(2, length)));
                data = data[(2 + length)..];
            }

            return items;
        }
    }

    private sealed class AmpListArgument<T>(AmpSchema<T> schema) : AmpArgument<IReadOnlyList<T>>
    {
        private readonly AmpSchema<T> _schema = schema ?? throw new ArgumentNullException(nameof(schema));

        public override string TypeName => $"AmpList({string.Join(", ", _schema.Names)})";

        public override byte[] ToBytes(IReadOnlyList<T> value)
        {
            ArgumentNullException.ThrowIfNull(value);
            var writer = new System.Buffers.ArrayBufferWriter<byte>();
            foreach (var item in value)
            {
                var box = new AmpBox();
                _schema.Write(item, box);
                box.WriteTo(writer);
            }

            return writer.WrittenSpan.ToArray();
        }

        public override IReadOnlyList<T> FromBytes(ReadOnlySpan<byte> data)
        {
            IReadOnlyList<AmpBox> boxes;
            try
            {
                boxes = AmpBoxParser.ParseAll(data);
            }
            catch (AmpBoxParseException e)
            {
                throw new FormatException($"The {TypeName} value is not a sequence of AMP boxes: {e.Message}", e);
            }

            var items = new T[boxes.Count];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = _schema.Read(boxes[i]);
            }

            return items;
        }
    }
}
