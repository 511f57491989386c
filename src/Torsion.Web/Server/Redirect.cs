namespace Torsion.Web.Server;

/// <summary>A resource that redirects every request to one URL (twisted.web.util.Redirect).</summary>
public sealed class Redirect : Resource
{
    /// <summary>Redirects to <paramref name="url"/> with <paramref name="statusCode"/> (302 unless given).</summary>
    public Redirect(string url, int statusCode = 302)
    {
        Url = url ?? throw new ArgumentNullException(nameof(url));
        if (statusCode is < 300 or > 399)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A redirect status is 3xx.");
        }

        StatusCode = statusCode;
    }

    /// <summary>Where requests are sent.</summary>
    public string Url { get; }

    /// <summary>The status sent (301, 302, 303, 307, 308).</summary>
    public int StatusCode { get; }

    /// <inheritdoc/>
    public override bool IsLeaf => true;

    /// <inheritdoc/>
    public override RenderResult Render(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Redirect(Url, StatusCode);
        return RenderResult.Empty;
    }
}
