namespace Torsion.Protocols;

/// <summary>
/// Receives strings each preceded by a 8-bit unsigned big-endian length (Twisted's <c>Int8StringReceiver</c>).
/// See <see cref="IntNStringReceiver"/> for limits and errors.
/// </summary>
public abstract class Int8StringReceiver : IntNStringReceiver
{
    /// <summary>Creates the receiver with a 1-byte prefix.</summary>
    protected Int8StringReceiver() : base(1)
    {
    }
}
