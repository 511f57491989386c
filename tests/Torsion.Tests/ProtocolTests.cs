using System.Net;
using Torsion.Protocols;

namespace Torsion.Tests;

public sealed class ProtocolTests
{
    private sealed class Recorder : Protocol;

    [Fact]
    public void Factory_counts_uses_and_sets_itself_on_protocols()
    {
        var factory = Factory.ForProtocol(() => new Recorder());
        factory.DoStart();
        factory.DoStart();
        Assert.Equal(2, factory.Uses);
        var protocol = Assert.IsType<Recorder>(factory.BuildProtocol(new IPEndPoint(IPAddress.Loopback, 1)));
        Assert.Same(factory, protocol.Factory);
        factory.DoStop();
        factory.DoStop();
        Assert.Throws<InvalidOperationException>(factory.DoStop);
    }

    [Fact]
    public void Transport_before_connection_names_the_protocol()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Recorder().Transport);
        Assert.Contains("Recorder", error.Message);
    }
}
