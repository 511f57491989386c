namespace Torsion.Testing;

/// <summary>What a protocol last asked of a <see cref="StringTransport"/> acting as a producer.</summary>
public enum ProducerState
{
    /// <summary>Reading goes on (the initial state, or after <c>ResumeProducing</c>).</summary>
    Producing,

    /// <summary>The protocol called <c>PauseProducing</c>: a real transport would stop reading.</summary>
    Paused,

    /// <summary>The protocol called <c>StopProducing</c>: a real transport would stop reading for good.</summary>
    Stopped,
}
