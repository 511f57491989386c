using Torsion.Transports;

namespace Torsion.Tls;

/// <summary>
/// Stands between the application's streaming producer and the transport under TLS: the producer is paused while
/// the underlying transport's buffer is above its high water mark, or while plaintext waits for the handshake.
/// </summary>
internal sealed class TlsProducerMembrane(IPushProducer producer) : IPushProducer
{
    private bool _downstreamPaused;
    private bool _handshakePaused;
    private bool _paused;

    public IPushProducer Producer => producer;

    public void PauseProducing()
    {
        _downstreamPaused = true;
        Update();
    }

    public void ResumeProducing()
    {
        _downstreamPaused = false;
        Update();
    }

    public void StopProducing() => producer.StopProducing();

    /// <summary>Holds the producer while the handshake has not completed and too much plaintext waits for it.</summary>
    public void HoldForHandshake(bool hold)
    {
        _handshakePaused = hold;
        Update();
    }

    private void Update()
    {
        var pause = _downstreamPaused || _handshakePaused;
        if (pause && !_paused)
        {
            _paused = true;
            producer.PauseProducing();
        }
        else if (!pause && _paused)
        {
            _paused = false;
            producer.ResumeProducing();
        }
    }
}
