namespace Torsion.Web.Http;

/// <summary>Request header fields recognised by the parser without allocation.</summary>
public enum KnownHeader
{
    /// <summary>Any other field.</summary>
    Other,

    /// <summary>Host.</summary>
    Host,

    /// <summary>Content-Length.</summary>
    ContentLength,

    /// <summary>Transfer-Encoding.</summary>
    TransferEncoding,

    /// <summary>Connection.</summary>
    Connection,

    /// <summary>Expect.</summary>
    Expect,

    /// <summary>Content-Type.</summary>
    ContentType,

    /// <summary>Cookie.</summary>
    Cookie,

    /// <summary>Accept.</summary>
    Accept,

    /// <summary>Accept-Encoding.</summary>
    AcceptEncoding,

    /// <summary>User-Agent.</summary>
    UserAgent,

    /// <summary>Referer.</summary>
    Referer,

    /// <summary>Range.</summary>
    Range,

    /// <summary>If-Range.</summary>
    IfRange,

    /// <summary>If-None-Match.</summary>
    IfNoneMatch,

    /// <summary>If-Modified-Since.</summary>
    IfModifiedSince,

    /// <summary>Authorization.</summary>
    Authorization,

    /// <summary>Upgrade.</summary>
    Upgrade,
}
