using Torsion.Defer;
using Torsion.Transports;

namespace Torsion.Web.Client;

/// <summary>
/// Writes a request body to a consumer (Twisted's <c>IBodyProducer</c>): with a known <see cref="Length"/> the request
/// carries Content-Length, otherwise it is sent chunked. The consumer's flow control pauses and resumes it.
/// </summary>
public interface IBodyProducer : IPushProducer
{
    /// <summary>The body length in bytes, or null when unknown (the body is then sent chunked).</summary>
    long? Length { get; }

    /// <summary>Starts writing to <paramref name="consumer"/>; the Deferred fires when the whole body is written.</summary>
    Deferred<Unit> StartProducing(IConsumer consumer);
}
