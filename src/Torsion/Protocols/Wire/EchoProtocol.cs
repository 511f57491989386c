using Torsion.Transports;

namespace Torsion.Protocols.Wire;

/// <summary>
/// RFC 862 Echo over TCP: sends back whatever it receives. Under flow control: the transport's own reading is
/// registered as the producer of the echoed bytes, so a peer that does not read stops this side from reading.
/// </summary>
public sealed class EchoProtocol : Protocol
{
    /// <inheritdoc />
    public override void ConnectionMade() => Transport.RegisterProducer(new ReadingProducer(Transport), streaming: true);

    /// <inheritdoc />
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);

    /// <summary>Pauses reading while the echoed bytes wait to be sent.</summary>
    private sealed class ReadingProducer(ITransport transport) : IPushProducer
    {
        public void PauseProducing() => transport.PauseProducing();

        public void ResumeProducing() => transport.ResumeProducing();

        public void StopProducing()
        {
        }
    }
}
