namespace Torsion.Protocols.Amp;

/// <summary>
/// How one argument type travels as an AMP value (Twisted's <c>Argument</c> with <c>toString</c>/<c>fromString</c>).
/// The built-in types are on <see cref="AmpArgument"/>; subclass this for your own.
/// </summary>
/// <typeparam name="T">The .NET type of the value.</typeparam>
public abstract class AmpArgument<T>
{
    /// <summary>The name of the type, as error messages show it (e.g. "Integer").</summary>
    public abstract string TypeName { get; }

    /// <summary>Encodes <paramref name="value"/> as the bytes of an AMP value.</summary>
    /// <exception cref="ArgumentException">The value cannot be encoded (the message says why).</exception>
    public abstract byte[] ToBytes(T value);

    /// <summary>Decodes the bytes of an AMP value.</summary>
    /// <exception cref="FormatException">The bytes are not a valid value of this type (the message shows them).</exception>
    public abstract T FromBytes(ReadOnlySpan<byte> data);

    /// <inheritdoc />
    public override string ToString() => TypeName;
}
