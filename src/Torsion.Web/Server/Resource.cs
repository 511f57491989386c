using System.Reflection;

namespace Torsion.Web.Server;

/// <summary>
/// A node of the URL tree (twisted.web.resource.Resource): children by path segment (<see cref="PutChild"/>,
/// <see cref="GetChild"/>), and rendering by method (<see cref="RenderGet"/>, <see cref="RenderPost"/>, ...).
/// A method without an override is answered with 405 and an Allow header.
/// </summary>
public class Resource
{
    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
    private readonly Dictionary<string, Resource> _children = new(StringComparer.Ordinal);
    private string[]? _allowed;

    /// <summary>Twisted's NOT_DONE_YET: the resource finishes the request itself later.</summary>
    protected static RenderResult NotDoneYet => RenderResult.NotDoneYet;

    /// <summary>Whether this resource renders every path below it itself (no child lookup).</summary>
    public virtual bool IsLeaf => false;

    /// <summary>The children added with <see cref="PutChild"/>.</summary>
    public IReadOnlyDictionary<string, Resource> Children => _children;

    /// <summary>Adds a static child for path segment <paramref name="path"/> ("" is the child for a trailing slash).</summary>
    public void PutChild(string path, Resource child)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(child);
        if (path.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A child path is one segment; '{path}' has a slash.", nameof(path));
        }

        _children[path] = child;
    }

    /// <summary>A child for <paramref name="path"/> not added with <see cref="PutChild"/>; by default 404.</summary>
    public virtual Resource GetChild(string path, Request request) => ErrorPage.NotFound();

    /// <summary>The static child for <paramref name="path"/>, else <see cref="GetChild"/>.</summary>
    public Resource GetChildWithDefault(string path, Request request) =>
        _children.TryGetValue(path, out var child) ? child : GetChild(path, request);

    /// <summary>Renders the request by dispatching on its method.</summary>
    public virtual RenderResult Render(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Method switch
        {
            "GET" => RenderGet(request),
            "HEAD" => RenderHead(request),
            "POST" => RenderPost(request),
            "PUT" => RenderPut(request),
            "DELETE" => RenderDelete(request),
            "PATCH" => RenderPatch(request),
            "OPTIONS" => RenderOptions(request),
            _ => NotAllowed(request),
        };
    }

    /// <summary>Answers GET; not overridden: 405.</summary>
    public virtual RenderResult RenderGet(Request request) => NotAllowed(request);

    /// <summary>Answers HEAD; by default as GET (the server drops the body).</summary>
    public virtual RenderResult RenderHead(Request request) => RenderGet(request);

    /// <summary>Answers POST; not overridden: 405.</summary>
    public virtual RenderResult RenderPost(Request request) => NotAllowed(request);

    /// <summary>Answers PUT; not overridden: 405.</summary>
    public virtual RenderResult RenderPut(Request request) => NotAllowed(request);

    /// <summary>Answers DELETE; not overridden: 405.</summary>
    public virtual RenderResult RenderDelete(Request request) => NotAllowed(request);

    /// <summary>Answers PATCH; not overridden: 405.</summary>
    public virtual RenderResult RenderPatch(Request request) => NotAllowed(request);

    /// <summary>Answers OPTIONS; by default 204 with the Allow header.</summary>
    public virtual RenderResult RenderOptions(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.SetHeader("Allow", string.Join(", ", AllowedMethods()));
        request.SetResponseCode(204);
        return RenderResult.Empty;
    }

    /// <summary>The methods this resource answers (those whose Render method is overridden).</summary>
    public virtual IReadOnlyList<string> AllowedMethods()
    {
        if (_allowed is not null)
        {
            return _allowed;
        }

        var type = GetType();
        var allowed = new List<string>();
        foreach (var method in Methods)
        {
            var name = "Render" + method[0] + method[1..].ToLowerInvariant();
            var info = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance, [typeof(Request)]);
            var overridden = info is not null && info.DeclaringType != typeof(Resource);
            if (overridden || method == "OPTIONS" || (method == "HEAD" && allowed.Contains("GET")))
            {
                allowed.Add(method);
            }
        }

        return _allowed = [.. allowed];
    }

    private RenderResult NotAllowed(Request request)
    {
        request.SetResponseCode(405);
        request.SetHeader("Allow", string.Join(", ", AllowedMethods()));
        request.SetHeader("Content-Type", "text/html; charset=utf-8");
        return ErrorPage.Html(405, "Method Not Allowed", $"Your browser approached me (at {request.Path}) with the method \"{request.Method}\". I only allow the methods {string.Join(", ", AllowedMethods())} here.");
    }
}
