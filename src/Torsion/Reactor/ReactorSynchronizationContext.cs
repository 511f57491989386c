namespace Torsion.Reactor;

/// <summary>Sends continuations of <c>await</c> in protocol code back to the reactor thread.</summary>
internal sealed class ReactorSynchronizationContext(ReactorBase reactor) : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => reactor.CallFromThread(() => d(state));

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (reactor.IsInReactorThread)
        {
            d(state);
            return;
        }

        ReactorThreadsExtensions.BlockingCallFromThread(reactor, () =>
        {
            d(state);
            return true;
        });
    }

    public override SynchronizationContext CreateCopy() => this;
}
