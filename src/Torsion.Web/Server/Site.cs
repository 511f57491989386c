using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Torsion.Reactor;
using Torsion.Web.Http;

namespace Torsion.Web.Server;

/// <summary>
/// Serves a <see cref="Resource"/> tree (twisted.web.server.Site): a protocol factory whose connections turn each
/// request into a <see cref="Request"/>, read its body (whole, up to the parser's body limit), find the resource by
/// path segments and render it. Keeps the sessions.
/// </summary>
public sealed class Site : HttpServerFactory
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    /// <summary>A site whose connections live on <paramref name="time"/>'s reactor.</summary>
    public Site(Resource root, IReactorTime time, HttpServerOptions? options = null)
        : this(root, new Box(), time, options)
    {
    }

    /// <summary>A site for a port opened on a whole <see cref="ReactorGroup"/>.</summary>
    public Site(Resource root, ReactorGroup group, HttpServerOptions? options = null)
        : this(root, new Box(), group, options)
    {
    }

    private Site(Resource root, Box box, IReactorTime time, HttpServerOptions? options)
        : base((request, response) => box.Site!.Handle(request, response), time, options)
    {
        Root = root ?? throw new ArgumentNullException(nameof(root));
        box.Site = this;
        _singleTime = time;
    }

    private Site(Resource root, Box box, ReactorGroup group, HttpServerOptions? options)
        : base((request, response) => box.Site!.Handle(request, response), group, options)
    {
        Root = root ?? throw new ArgumentNullException(nameof(root));
        box.Site = this;
        _group = group;
    }

    private readonly ReactorGroup? _group;
    private readonly IReactorTime? _singleTime;

    /// <summary>The root of the resource tree.</summary>
    public Resource Root { get; }

    /// <summary>How long an unused session lives. Default 15 minutes (Twisted's).</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The name of the session cookie. Default "TORSION_SESSION".</summary>
    public string SessionCookieName { get; init; } = "TORSION_SESSION";

    /// <summary>Where rendering errors are logged (defaults to the options' logger).</summary>
    public ILogger? Logger => Options.Logger;

    /// <summary>The number of live sessions.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>Makes a new session with a random id.</summary>
    public Session MakeSession(IReactorTime time)
    {
        var uid = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var session = new Session(this, uid, time);
        _sessions[uid] = session;
        return session;
    }

    /// <summary>The live session with id <paramref name="uid"/>.</summary>
    public bool TryGetSession(string uid, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Session? session) =>
        _sessions.TryGetValue(uid, out session) && !session.Expired;

    internal void RemoveSession(string uid) => _sessions.TryRemove(uid, out _);

    private IReactorTime CurrentTime()
    {
        if (_group is not null)
        {
            foreach (var reactor in _group.Reactors)
            {
                if (reactor.IsInReactorThread)
                {
                    return reactor;
                }
            }
        }

        return _singleTime ?? _group!.Reactors[0];
    }

    private void Handle(HttpServerRequest request, HttpServerResponse response)
    {
        var r = new Request(this, request, response, CurrentTime());
        if (!request.HasBody)
        {
            r.Process(Root);
            return;
        }

        request.ReadBody(new BodyCollector(r, Root));
    }

    private sealed class Box
    {
        public Site? Site { get; set; }
    }

    private sealed class BodyCollector(Request request, Resource root) : IHttpBodyReceiver
    {
        private readonly MemoryStream _body = new();

        public void BodyDataReceived(ReadOnlySpan<byte> data) => _body.Write(data);

        public void BodyCompleted()
        {
            _body.Position = 0;
            request.Content = _body;
            request.Process(root);
        }

        public void BodyFailed(Exception reason)
        {
        }
    }
}
