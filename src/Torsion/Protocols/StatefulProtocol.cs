namespace Torsion.Protocols;

/// <summary>
/// A protocol that reads fixed-size pieces, each handled by the current state (Twisted's <c>StatefulProtocol</c>):
/// a state is a <see cref="StateHandler"/> and the number of bytes it wants; the handler returns the next state
/// or null to stay. Bytes are buffered until the current state has all it asked for.
/// </summary>
public abstract class StatefulProtocol : Protocol, IFrameSink
{
    private readonly FrameReader _reader = new();
    private (StateHandler Handler, int Length)? _state;

    /// <summary>The state that handles the first bytes of the connection.</summary>
    protected abstract (StateHandler Handler, int Length) GetInitialState();

    /// <summary>The current state (the initial one until data arrives).</summary>
    public (StateHandler Handler, int Length) State => _state ??= Validate(GetInitialState());

    bool IFrameSink.CanDeliver => Connected || !HasTransport;

    /// <inheritdoc />
    public sealed override void DataReceived(ReadOnlySpan<byte> data) => _reader.Feed(data, this);

    int IFrameSink.Step(ReadOnlySpan<byte> available, out bool stop)
    {
        stop = false;
        var (handler, length) = State;
        while (length == 0)
        {
            // A state that wants no bytes runs at once; staying in it would spin, so wait for more data then.
            if (handler(ReadOnlySpan<byte>.Empty) is not { } zeroNext)
            {
                return 0;
            }

            (handler, length) = (_state = Validate(zeroNext)).Value;
        }

        if (available.Length < length)
        {
            return 0;
        }

        if (handler(available[..length]) is { } next)
        {
            _state = Validate(next);
        }

        return length;
    }

    private (StateHandler Handler, int Length) Validate((StateHandler Handler, int Length) state)
    {
        if (state.Handler is null)
        {
            throw new InvalidOperationException($"{GetType().Name} returned a state with no handler.");
        }

        if (state.Length < 0)
        {
            throw new InvalidOperationException($"{GetType().Name} asked for a negative number of bytes ({state.Length}).");
        }

        return state;
    }
}
