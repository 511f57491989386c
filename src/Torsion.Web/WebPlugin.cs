using Microsoft.Extensions.Logging;
using Torsion.Application;
using Torsion.Application.Plugins;
using Torsion.Web.Http;
using Torsion.Web.Server;

namespace Torsion.Web;

/// <summary>
/// <c>torsion web --listen tcp:8080 --path DIR [--access-log FILE]</c>: serves a folder with a <see cref="Static.File"/>
/// resource. Listens on tcp:8080 on all interfaces by default (as Twisted's <c>twist web</c>).
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
        new PluginOption("path", "The folder (or file) to serve.", "DIR", defaultValue: "."),
        new PluginOption("access-log", "Write a combined-format access log to FILE ('-' for standard output).", "FILE"),
        new PluginOption("websocket-echo", "Also serve a WebSocket echo (RFC 6455, permessage-deflate) at PATH, e.g. /echo.", "PATH"),
        PluginOption.Flag("no-listing", "Answer 403 for folders without an index file instead of listing them."),
    ];

    /// <inheritdoc />
    public IService BuildService(PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Options.GetString("path") ?? ".";
        if (!Directory.Exists(path) && !System.IO.File.Exists(path))
        {
            throw new PluginOptionException($"--path: '{path}' is neither a folder nor a file.");
        }

        IHttpAccessLog? accessLog = null;
        if (context.Options.GetString("access-log") is { } logPath)
        {
            var writer = logPath == "-" ? Console.Out : new StreamWriter(logPath, append: true) { AutoFlush = true };
            accessLog = new CombinedLogFormatter(writer);
        }

        var root = new Static.File(path) { DirectoryListing = !context.Options.GetFlag("no-listing") };
        if (context.Options.GetString("websocket-echo") is { } echoPath)
        {
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
        listening.ListenStream(site).SetServiceParent(service);
        context.ReportStartup(listening.WhenStarted);
        return service;
    }
}
