namespace Torsion.Web.Http;

/// <summary>The request methods recognised without allocation (RFC 9110 section 9 and PATCH).</summary>
public enum KnownMethod
{
    /// <summary>A method not in this list: read <see cref="HttpRequestHead.Method"/>.</summary>
    Other,

    /// <summary>GET.</summary>
    Get,

    /// <summary>HEAD.</summary>
    Head,

    /// <summary>POST.</summary>
    Post,

    /// <summary>PUT.</summary>
    Put,

    /// <summary>DELETE.</summary>
    Delete,

    /// <summary>OPTIONS.</summary>
    Options,

    /// <summary>TRACE.</summary>
    Trace,

    /// <summary>CONNECT.</summary>
    Connect,

    /// <summary>PATCH.</summary>
    Patch,
}
