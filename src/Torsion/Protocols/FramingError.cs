using Microsoft.Extensions.Logging;

namespace Torsion.Protocols;

/// <summary>How the framings report bad input: log it with the peer, then close only that connection.</summary>
internal static class FramingError
{
    public static void Close(Protocol protocol, ILogger? logger, Exception error)
    {
        if (protocol.HasTransport)
        {
            logger?.LogWarning(error, "{Protocol} closes the connection from {Peer}: {Message}", protocol.GetType().Name, protocol.Transport.Peer, error.Message);
            protocol.Transport.LoseConnection();
        }
        else
        {
            logger?.LogWarning(error, "{Protocol}: {Message}", protocol.GetType().Name, error.Message);
        }
    }
}
