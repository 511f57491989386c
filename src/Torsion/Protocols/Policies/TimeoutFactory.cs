using System.Net;
using Torsion.Reactor;

namespace Torsion.Protocols.Policies;

/// <summary>
/// Closes each connection that has been idle — no data in either direction — for <see cref="Timeout"/>
/// (Twisted's <c>TimeoutFactory</c>). Uses <see cref="TimeoutProtocol"/>.
/// </summary>
public sealed class TimeoutFactory : WrappingFactory
{
    /// <summary>Wraps <paramref name="wrappedFactory"/> with an idle timeout of <paramref name="timeout"/> on <paramref name="clock"/>.</summary>
    public TimeoutFactory(IProtocolFactory wrappedFactory, TimeSpan timeout, IReactorTime clock)
        : base(wrappedFactory)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Timeout = timeout;
        Clock = clock;
    }

    /// <summary>How long a connection may stay idle.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The reactor time that drives the timers.</summary>
    public IReactorTime Clock { get; }

    /// <inheritdoc />
    protected override ProtocolWrapper WrapProtocol(IProtocol wrapped, EndPoint peer) => new TimeoutProtocol(this, wrapped, Timeout, Clock);
}
