namespace Torsion.Protocols;

/// <summary>
/// Receives strings each preceded by a 16-bit unsigned big-endian length (Twisted's <c>Int16StringReceiver</c>).
/// See <see cref="IntNStringReceiver"/> for limits and errors.
/// </summary>
public abstract class Int16StringReceiver : IntNStringReceiver
{
    /// <summary>Creates the receiver with a 2-byte prefix.</summary>
    protected Int16StringReceiver() : base(2)
    {
    }
}
