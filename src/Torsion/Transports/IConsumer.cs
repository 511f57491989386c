namespace Torsion.Transports;

/// <summary>Takes data from a producer, applying flow control to it.</summary>
public interface IConsumer
{
    /// <summary>
    /// Registers a producer. A streaming producer must be an <see cref="IPushProducer"/> and is paused and
    /// resumed by the consumer's water marks; a non-streaming one must be an <see cref="IPullProducer"/> and is
    /// asked for each chunk.
    /// </summary>
    /// <exception cref="InvalidOperationException">A producer is already registered.</exception>
    void RegisterProducer(IProducer producer, bool streaming);

    /// <summary>Removes the registered producer.</summary>
    void UnregisterProducer();

    /// <summary>Writes bytes. The span is copied before the call returns.</summary>
    void Write(ReadOnlySpan<byte> data);
}
