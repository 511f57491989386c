using Torsion.Defer;
using Torsion.Reactor;
using Torsion.Transports;
using Torsion.Web.Client;

namespace Torsion.Web.Tests.Client;

/// <summary>
/// A request body of unknown length (so it is sent chunked), written one piece per reactor turn and honouring
/// pause/resume, as a producer reading from a file or a socket would.
/// </summary>
internal sealed class PiecewiseBodyProducer(IReactorTime time, IReadOnlyList<byte[]> pieces) : IBodyProducer
{
    private readonly Deferred<Unit> _done = new();
    private IConsumer? _consumer;
    private int _next;
    private bool _paused;
    private bool _scheduled;

    public long? Length => null;

    public int Pauses { get; private set; }

    public Deferred<Unit> StartProducing(IConsumer consumer)
    {
        _consumer = consumer;
        Schedule();
        return _done;
    }

    private void Schedule()
    {
        if (_scheduled || _paused || _done.Called)
        {
            return;
        }

        _scheduled = true;
        time.CallLater(TimeSpan.Zero, () =>
        {
            _scheduled = false;
            if (_paused || _done.Called)
            {
                return;
            }

            if (_next == pieces.Count)
            {
                _done.Callback(Unit.Value);
                return;
            }

            _consumer!.Write(pieces[_next++]);
            Schedule();
        });
    }

    public void PauseProducing()
    {
        _paused = true;
        Pauses++;
    }

    public void ResumeProducing()
    {
        _paused = false;
        Schedule();
    }

    public void StopProducing()
    {
        if (!_done.Called)
        {
            _done.Errback(new OperationCanceledException("The body producer was stopped."));
        }
    }
}
