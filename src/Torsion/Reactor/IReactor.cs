namespace Torsion.Reactor;

/// <summary>
/// A reactor: one thread, one loop, that owns sockets, timers and calls from other threads. A composite of
/// small interfaces as in Twisted, so that code asks only for what it uses (often just <see cref="IReactorTime"/>).
/// UDP, Unix sockets and processes are added as further interfaces next to <see cref="IReactorTcp"/>.
/// </summary>
public interface IReactor : IReactorCore, IReactorTime, IReactorThreads, IReactorTcp, IReactorUdp, IReactorMulticast, IReactorUnix, IReactorFDSet, IReactorSocket
{
}
