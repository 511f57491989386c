namespace Torsion.Transports;

/// <summary>A producer that writes on its own until paused (a streaming producer).</summary>
public interface IPushProducer : IProducer
{
    /// <summary>Stops writing until <see cref="ResumeProducing"/>: the consumer's buffer is above its high water mark.</summary>
    void PauseProducing();

    /// <summary>Writing may go on: the consumer's buffer fell below its low water mark.</summary>
    void ResumeProducing();
}
