namespace Torsion.Web.Static;

/// <summary>The built-in table of media types by file extension, and which types are worth compressing.</summary>
public static class MimeTypes
{
    /// <summary>The type sent for extensions not in the table.</summary>
    public const string Default = "application/octet-stream";

    /// <summary>A copy of the built-in table (extension with its dot, case-insensitive).</summary>
    public static Dictionary<string, string> CreateTable() => new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".htm"] = "text/html; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
        [".text"] = "text/plain; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".csv"] = "text/csv; charset=utf-8",
        [".md"] = "text/markdown; charset=utf-8",
        [".xml"] = "application/xml",
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".json"] = "application/json",
        [".map"] = "application/json",
        [".wasm"] = "application/wasm",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".avif"] = "image/avif",
        [".ico"] = "image/vnd.microsoft.icon",
        [".bmp"] = "image/bmp",
        [".woff"] = "font/woff",
        [".woff2"] = "font/woff2",
        [".ttf"] = "font/ttf",
        [".otf"] = "font/otf",
        [".pdf"] = "application/pdf",
        [".zip"] = "application/zip",
        [".gz"] = "application/gzip",
        [".tar"] = "application/x-tar",
        [".mp3"] = "audio/mpeg",
        [".ogg"] = "audio/ogg",
        [".wav"] = "audio/wav",
        [".mp4"] = "video/mp4",
        [".webm"] = "video/webm",
        [".py"] = "text/x-python; charset=utf-8",
        [".c"] = "text/x-c; charset=utf-8",
        [".h"] = "text/x-c; charset=utf-8",
        [".cs"] = "text/plain; charset=utf-8",
        [".sh"] = "text/x-sh; charset=utf-8",
        [".rtf"] = "application/rtf",
    };

    /// <summary>Whether a response of <paramref name="contentType"/> gains from gzip/brotli (text, JSON, JavaScript, XML, SVG).</summary>
    public static bool IsCompressible(string contentType)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        return contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/xml", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/wasm", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("image/svg+xml", StringComparison.OrdinalIgnoreCase);
    }
}
