using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Web.Server;

namespace Torsion.Web.Static;

/// <summary>
/// Serves a file or a folder tree (twisted.web.static.File): index files, an HTML directory listing, media types,
/// ETag/Last-Modified with 304, single and multipart byte ranges (206/416), gzip and brotli for compressible types.
/// Paths are confined to the root: "..", encoded slashes and dots, backslashes, NUL, invalid UTF-8 and (unless
/// <see cref="AllowSymlinksOutside"/>) symbolic links leading out of the root all give 404.
/// </summary>
/// <remarks>
/// Bodies of at least <see cref="SendFileThreshold"/> bytes (full 200 and single-range 206, uncompressed) are sent by the
/// connection itself from the file (sendfile(2), <see cref="Transports.IFileRegionTransport"/>) when it can (HTTP/1.x
/// over TCP or Unix, not TLS or HTTP/2). Otherwise bodies up to <see cref="SmallFileSize"/> are read whole and larger
/// ones are streamed by a FileSender registered as a producer, so a slow client pauses the disk reads.
/// Compressed variants of files up to <see cref="MaxCompressSize"/> are made once, synchronously, and cached in memory
/// (keyed by path, length, modification time and coding; bounded by <see cref="CompressCacheSize"/>).
/// </remarks>
public sealed class File : Resource
{
    private readonly string _root;
    private readonly string _realRoot;
    private readonly ConcurrentDictionary<string, byte[]> _compressed = new(StringComparer.Ordinal);
    private long _compressedBytes;

    /// <summary>Serves <paramref name="path"/> (a file or a folder).</summary>
    public File(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        _root = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (_root.Length == 0)
        {
            _root = "/";
        }

        _realRoot = RealPath(_root, 0) ?? _root;
    }

    /// <summary>The file or folder served.</summary>
    public string Root => _root;

    /// <summary>Names tried, in order, for a folder. Default index.html, index.htm.</summary>
    public IList<string> IndexNames { get; } = ["index.html", "index.htm"];

    /// <summary>Whether a folder without index file is listed (else 403). Default true.</summary>
    public bool DirectoryListing { get; init; } = true;

    /// <summary>Whether symbolic links may lead out of the root. Default false.</summary>
    public bool AllowSymlinksOutside { get; init; }

    /// <summary>Whether compressible files are sent gzip- or brotli-encoded when the client accepts it. Default true.</summary>
    public bool Compress { get; init; } = true;

    /// <summary>Largest file compressed (and cached). Default 4 MiB.</summary>
    public long MaxCompressSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Bytes of compressed variants kept in memory. Default 64 MiB.</summary>
    public long CompressCacheSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Largest file read whole into memory; larger files are streamed under flow control. Default 64 KiB.</summary>
    public int SmallFileSize { get; init; } = 64 * 1024;

    /// <summary>The default of <see cref="SendFileThreshold"/>: 16 KiB.</summary>
    public const long DefaultSendFileThreshold = 16 * 1024;

    /// <summary>
    /// Smallest body sent from the file by the connection (sendfile(2)) where it can; smaller bodies are read and
    /// written. Default 16 KiB; <see cref="long.MaxValue"/> never uses it.
    /// </summary>
    public long SendFileThreshold { get; init; } = DefaultSendFileThreshold;

    /// <summary>Media types by extension (a copy of <see cref="MimeTypes.CreateTable"/>; add to it).</summary>
    public Dictionary<string, string> ContentTypes { get; } = MimeTypes.CreateTable();

    /// <inheritdoc/>
    public override bool IsLeaf => true;

    /// <inheritdoc/>
    public override RenderResult RenderGet(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = Resolve(request.Postpath);
        if (path is null)
        {
            return NotFound(request);
        }

        // One stat answers "file?" (FileInfo caches it for ServeFile); only what is not a file is asked "folder?".
        var file = new FileInfo(path);
        if (file.Exists)
        {
            return ServeFile(request, path, file);
        }

        if (Directory.Exists(path))
        {
            if (!request.Path.EndsWith('/'))
            {
                var location = request.Path + "/" + (request.Query.Length > 0 ? "?" + request.Query : "");
                request.Redirect(location, 301);
                return ErrorPage.Html(301, "Moved Permanently", "This folder is at " + location);
            }

            foreach (var index in IndexNames)
            {
                var candidate = Real(Path.Combine(path, index));
                var indexFile = candidate is null ? null : new FileInfo(candidate);
                if (indexFile is { Exists: true })
                {
                    return ServeFile(request, candidate!, indexFile);
                }
            }

            if (!DirectoryListing)
            {
                return Forbidden(request);
            }

            request.SetHeader("Content-Type", "text/html; charset=utf-8");
            return Listing(request, path);
        }

        return NotFound(request);
    }

    /// <summary>The full path a request's remaining segments name inside the root, or null when they try to leave it.</summary>
    internal string? Resolve(IReadOnlyList<string> segments)
    {
        var parts = new List<string>();
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0)
            {
                continue;
            }

            if (segment is "." or ".." || segment.AsSpan().IndexOfAny("/\\\0\uFFFD") >= 0 || (segment.Contains(':', StringComparison.Ordinal) && OperatingSystem.IsWindows()))
            {
                return null;
            }

            foreach (var c in segment)
            {
                if (char.IsControl(c))
                {
                    return null;
                }
            }

            parts.Add(segment);
        }

        var full = Path.GetFullPath(Path.Combine([_root, .. parts]));
        if (!(full == _root || full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            return null;
        }

        return Real(full);
    }

    /// <summary>The real path of <paramref name="full"/> (links followed), or null when it is broken or leaves the root without permission.</summary>
    private string? Real(string full)
    {
        var real = RealPath(full, 0);
        if (real is null)
        {
            return null;
        }

        return AllowSymlinksOutside || real == _realRoot || real.StartsWith(_realRoot.TrimEnd('/') + "/", StringComparison.Ordinal) ? real : null;
    }

    /// <summary>The path with every symbolic link resolved (null when a link is broken or loops).</summary>
    private static string? RealPath(string full, int depth)
    {
        if (depth > 40)
        {
            return null;
        }

        var current = Path.GetPathRoot(full) ?? "/";
        foreach (var part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);

            // One lstat per component: only a symbolic link (ReparsePoint on Unix) has a target to read; a missing
            // component (attributes -1) has none either, and LinkTarget says so.
            var info = new FileInfo(current);
            if (!info.Attributes.HasFlag(FileAttributes.ReparsePoint) || info.LinkTarget is not { } target)
            {
                continue;
            }

            var resolved = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(current) ?? "/", target));
            var real = RealPath(resolved, depth + 1);
            if (real is null)
            {
                return null;
            }

            current = real;
        }

        return current;
    }

    private static ErrorPage NotFoundPage => ErrorPage.NotFound();

    private static RenderResult NotFound(Request request) => NotFoundPage.Render(request);

    private static RenderResult Forbidden(Request request) => ErrorPage.Forbidden().Render(request);

    private RenderResult ServeFile(Request request, string path, FileInfo info)
    {
        long length;
        DateTime modified;
        try
        {
            length = info.Length;
            modified = info.LastWriteTimeUtc;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Forbidden(request);
        }

        var etag = $"\"{modified.Ticks:x}-{length:x}\"";
        var contentType = ContentTypes.TryGetValue(Path.GetExtension(path), out var type) ? type : MimeTypes.Default;
        var lastModified = modified.ToString("r", CultureInfo.InvariantCulture);

        var coding = Compress && MimeTypes.IsCompressible(contentType) && length >= 256 && length <= MaxCompressSize && request.GetHeader("Range") is null
            ? ChooseCoding(request.GetHeader("Accept-Encoding"))
            : null;
        if (coding is not null)
        {
            etag = etag[..^1] + "-" + coding + "\"";
        }

        request.SetHeader("Accept-Ranges", "bytes");
        request.SetHeader("Last-Modified", lastModified);
        request.SetHeader("ETag", etag);
        if (Compress && MimeTypes.IsCompressible(contentType))
        {
            request.SetHeader("Vary", "Accept-Encoding");
        }

        if (NotModified(request, etag, modified))
        {
            request.SetResponseCode(304);
            return RenderResult.Empty;
        }

        request.SetHeader("Content-Type", contentType);
        var isHead = request.Method == "HEAD";

        if (coding is not null)
        {
            byte[] body;
            try
            {
                body = Compressed(path, length, modified, coding);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Forbidden(request);
            }

            request.SetHeader("Content-Encoding", coding);
            return isHead ? HeadOnly(request, body.Length) : body;
        }

        var rangeHeader = request.GetHeader("Range");
        if (rangeHeader is not null && RangeApplies(request.GetHeader("If-Range"), etag, modified))
        {
            var ranges = ByteRange.Parse(rangeHeader, length);
            if (ranges is { Count: 0 })
            {
                request.SetResponseCode(416);
                request.SetHeader("Content-Range", $"bytes */{length}");
                request.SetHeader("Content-Type", "text/html; charset=utf-8");
                return ErrorPage.Html(416, "Range Not Satisfiable", "None of the requested ranges is inside the file.");
            }

            if (ranges is { Count: 1 })
            {
                var r = ranges[0];
                request.SetResponseCode(206);
                request.SetHeader("Content-Range", $"bytes {r.First}-{r.Last}/{length}");
                return isHead ? HeadOnly(request, r.Length) : Send(request, path, r.First, r.Length);
            }

            if (ranges is { Count: > 1 })
            {
                return Multipart(request, path, ranges, contentType, length, isHead);
            }
        }

        return isHead ? HeadOnly(request, length) : Send(request, path, 0, length);
    }

    private static RenderResult HeadOnly(Request request, long length)
    {
        request.Response.ContentLength = length;
        return RenderResult.Empty;
    }

    private RenderResult Send(Request request, string path, long start, long length)
    {
        if (length >= SendFileThreshold && request.Response.CanWriteFile)
        {
            try
            {
                using var handle = System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (request.TryWriteFile(handle, start, length))
                {
                    // The connection holds its own reference on the file until the region is sent.
                    return FileRegionDrain.WhenSent(request);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Forbidden(request);
            }
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Forbidden(request);
        }

        if (length <= SmallFileSize)
        {
            using (stream)
            {
                var body = new byte[length];
                stream.Seek(start, SeekOrigin.Begin);
                stream.ReadExactly(body);
                return body;
            }
        }

        request.Response.ContentLength = length;
        var source = new RangeStream(stream, start, length);
        var sender = new FileSender(64 * 1024);
        var done = new Deferred<Unit>();
        sender.BeginFileTransfer(source, request, streaming: true).AddBoth(r =>
        {
            source.Dispose();
            if (!r.Success)
            {
                done.Errback(r.Error!);
            }
            else
            {
                done.Callback(Unit.Value);
            }
        });
        return done;
    }

    private static RenderResult Multipart(Request request, string path, List<ByteRange> ranges, string contentType, long length, bool isHead)
    {
        var boundary = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        using var body = new MemoryStream();
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            var buffer = new byte[64 * 1024];
            foreach (var r in ranges)
            {
                body.Write(Encoding.ASCII.GetBytes($"\r\n--{boundary}\r\nContent-Type: {contentType}\r\nContent-Range: bytes {r.First}-{r.Last}/{length}\r\n\r\n"));
                file.Seek(r.First, SeekOrigin.Begin);
                var left = r.Length;
                while (left > 0)
                {
                    var n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (n == 0)
                    {
                        break;
                    }

                    body.Write(buffer, 0, n);
                    left -= n;
                }
            }

            body.Write(Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n"));
        }

        request.SetResponseCode(206);
        request.SetHeader("Content-Type", "multipart/byteranges; boundary=" + boundary);
        request.Response.ContentLength = body.Length;
        return isHead ? HeadOnly(request, body.Length) : body.ToArray();
    }

    private static bool NotModified(Request request, string etag, DateTime modified)
    {
        var ifNoneMatch = request.GetHeader("If-None-Match");
        if (ifNoneMatch is not null)
        {
            foreach (var tag in ifNoneMatch.Split(','))
            {
                var t = tag.Trim();
                if (t == "*" || t == etag || (t.StartsWith("W/", StringComparison.Ordinal) && t[2..] == etag))
                {
                    return true;
                }
            }

            return false;
        }

        var ifModifiedSince = request.GetHeader("If-Modified-Since");
        return ifModifiedSince is not null
            && DateTimeOffset.TryParseExact(ifModifiedSince, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since)
            && modified.Ticks / TimeSpan.TicksPerSecond <= since.UtcDateTime.Ticks / TimeSpan.TicksPerSecond;
    }

    private static bool RangeApplies(string? ifRange, string etag, DateTime modified)
    {
        if (ifRange is null)
        {
            return true;
        }

        if (ifRange.StartsWith('"'))
        {
            return ifRange == etag;
        }

        return DateTimeOffset.TryParseExact(ifRange, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            && modified.Ticks / TimeSpan.TicksPerSecond == date.UtcDateTime.Ticks / TimeSpan.TicksPerSecond;
    }

    /// <summary>br when accepted, else gzip when accepted (RFC 9110 section 12.5.3, q=0 refuses).</summary>
    internal static string? ChooseCoding(string? acceptEncoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding))
        {
            return null;
        }

        var br = false;
        var gzip = false;
        foreach (var item in acceptEncoding.Split(','))
        {
            var parts = item.Split(';');
            var name = parts[0].Trim();
            var q = 1.0;
            foreach (var p in parts.Skip(1))
            {
                var kv = p.Trim();
                if (kv.StartsWith("q=", StringComparison.OrdinalIgnoreCase) && double.TryParse(kv[2..], NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                {
                    q = parsed;
                }
            }

            if (q <= 0)
            {
                continue;
            }

            if (name.Equals("br", StringComparison.OrdinalIgnoreCase))
            {
                br = true;
            }
            else if (name.Equals("gzip", StringComparison.OrdinalIgnoreCase) || name == "*")
            {
                gzip = true;
            }
        }

        return br ? "br" : gzip ? "gzip" : null;
    }

    private byte[] Compressed(string path, long length, DateTime modified, string coding)
    {
        var key = $"{path}\0{length}\0{modified.Ticks}\0{coding}";
        if (_compressed.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var raw = System.IO.File.ReadAllBytes(path);
        using var output = new MemoryStream();
        using (Stream encoder = coding == "br" ? new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true) : new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            encoder.Write(raw);
        }

        var result = output.ToArray();
        if (Interlocked.Add(ref _compressedBytes, result.Length) > CompressCacheSize)
        {
            _compressed.Clear();
            Interlocked.Exchange(ref _compressedBytes, result.Length);
        }

        _compressed[key] = result;
        return result;
    }

    private string Listing(Request request, string folder)
    {
        var title = "Directory listing for " + WebUtility.UrlDecode(request.Path);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title></head>\n<body>\n<h1>")
          .Append(WebUtility.HtmlEncode(title)).Append("</h1>\n<table>\n<tr><th>Filename</th><th>Size</th><th>Content type</th></tr>\n");
        var entries = new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var isDir = entry is DirectoryInfo;
            var name = entry.Name + (isDir ? "/" : "");
            var href = Uri.EscapeDataString(entry.Name) + (isDir ? "/" : "");
            var size = isDir ? "" : ((FileInfo)entry).Length.ToString(CultureInfo.InvariantCulture);
            var type = isDir ? "[Directory]" : ContentTypes.TryGetValue(entry.Extension, out var t) ? t : MimeTypes.Default;
            sb.Append("<tr><td><a href=\"").Append(WebUtility.HtmlEncode(href)).Append("\">").Append(WebUtility.HtmlEncode(name)).Append("</a></td><td>")
              .Append(size).Append("</td><td>").Append(WebUtility.HtmlEncode(type)).Append("</td></tr>\n");
        }

        sb.Append("</table>\n</body>\n</html>\n");
        return sb.ToString();
    }
}
