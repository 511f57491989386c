using Microsoft.Extensions.Logging;
using Torsion.Reactor;

namespace Torsion.Transports;

/// <summary>Stops the producer of a transport that is closing: a producer that throws is logged, the close goes on.</summary>
internal static class ProducerStop
{
    /// <summary>Calls <paramref name="producer"/>'s StopProducing, if there is one; a throw is logged with <paramref name="owner"/>.</summary>
    public static void Stop(IProducer? producer, ILogger logger, object owner)
    {
        if (producer is null)
        {
            return;
        }

        try
        {
            producer.StopProducing();
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(logger, $"StopProducing of {producer} on {owner}", e);
        }
    }
}
