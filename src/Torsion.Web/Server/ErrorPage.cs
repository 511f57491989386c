using System.Net;

namespace Torsion.Web.Server;

/// <summary>A resource that answers every request with one status and a simple HTML page (Twisted's ErrorPage, NoResource, ForbiddenResource).</summary>
public sealed class ErrorPage : Resource
{
    /// <summary>A page with <paramref name="statusCode"/>, a title and a detail (both HTML-escaped).</summary>
    public ErrorPage(int statusCode, string brief, string detail)
    {
        StatusCode = statusCode;
        Brief = brief ?? throw new ArgumentNullException(nameof(brief));
        Detail = detail ?? throw new ArgumentNullException(nameof(detail));
    }

    /// <summary>The status sent.</summary>
    public int StatusCode { get; }

    /// <summary>The title.</summary>
    public string Brief { get; }

    /// <summary>The explanation.</summary>
    public string Detail { get; }

    /// <inheritdoc/>
    public override bool IsLeaf => true;

    /// <summary>404 No Such Resource.</summary>
    public static ErrorPage NotFound(string detail = "Sorry. No luck finding that resource.") => new(404, "No Such Resource", detail);

    /// <summary>403 Forbidden.</summary>
    public static ErrorPage Forbidden(string detail = "Sorry, resource is forbidden.") => new(403, "Forbidden Resource", detail);

    /// <summary>The HTML of an error page (escaped).</summary>
    public static string Html(int statusCode, string brief, string detail) =>
        $"<html>\n  <head><title>{statusCode} - {WebUtility.HtmlEncode(brief)}</title></head>\n  <body>\n    <h1>{WebUtility.HtmlEncode(brief)}</h1>\n    <p>{WebUtility.HtmlEncode(detail)}</p>\n  </body>\n</html>\n";

    /// <inheritdoc/>
    public override Resource GetChild(string path, Request request) => this;

    /// <inheritdoc/>
    public override RenderResult Render(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.SetResponseCode(StatusCode);
        request.SetHeader("Content-Type", "text/html; charset=utf-8");
        return Html(StatusCode, Brief, Detail);
    }
}
