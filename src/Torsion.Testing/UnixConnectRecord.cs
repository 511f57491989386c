using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Testing;

/// <summary>One <c>ConnectUnix</c> call recorded by <see cref="MemoryReactor"/>; also the connector it returned.</summary>
public sealed class UnixConnectRecord(string path, ClientFactory factory, TimeSpan timeout) : IConnector
{
    /// <summary>The path given.</summary>
    public string Path { get; } = path;

    /// <summary>The factory given.</summary>
    public ClientFactory Factory { get; } = factory;

    /// <summary>The connect timeout.</summary>
    public TimeSpan Timeout { get; } = timeout;

    /// <inheritdoc />
    public EndPoint Destination { get; } = new UnixDomainSocketEndPoint(path);

    /// <inheritdoc />
    public ConnectorState State { get; set; } = ConnectorState.Connecting;

    /// <inheritdoc />
    public void Connect()
    {
        State = ConnectorState.Connecting;
        Factory.StartedConnecting(this);
    }

    /// <inheritdoc />
    public void StopConnecting()
    {
        if (State != ConnectorState.Connecting)
        {
            throw new InvalidOperationException("Not connecting.");
        }

        State = ConnectorState.Disconnected;
        Factory.ClientConnectionFailed(this, new OperationCanceledException($"Connecting to {Destination} was stopped by StopConnecting."));
    }

    /// <inheritdoc />
    public void Disconnect() => State = ConnectorState.Disconnected;
}
