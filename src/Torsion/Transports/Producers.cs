using Microsoft.Extensions.Logging;
using Torsion.Reactor;

namespace Torsion.Transports;

/// <summary>The producer rules shared by the transports that accept one (stream connections, process pipes).</summary>
internal static class Producers
{
    /// <summary>
    /// Refuses <paramref name="producer"/> when <paramref name="current"/> is still registered on
    /// <paramref name="owner"/>, or when it does not implement the interface <paramref name="streaming"/> asks for.
    /// </summary>
    public static void CheckRegistration(IProducer? current, IProducer producer, bool streaming, object owner)
    {
        ArgumentNullException.ThrowIfNull(producer);
        if (current is not null)
        {
            throw new InvalidOperationException($"A producer ({current}) is registered on {owner} already: unregister it first.");
        }

        if (streaming ? producer is not IPushProducer : producer is not IPullProducer)
        {
            throw new ArgumentException(
                $"A {(streaming ? "streaming" : "non-streaming")} producer must implement {(streaming ? nameof(IPushProducer) : nameof(IPullProducer))}; {producer.GetType().Name} does not.",
                nameof(producer));
        }
    }

    /// <summary>Stops the producer of a transport that is closing: a producer that throws is logged, the close goes on.</summary>
    /// <remarks>Calls <paramref name="producer"/>'s StopProducing, if there is one; a throw is logged with <paramref name="owner"/>.</remarks>
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
