using Microsoft.Extensions.Logging;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports;

namespace Torsion.Application.Plugins;

/// <summary>Binds a UDP port while running (twisted.application.internet.UDPServer).</summary>
internal sealed class UdpListenService(IReactor reactor, int port, DatagramProtocol protocol, string? interfaceAddress, ILogger logger)
    : Service
{
    private IDatagramTransport? _port;

    public override void StartService()
    {
        base.StartService();
        _port = reactor.ListenUdp(port, protocol, interfaceAddress);
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("{Protocol} listening on udp {Address}", protocol.GetType().Name, _port.Host);
        }
    }

    public override Deferred<Unit> StopService()
    {
        base.StopService();
        var bound = _port;
        _port = null;
        return bound is null ? Deferred.Succeed() : bound.StopListening();
    }
}
