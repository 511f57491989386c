using System.Net;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Testing;

/// <summary>One <c>ConnectTcp</c> call recorded by <see cref="MemoryReactor"/>; also the connector it returned.</summary>
public sealed class TcpConnectRecord(string host, int port, ClientFactory factory, TimeSpan timeout, IPEndPoint? bindAddress) : IConnector
{
    /// <summary>The host given.</summary>
    public string Host { get; } = host;

    /// <summary>The port given.</summary>
    public int Port { get; } = port;

    /// <summary>The factory given.</summary>
    public ClientFactory Factory { get; } = factory;

    /// <summary>The connect timeout.</summary>
    public TimeSpan Timeout { get; } = timeout;

    /// <summary>The local address given, if any.</summary>
    public IPEndPoint? BindAddress { get; } = bindAddress;

    /// <summary>How many times <see cref="Connect"/> was called (the first connect not counted).</summary>
    public int Reconnects { get; private set; }

    /// <inheritdoc />
    public EndPoint Destination => IPAddress.TryParse(Host, out var a) ? new IPEndPoint(a, Port) : new DnsEndPoint(Host, Port);

    /// <inheritdoc />
    public ConnectorState State { get; set; } = ConnectorState.Connecting;

    /// <inheritdoc />
    public void Connect()
    {
        Reconnects++;
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
