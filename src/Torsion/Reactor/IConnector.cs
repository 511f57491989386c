using System.Net;

namespace Torsion.Reactor;

/// <summary>One outgoing connection attempt, reusable to connect again (see <c>ReconnectingClientFactory</c>).</summary>
public interface IConnector
{
    /// <summary>Where it connects to (an IP end point, or a <see cref="DnsEndPoint"/> before resolution).</summary>
    EndPoint Destination { get; }

    /// <summary>Where it stands now.</summary>
    ConnectorState State { get; }

    /// <summary>Starts connecting (again) once disconnected.</summary>
    /// <exception cref="InvalidOperationException">It is connecting or connected.</exception>
    void Connect();

    /// <summary>Gives up connecting: the factory's <c>ClientConnectionFailed</c> gets an <see cref="OperationCanceledException"/>.</summary>
    /// <exception cref="InvalidOperationException">It is not connecting.</exception>
    void StopConnecting();

    /// <summary>Closes the connection if connected (after pending writes), or stops connecting.</summary>
    void Disconnect();
}
