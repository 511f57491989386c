using System.Net;
using System.Text;
using Torsion.Protocols;
using Torsion.Testing;
using Torsion.Transports;

namespace Torsion.Tests.Protocols.Policies;

internal class Recorder : Protocol, IHalfCloseableProtocol
{
    public StringBuilder Received { get; } = new();

    public List<Exception> Lost { get; } = [];

    public List<string> Events { get; } = [];

    public override void ConnectionMade() => Events.Add("made");

    public override void DataReceived(ReadOnlySpan<byte> data) => Received.Append(Encoding.ASCII.GetString(data));

    public override void ConnectionLost(Exception reason)
    {
        Events.Add("lost");
        Lost.Add(reason);
    }

    public void ReadConnectionLost() => Events.Add("read-lost");

    public void WriteConnectionLost() => Events.Add("write-lost");
}

internal sealed class PlainRecorder : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
    }
}

internal sealed class TestProducer : IPushProducer, IPullProducer
{
    public List<string> Calls { get; } = [];

    public void PauseProducing() => Calls.Add("pause");

    public void ResumeProducing() => Calls.Add("resume");

    public void StopProducing() => Calls.Add("stop");
}

internal static class Policy
{
    public static IPEndPoint Peer(string address, int port = 40000) => new(IPAddress.Parse(address), port);

    public static (IProtocol Protocol, StringTransport Transport) Connect(IProtocolFactory factory, EndPoint? peer = null)
    {
        peer ??= Peer("127.0.0.1");
        var protocol = factory.BuildProtocol(peer) ?? throw new InvalidOperationException("refused");
        var transport = new StringTransport { Peer = peer };
        transport.Connect(protocol);
        return (protocol, transport);
    }
}
