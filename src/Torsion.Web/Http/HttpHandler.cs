namespace Torsion.Web.Http;

/// <summary>
/// The fastest way to answer HTTP requests: called once per request on the connection's reactor thread.
/// Answer through <paramref name="response"/> now or later; the next pipelined request waits until
/// <see cref="HttpServerResponse.Finish"/>. Both objects are reused for the connection's next request.
/// </summary>
/// <param name="request">The request: valid until the response is finished.</param>
/// <param name="response">Where the answer goes.</param>
public delegate void HttpHandler(HttpServerRequest request, HttpServerResponse response);
