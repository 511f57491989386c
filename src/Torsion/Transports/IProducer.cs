namespace Torsion.Transports;

/// <summary>Something that produces data for a consumer and can be told to stop for good.</summary>
public interface IProducer
{
    /// <summary>Stops producing for good (the consumer went away).</summary>
    void StopProducing();
}
