namespace Torsion.Web.Server;

/// <summary>Chooses a resource tree by the Host header (twisted.web.vhost.NameVirtualHost); unknown hosts get <see cref="Default"/>.</summary>
public sealed class VirtualHost : Resource
{
    private readonly Dictionary<string, Resource> _hosts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The tree for hosts not added; null: 404.</summary>
    public Resource? Default { get; set; }

    /// <inheritdoc/>
    public override bool IsLeaf => true;

    /// <summary>Serves <paramref name="resource"/> for requests to <paramref name="host"/> (without port).</summary>
    public void AddHost(string host, Resource resource)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(resource);
        _hosts[host] = resource;
    }

    /// <summary>Stops serving <paramref name="host"/>.</summary>
    public bool RemoveHost(string host) => _hosts.Remove(host);

    /// <inheritdoc/>
    public override RenderResult Render(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var host = request.GetRequestHostname();
        var tree = _hosts.TryGetValue(host, out var found) ? found : Default ?? ErrorPage.NotFound($"No virtual host named '{host}'.");
        return request.RenderFrom(tree);
    }
}
