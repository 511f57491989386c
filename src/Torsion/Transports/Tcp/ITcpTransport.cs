namespace Torsion.Transports.Tcp;

/// <summary>A TCP connection: a transport that can half-close and has TCP's socket options.</summary>
public interface ITcpTransport : ITransport, IHalfCloseable
{
    /// <summary>TCP_NODELAY: send small writes at once instead of waiting to coalesce them (on by default).</summary>
    bool NoDelay { get; set; }

    /// <summary>SO_KEEPALIVE: probe an idle connection to notice a vanished peer (off by default).</summary>
    bool KeepAlive { get; set; }
}
