using System.Buffers;
using System.Net;

namespace Torsion.Transports;

/// <summary>
/// A connection as a protocol sees it: write bytes, close, and flow control both ways.
/// A transport is used from its reactor thread only. Optional capabilities are separate interfaces
/// (<see cref="IHalfCloseable"/>, TLS, Unix) that protocol code asks for.
/// </summary>
public interface ITransport : IConsumer, IPushProducer
{
    /// <summary>Writes several buffers as one (gathered into one send where possible).</summary>
    void WriteSequence(ReadOnlySequence<byte> data);

    /// <summary>Closes the connection after all pending writes have been sent.</summary>
    void LoseConnection();

    /// <summary>Closes the connection at once, dropping pending writes (TCP: sends a reset).</summary>
    void AbortConnection();

    /// <summary>The remote address.</summary>
    EndPoint Peer { get; }

    /// <summary>The local address.</summary>
    EndPoint Host { get; }
}
