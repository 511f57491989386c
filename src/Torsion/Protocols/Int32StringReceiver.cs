namespace Torsion.Protocols;

/// <summary>
/// Receives strings each preceded by a 32-bit unsigned big-endian length (Twisted's <c>Int32StringReceiver</c>).
/// See <see cref="IntNStringReceiver"/> for limits and errors.
/// </summary>
public abstract class Int32StringReceiver : IntNStringReceiver
{
    /// <summary>Creates the receiver with a 4-byte prefix.</summary>
    protected Int32StringReceiver() : base(4)
    {
    }
}
