namespace Torsion.Transports;

/// <summary>A producer that writes one chunk each time the consumer asks (a non-streaming producer).</summary>
public interface IPullProducer : IProducer
{
    /// <summary>Writes the next chunk to the consumer.</summary>
    void ResumeProducing();
}
