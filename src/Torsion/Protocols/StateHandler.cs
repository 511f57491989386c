namespace Torsion.Protocols;

/// <summary>
/// Handles the bytes a <see cref="StatefulProtocol"/> state asked for, and returns the next state (a handler and
/// how many bytes it wants), or null to stay in the current state.
/// </summary>
/// <param name="data">Exactly the number of bytes the state asked for; valid only during the call.</param>
public delegate (StateHandler Handler, int Length)? StateHandler(ReadOnlySpan<byte> data);
