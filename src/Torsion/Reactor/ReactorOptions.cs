using Microsoft.Extensions.Logging;

namespace Torsion.Reactor;

/// <summary>Settings of one reactor; every one has a working default.</summary>
public sealed class ReactorOptions
{
    /// <summary>Where the reactor logs errors of protocol code and of its own (default: nowhere).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// How long a stop waits for connections to finish their writes before it aborts them, and then for the thread
    /// pool's threads to finish their work (default 5 s each).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The most threads <see cref="IReactorThreads.CallInThread"/> runs at once (default 10).</summary>
    public int ThreadPoolSize { get; init; } = 10;

    /// <summary>The size of the one read buffer every connection of the reactor reads into (default 256 KiB).</summary>
    public int ReadBufferSize { get; init; } = 256 * 1024;

    /// <summary>
    /// Whether stream connections send file regions (<see cref="Transports.IFileRegionTransport"/>) with sendfile(2)
    /// (default true, Linux). False reads them through a buffer with pread and sends that, as nginx's <c>sendfile off</c>
    /// (for filesystems whose sendfile misbehaves).
    /// </summary>
    public bool SendFile { get; init; } = true;
}
