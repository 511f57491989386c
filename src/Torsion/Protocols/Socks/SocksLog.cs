using System.Net;
using Microsoft.Extensions.Logging;

namespace Torsion.Protocols.Socks;

/// <summary>Log messages of the SOCKS server.</summary>
internal static partial class SocksLog
{
    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "SOCKS client {Peer}: {Problem}; closing")]
    public static partial void Refused(ILogger logger, EndPoint peer, string problem);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Information, Message = "SOCKS{Version} client {Peer}: {Command} {Destination}: {Why}; replying {Code}")]
    public static partial void RequestFailed(ILogger logger, int version, EndPoint peer, SocksCommand? command, SocksAddress? destination, string why, string code);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Information, Message = "SOCKS5 client {Peer}: login as '{User}' refused")]
    public static partial void LoginRefused(ILogger logger, EndPoint peer, string user);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "SOCKS5 client {Peer}: checking the login of '{User}' failed")]
    public static partial void LoginError(ILogger logger, Exception error, EndPoint peer, string user);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Debug, Message = "SOCKS5 UDP relay: dropped a datagram ({Source} -> {Destination}): {Why}")]
    public static partial void DatagramDropped(ILogger logger, object? source, object? destination, string why);
}
