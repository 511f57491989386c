namespace Torsion.Web.Http;

/// <summary>Told about every answered request, e.g. to write an access log.</summary>
public interface IHttpAccessLog
{
    /// <summary>Called once per response when it is finished (the request is still valid during the call).</summary>
    /// <param name="request">The request.</param>
    /// <param name="statusCode">The status sent.</param>
    /// <param name="bodyBytes">Body bytes sent (0 for HEAD and 304).</param>
    void Log(HttpServerRequest request, int statusCode, long bodyBytes);
}
