using System.Net;
using Microsoft.Extensions.Logging;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports;
using Torsion.Web.Client;

namespace Torsion.Web.Server;

/// <summary>
/// Forwards every request under it to an upstream HTTP server (twisted.web.proxy.ReverseProxyResource) through a client
/// <see cref="IAgent"/>: the method, the rest of the path and the query appended to the upstream base path, the header
/// fields without hop-by-hop ones (RFC 9110 7.6.1) plus X-Forwarded-For/-Proto/-Host; the answer streams back under flow
/// control. An upstream that refuses or fails gets 502, one that does not answer in time 504.
/// </summary>
public sealed class ReverseProxyResource : Resource
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };

    private readonly IAgent _agent;

    /// <summary>Proxies to <paramref name="upstream"/> (http or https; its path is the base path) with <paramref name="agent"/>.</summary>
    public ReverseProxyResource(IAgent agent, Uri upstream)
    {
        _agent = agent ?? throw new ArgumentNullException(nameof(agent));
        ArgumentNullException.ThrowIfNull(upstream);
        if (!upstream.IsAbsoluteUri || (upstream.Scheme != Uri.UriSchemeHttp && upstream.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The upstream '{upstream}' is not an absolute http or https URL.", nameof(upstream));
        }

        if (upstream.Query.Length > 0 || upstream.Fragment.Length > 0)
        {
            throw new ArgumentException($"The upstream '{upstream}' must not have a query or fragment: the request's query is forwarded.", nameof(upstream));
        }

        Upstream = upstream;
    }

    /// <summary>
    /// Proxies to http://<paramref name="host"/>:<paramref name="port"/><paramref name="path"/> with a new <see cref="Agent"/>
    /// on <paramref name="reactor"/> (as Twisted's constructor).
    /// </summary>
    public ReverseProxyResource(IReactor reactor, string host, int port, string path = "", AgentOptions? options = null)
        : this(new Agent(reactor ?? throw new ArgumentNullException(nameof(reactor)), options), BuildUri(host, port, path))
    {
    }

    /// <summary>The upstream base URL.</summary>
    public Uri Upstream { get; }

    /// <inheritdoc/>
    public override bool IsLeaf => true;

    /// <summary>True for a header field that describes one connection and is not forwarded (RFC 9110 7.6.1), including Proxy-*.</summary>
    public static bool IsHopByHop(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return HopByHop.Contains(name) || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase);
    }

    /// <inheritdoc/>
    public override RenderResult Render(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = TargetFor(request);
        var headers = ForwardedHeaders(request);
        IBodyProducer? body = null;
        if (request.GetHeader("Content-Length") is not null || request.GetHeader("Transfer-Encoding") is not null)
        {
            var content = new MemoryStream();
            request.Content.Position = 0;
            request.Content.CopyTo(content);
            body = new BytesBodyProducer(content.GetBuffer().AsMemory(0, (int)content.Length));
        }

        Deferred<HttpResponse> pending;
        try
        {
            pending = _agent.Request(request.Method, target, headers, body);
        }
        catch (Exception e)
        {
            return UpstreamFailed(request, target, e);
        }

        pending.AddBoth(result =>
        {
            if (request.Finished)
            {
                if (result.Success)
                {
                    result.Value!.DeliverBody(new Discard());
                }

                return;
            }

            if (!result.Success)
            {
                request.Complete(UpstreamFailed(request, target, result.Error!));
                return;
            }

            Relay(request, result.Value!);
        });
        return NotDoneYet;
    }

    private Uri TargetFor(Request request)
    {
        // The raw (still percent-encoded) segments below this resource, so that encoded slashes and the like pass unchanged.
        var raw = request.Path.Split('/');
        var rest = string.Join('/', raw.Skip(1 + request.Prepath.Count));
        var basePath = Upstream.AbsolutePath.TrimEnd('/');
        var query = request.Query.Length > 0 ? "?" + request.Query : "";
        return new Uri(Upstream, basePath + "/" + rest + query);
    }

    private Headers ForwardedHeaders(Request request)
    {
        var connectionNamed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in request.RequestHeaders)
        {
            if (string.Equals(name, "Connection", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var token in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    connectionNamed.Add(token);
                }
            }
        }

        var headers = new Headers();
        string? forwardedFor = null;
        foreach (var (name, value) in request.RequestHeaders)
        {
            if (IsHopByHop(name) || connectionNamed.Contains(name) || string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (string.Equals(name, "X-Forwarded-For", StringComparison.OrdinalIgnoreCase))
            {
                forwardedFor = forwardedFor is null ? value : forwardedFor + ", " + value;
                continue;
            }

            if (string.Equals(name, "X-Forwarded-Proto", StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, "X-Forwarded-Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            headers.Add(name, value);
        }

        var client = request.ClientAddress is IPEndPoint ip ? ip.Address.ToString() : request.ClientAddress.ToString() ?? "unknown";
        headers.Add("X-Forwarded-For", forwardedFor is null ? client : forwardedFor + ", " + client);
        headers.Add("X-Forwarded-Proto", request.IsSecure ? "https" : "http");
        if (request.GetHeader("Host") is { } host)
        {
            headers.Add("X-Forwarded-Host", host);
        }

        return headers;
    }

    private static void Relay(Request request, HttpResponse response)
    {
        request.SetResponseCode(response.StatusCode, response.ReasonPhrase.Length > 0 ? response.ReasonPhrase : null);
        var connectionNamed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in response.Headers.GetAll("Connection"))
        {
            foreach (var token in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                connectionNamed.Add(token);
            }
        }

        foreach (var (name, value) in response.Headers)
        {
            if (!IsHopByHop(name) && !connectionNamed.Contains(name))
            {
                request.AddHeader(name, value);
            }
        }

        response.DeliverBody(new BodyRelay(request, response));
    }

    private static RenderResult UpstreamFailed(Request request, Uri target, Exception error)
    {
        var timedOut = IsTimeout(error);
        request.Site.Logger?.LogWarning(error, "Proxying {Request} to {Target} failed", request, target);
        var (code, brief, detail) = timedOut
            ? (504, "Gateway Timeout", "The upstream server did not answer in time.")
            : (502, "Bad Gateway", "The upstream server could not be reached or sent an invalid response.");
        request.SetResponseCode(code);
        request.SetHeader("Content-Type", "text/html; charset=utf-8");
        return ErrorPage.Html(code, brief, detail);
    }

    private static bool IsTimeout(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    private static Uri BuildUri(string host, int port, string path)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(path);
        return new UriBuilder(Uri.UriSchemeHttp, host, port, path).Uri;
    }

    /// <summary>Writes the upstream body to the request; the downstream consumer's flow control pauses the upstream connection.</summary>
    private sealed class BodyRelay(Request request, HttpResponse response) : Protocol, IPushProducer
    {
        private bool _stopped;

        public override void MakeConnection(ITransport transport)
        {
            base.MakeConnection(transport);
            request.RegisterProducer(this, streaming: true);
            request.NotifyFinish().AddErrback(_ =>
            {
                StopProducing();
                return Unit.Value;
            });
        }

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            if (!_stopped)
            {
                request.Write(data);
            }
        }

        public override void ConnectionLost(Exception reason)
        {
            if (_stopped || request.Finished)
            {
                return;
            }

            _stopped = true;
            request.UnregisterProducer();
            if (reason is ResponseDoneException)
            {
                request.Finish();
            }
            else
            {
                // The head is out: the client must see a truncated response, not a complete one.
                request.ProcessingFailed(new ResponseFailedException($"The upstream body of {response} failed: {reason.Message}", reason));
            }
        }

        public void PauseProducing() => Transport.PauseProducing();

        public void ResumeProducing() => Transport.ResumeProducing();

        public void StopProducing()
        {
            if (!_stopped)
            {
                _stopped = true;
                Transport.StopProducing();
            }
        }
    }

    /// <summary>Reads and drops a body nobody wants any more, so that the connection can be released.</summary>
    private sealed class Discard : Protocol
    {
        public override void MakeConnection(ITransport transport)
        {
            base.MakeConnection(transport);
            transport.StopProducing();
        }
    }
}
