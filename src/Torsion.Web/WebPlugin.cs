using Microsoft.Extensions.Logging;
using Torsion.Application;
using Torsion.Application.Plugins;
using Torsion.Web.Http;
using Torsion.Web.Server;

namespace Torsion.Web;

/// <summary>
/// <c>torsion web --listen tcp:8080 --path DIR [--access-log FILE]</c>: serves a folder with a <see cref="Static.File"/>
/// resource, or with <c>--proxy URL</c> a <see cref="ReverseProxyResource"/> of URL at /. Listens on tcp:8080 on all interfaces by default (as Twisted's <c>twist web</c>).
/// </summary>
public sealed class WebPlugin : ITorsionPlugin
{
    /// <inheritdoc />
    public string Name => "web";

    /// <inheritdoc />
    public string Description => "Serves the files of a folder over HTTP/1.1 and HTTP/2 (index files, listings, ranges, gzip/brotli).";

    /// <inheritdoc />
    public string? DefaultEndpoint => "tcp:8080";

    /// <inheritdoc />
    public IReadOnlyList<PluginOption> Options { get; } =
    [
        new PluginOption("path", "The folder (or file) to serve (default: the current folder).", "DIR"),
        new PluginOption("proxy", "Serve a reverse proxy of URL (http or https) at / instead of a folder; not with --path.", "URL"),
        new PluginOption("access-log", "Write a combined-format access log to FILE ('-' for standard output).", "FILE"),
        new PluginOption("websocket-echo", "Also serve a WebSocket echo (RFC 6455, permessage-deflate) at PATH, e.g. /echo.", "PATH"),
        PluginOption.Flag("no-listing", "Answer 403 for folders without an index file instead of listing them."),
        new PluginOption("sendfile-threshold", "Send file bodies of at least BYTES with sendfile(2) over cleartext HTTP/1.x (default 16384); 'off' copies every body through the process.", "BYTES|off"),
    ];

    /// <inheritdoc />
    public IService BuildService(PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var proxy = context.Options.GetString("proxy");
        if (proxy is not null && context.Options.GetString("path") is not null)
        {
            throw new PluginOptionException("--proxy and --path exclude each other: serve either a reverse proxy or a folder.");
        }

        var path = context.Options.GetString("path") ?? ".";
        if (proxy is null && !Directory.Exists(path) && !System.IO.File.Exists(path))
        {
            throw new PluginOptionException($"--path: '{path}' is neither a folder nor a file.");
        }

        IHttpAccessLog? accessLog = null;
        if (context.Options.GetString("access-log") is { } logPath)
        {
            var writer = logPath == "-" ? Console.Out : new StreamWriter(logPath, append: true) { AutoFlush = true };
            accessLog = new CombinedLogFormatter(writer);
        }

        Resource root = proxy is null
            ? new Static.File(path)
            {
                DirectoryListing = !context.Options.GetFlag("no-listing"),
                SendFileThreshold = ParseSendFileThreshold(context.Options.GetString("sendfile-threshold")),
            }
            : new ReverseProxyResource(new Client.Agent(context.Reactor), ParseProxy(proxy));
        if (context.Options.GetString("websocket-echo") is { } echoPath)
        {
            if (proxy is not null)
            {
                throw new PluginOptionException("--websocket-echo cannot be combined with --proxy: the proxy answers every path.");
            }

            var segment = echoPath.Trim('/');
            if (segment.Length == 0 || segment.Contains('/'))
            {
                throw new PluginOptionException($"--websocket-echo: '{echoPath}' must be one path segment, e.g. /echo.");
            }

            root.PutChild(segment, WebSocket.WebSocketResource.Echo());
        }

        var site = new Site(root, context.Reactor, new HttpServerOptions
        {
            Logger = context.LoggerFactory.CreateLogger<Site>(),
            AccessLog = accessLog,
        });
        var service = new MultiService { Name = Name };

        // TLS listeners offer HTTP/2 by ALPN unless the endpoint names its own list; cleartext ones detect the preface.
        var listen = context.Listen.Select(d => d.StartsWith("ssl:", StringComparison.Ordinal) && !d.Contains(":alpn=", StringComparison.Ordinal) ? d + ":alpn=h2,http/1.1" : d).ToArray();
        var listening = new PluginContext(context.Reactor, context.Options, listen, context.LoggerFactory);
        // Added first, so stopped after the listeners: HTTP/2 connections get GOAWAY and finish their streams in flight,
        // HTTP/1.1 ones close when idle or after the response in flight, WebSockets get close 1001.
        var grace = context.Reactor is Torsion.Reactor.ReactorBase reactor ? reactor.Options.ShutdownTimeout : TimeSpan.FromSeconds(5);
        new HttpShutdownService(site, context.Reactor, grace) { Name = "http drain" }.SetServiceParent(service);
        listening.ListenStream(site).SetServiceParent(service);
        context.ReportStartup(listening.WhenStarted);
        return service;
    }

    /// <summary>The value of <c>--sendfile-threshold</c>: a byte count, or <c>off</c> for never (long.MaxValue).</summary>
    internal static long ParseSendFileThreshold(string? value)
    {
        if (value is null)
        {
            return Static.File.DefaultSendFileThreshold;
        }

        if (value.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return long.MaxValue;
        }

        if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes) || bytes < 1)
        {
            throw new PluginOptionException($"--sendfile-threshold: '{value}' is neither a number of bytes (1 or more) nor 'off'.");
        }

        return bytes;
    }

    private static Uri ParseProxy(string proxy)
    {
        if (!Uri.TryCreate(proxy, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new PluginOptionException($"--proxy: '{proxy}' is not an absolute http or https URL, e.g. http://127.0.0.1:8000/.");
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new PluginOptionException($"--proxy: '{proxy}' must not have a query or fragment.");
        }

        return uri;
    }
}
