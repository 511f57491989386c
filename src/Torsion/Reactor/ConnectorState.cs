namespace Torsion.Reactor;

/// <summary>Where an <see cref="IConnector"/> stands.</summary>
public enum ConnectorState
{
    /// <summary>Not connected and not connecting.</summary>
    Disconnected,

    /// <summary>Resolving or waiting for the TCP handshake.</summary>
    Connecting,

    /// <summary>Connected; a protocol runs.</summary>
    Connected,
}
