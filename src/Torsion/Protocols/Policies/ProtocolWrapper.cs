using System.Buffers;
using System.Net;
using Torsion.Transports;

namespace Torsion.Protocols.Policies;

/// <summary>
/// Sits between a transport and a protocol and forwards everything both ways (Twisted's <c>ProtocolWrapper</c>):
/// to the real transport it is the protocol, to the wrapped protocol it is the transport. Subclass it to watch or
/// change traffic (timeouts, throttling, limits); wrappers compose, as their factories do.
/// </summary>
public class ProtocolWrapper : Protocol, ITransport, IHalfCloseable, IHalfCloseableProtocol
{
    /// <summary>Wraps <paramref name="wrappedProtocol"/> for <paramref name="factory"/>.</summary>
    public ProtocolWrapper(WrappingFactory factory, IProtocol wrappedProtocol)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(wrappedProtocol);
        WrappingFactory = factory;
        WrappedProtocol = wrappedProtocol;
        Factory = factory;
    }

    /// <summary>The factory that built this wrapper.</summary>
    public WrappingFactory WrappingFactory { get; }

    /// <summary>The protocol that does the real work.</summary>
    public IProtocol WrappedProtocol { get; }

    /// <inheritdoc />
    public EndPoint Peer => Transport.Peer;

    /// <inheritdoc />
    public EndPoint Host => Transport.Host;

    /// <summary>Binds the transport, registers with the factory, then connects the wrapped protocol to this wrapper.</summary>
    public override void MakeConnection(ITransport transport)
    {
        base.MakeConnection(transport);
        WrappingFactory.RegisterProtocol(this);
        WrappedProtocol.MakeConnection(this);
    }

    /// <inheritdoc />
    public override void DataReceived(ReadOnlySpan<byte> data) => WrappedProtocol.DataReceived(data);

    /// <summary>Unregisters from the factory and tells the wrapped protocol.</summary>
    public override void ConnectionLost(Exception reason)
    {
        WrappingFactory.UnregisterProtocol(this);
        WrappedProtocol.ConnectionLost(reason);
    }

    /// <summary>
    /// The peer closed its write side. Passed on if the wrapped protocol can be half-closed; otherwise the
    /// connection is closed, as a transport does for such a protocol.
    /// </summary>
    public virtual void ReadConnectionLost()
    {
        if (WrappedProtocol is IHalfCloseableProtocol halfCloseable)
        {
            halfCloseable.ReadConnectionLost();
        }
        else
        {
            Transport.LoseConnection();
        }
    }

    /// <inheritdoc />
    public virtual void WriteConnectionLost() => (WrappedProtocol as IHalfCloseableProtocol)?.WriteConnectionLost();

    /// <inheritdoc />
    public virtual void Write(ReadOnlySpan<byte> data) => Transport.Write(data);

    /// <inheritdoc />
    public virtual void WriteSequence(ReadOnlySequence<byte> data) => Transport.WriteSequence(data);

    /// <inheritdoc />
    public virtual void LoseConnection() => Transport.LoseConnection();

    /// <inheritdoc />
    public virtual void AbortConnection() => Transport.AbortConnection();

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The real transport cannot be half-closed.</exception>
    public virtual void LoseWriteConnection()
    {
        if (Transport is not IHalfCloseable halfCloseable)
        {
            throw new NotSupportedException($"{Transport.GetType().Name} under {GetType().Name} cannot be half-closed (it is not IHalfCloseable).");
        }

        halfCloseable.LoseWriteConnection();
    }

    /// <inheritdoc />
    public virtual void RegisterProducer(IProducer producer, bool streaming) => Transport.RegisterProducer(producer, streaming);

    /// <inheritdoc />
    public virtual void UnregisterProducer() => Transport.UnregisterProducer();

    /// <inheritdoc />
    public virtual void PauseProducing() => Transport.PauseProducing();

    /// <inheritdoc />
    public virtual void ResumeProducing() => Transport.ResumeProducing();

    /// <inheritdoc />
    public virtual void StopProducing() => Transport.StopProducing();
}
