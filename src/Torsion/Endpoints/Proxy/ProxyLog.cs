using Microsoft.Extensions.Logging;

namespace Torsion.Endpoints.Proxy;

/// <summary>Log messages of the PROXY protocol receiver.</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Closing the connection from {Peer}: {Reason}")]
    public static partial void Rejected(ILogger logger, string peer, string reason);
}
