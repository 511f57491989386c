using Torsion.Defer;

namespace Torsion.Web.Client;

/// <summary>Makes HTTP requests (Twisted's <c>IAgent</c>); wrappers such as <see cref="RedirectAgent"/> add behaviour to another agent.</summary>
public interface IAgent
{
    /// <summary>
    /// Sends a request and fires with the response once its head arrived; the body is read afterwards through
    /// <see cref="HttpResponse.DeliverBody"/> or <see cref="HttpResponse.ReadBody"/>.
    /// </summary>
    Deferred<HttpResponse> Request(string method, Uri uri, Headers? headers = null, IBodyProducer? body = null);
}
