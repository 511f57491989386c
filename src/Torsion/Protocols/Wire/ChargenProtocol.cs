using Torsion.Reactor;
using Torsion.Transports;

namespace Torsion.Protocols.Wire;

/// <summary>
/// RFC 864 Character Generator over TCP: sends the rotating 72-character lines of the 95 printable ASCII
/// characters, each ended by CRLF, until the peer closes; received data is discarded. A push producer: it writes
/// until the transport pauses it (above the transport's high water mark), and in any case at most
/// <see cref="BytesPerTurn"/> before yielding to the reactor for <see cref="TurnDelay"/> (none by default); it
/// goes on when resumed.
/// </summary>
public sealed class ChargenProtocol : Protocol, IPushProducer
{
    /// <summary>The default <see cref="BytesPerTurn"/>: 256 KiB (above a transport's 64 KiB high water mark).</summary>
    public const int DefaultBytesPerTurn = 256 * 1024;

    private const int LineLength = 72;
    private const int Printable = 95;

    // 95 lines of 72 characters + CRLF: after that the pattern repeats.
    private static readonly byte[] Pattern = BuildPattern();

    private readonly IReactorTime _clock;
    private IDelayedCall? _next;
    private int _offset;
    private bool _paused;
    private bool _stopped;

    /// <summary>Creates the protocol; <paramref name="clock"/> schedules its writing turns.</summary>
    /// <param name="clock">The reactor time that schedules the next turn.</param>
    /// <param name="bytesPerTurn">Most bytes written per turn.</param>
    /// <param name="turnDelay">The pause between turns (zero: the next reactor iteration).</param>
    public ChargenProtocol(IReactorTime clock, int bytesPerTurn = DefaultBytesPerTurn, TimeSpan turnDelay = default)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerTurn);
        ArgumentOutOfRangeException.ThrowIfLessThan(turnDelay, TimeSpan.Zero);
        _clock = clock;
        BytesPerTurn = bytesPerTurn;
        TurnDelay = turnDelay;
    }

    /// <summary>The pause between writing turns.</summary>
    public TimeSpan TurnDelay { get; }

    /// <summary>Most bytes written before yielding to the reactor.</summary>
    public int BytesPerTurn { get; }

    /// <summary>Bytes sent so far.</summary>
    public long BytesSent { get; private set; }

    /// <summary>The full repeating pattern (95 lines of 72 characters and CRLF).</summary>
    public static ReadOnlySpan<byte> Cycle => Pattern;

    /// <summary>Registers as the transport's push producer and starts sending.</summary>
    public override void ConnectionMade()
    {
        Transport.RegisterProducer(this, streaming: true);
        Produce();
    }

    /// <inheritdoc />
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
    }

    /// <inheritdoc />
    public override void ConnectionLost(Exception reason) => StopProducing();

    /// <inheritdoc />
    public void PauseProducing()
    {
        _paused = true;
        CancelNext();
    }

    /// <inheritdoc />
    public void ResumeProducing()
    {
        if (_stopped)
        {
            return;
        }

        _paused = false;
        _next ??= _clock.CallLater(TurnDelay, Produce);
    }

    /// <inheritdoc />
    public void StopProducing()
    {
        _stopped = true;
        CancelNext();
    }

    private void Produce()
    {
        _next = null;
        var left = BytesPerTurn;
        while (left > 0 && !_paused && !_stopped)
        {
            var n = Math.Min(left, Pattern.Length - _offset);
            Transport.Write(Pattern.AsSpan(_offset, n));
            BytesSent += n;
            left -= n;
            _offset = (_offset + n) % Pattern.Length;
        }

        if (!_paused && !_stopped)
        {
            _next = _clock.CallLater(TurnDelay, Produce);
        }
    }

    private void CancelNext()
    {
        if (_next is { Active: true })
        {
            _next.Cancel();
        }

        _next = null;
    }

    private static byte[] BuildPattern()
    {
        var pattern = new byte[Printable * (LineLength + 2)];
        var i = 0;
        for (var line = 0; line < Printable; line++)
        {
            for (var c = 0; c < LineLength; c++)
            {
                pattern[i++] = (byte)(' ' + (line + c) % Printable);
            }

            pattern[i++] = (byte)'\r';
            pattern[i++] = (byte)'\n';
        }

        return pattern;
    }
}
