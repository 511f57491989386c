using System.Net;
using Torsion.Protocols;
using Torsion.Protocols.Amp;
using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Torsion.Tests.Tls;
using Torsion.Transports;

namespace Torsion.Tests.Protocols.Amp;

/// <summary>An AMP protocol that says when it is connected and when it is gone.</summary>
public sealed class ObservedAmp : AmpProtocol
{
    public TaskCompletionSource Made { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<Exception> Lost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void ConnectionMade() => Made.TrySetResult();

    public override void ConnectionLost(Exception reason)
    {
        base.ConnectionLost(reason);
        Lost.TrySetResult(reason);
    }

    public static ObservedAmp WithResponders()
    {
        var amp = new ObservedAmp();
        amp.AddResponder(AmpTestCommands.Sum, a => new SumResult(a.A + a.B));
        amp.AddResponder(AmpTestCommands.Divide, a => a.Denominator == 0
            ? throw new DivideByZeroException("division by zero")
            : new DivideResult((double)a.Numerator / a.Denominator));
        amp.AddResponder(AmpTestCommands.Echo, a => a);
        return amp;
    }
}

/// <summary>AMP through the real reactor on 127.0.0.1, between two Torsion peers and against Twisted's own AMP.</summary>
public sealed class AmpReactorTests : ReactorHarness
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(20);

    private static string Script => Path.Combine(AppContext.BaseDirectory, "Protocols", "Amp", "amp_peer.py");

    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);

    private async Task<ObservedAmp> ConnectClient(int port)
    {
        var client = new ObservedAmp();
        await On(() => Reactor.ConnectTcp("127.0.0.1", port, new ClientFactory(_ => client)));
        await Within(client.Made.Task);
        return client;
    }

    private Task<T> Call<T>(Func<Torsion.Defer.Deferred<T>> call) => On(() => call().AsTask()).Unwrap().WaitAsync(Timeout);

    [Fact]
    public async Task Two_Torsion_peers_call_each_other_over_tcp()
    {
        ObservedAmp? server = null;
        var port = await On(() => Reactor.ListenTcp(0, Factory.ForProtocol(() => server = ObservedAmp.WithResponders()), interfaceAddress: "127.0.0.1"));
        var client = await ConnectClient(((IPEndPoint)port.Host).Port);
        client.AddResponder(AmpTestCommands.Sum, a => new SumResult(a.A - a.B));
        Assert.Equal(94, (await Call(() => client.CallRemote(AmpTestCommands.Sum, new SumArgs(13, 81)))).Total);
        Assert.Equal(-68, (await Call(() => server!.CallRemote(AmpTestCommands.Sum, new SumArgs(13, 81)))).Total);
        var echo = await Call(() => client.CallRemote(AmpTestCommands.Echo, AmpTestCommands.SampleEcho()));
        AmpTestCommands.AssertEchoEqual(AmpTestCommands.SampleEcho(), echo);
        await Assert.ThrowsAsync<DivideByZeroException>(() => Call(() => client.CallRemote(AmpTestCommands.Divide, new DivideArgs(1, 0))));
    }

    [Fact]
    public async Task A_pending_call_fails_when_the_peer_drops_the_connection()
    {
        var waiting = new Torsion.Defer.Deferred<SumResult>();
        ObservedAmp? server = null;
        var port = await On(() => Reactor.ListenTcp(0, Factory.ForProtocol(() =>
        {
            server = new ObservedAmp();
            server.AddResponder(AmpTestCommands.Sum, _ => waiting);
            return server;
        }), interfaceAddress: "127.0.0.1"));
        var client = await ConnectClient(((IPEndPoint)port.Host).Port);
        var call = Call(() => client.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 2)));
        await On(() => client.PendingCallCount == 1);
        await On(() => server!.Transport.AbortConnection());
        var error = await Assert.ThrowsAnyAsync<Exception>(() => call);
        Assert.True(error is ConnectionLostException or ConnectionDoneException, error.ToString());
        Assert.Same(error, await Within(client.Lost.Task));
    }

    [Fact]
    public async Task A_Torsion_client_calls_Twisteds_AMP_server()
    {
        using var python = PeerProcess.Start("/usr/bin/python3", Script, "server");
        await python.WaitForOutput("PORT ", PeerTimeout);
        var port = int.Parse(python.Output.Split("PORT ")[1].Split('\n')[0].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var client = await ConnectClient(port);

        Assert.Equal(94, (await Call(() => client.CallRemote(AmpTestCommands.Sum, new SumArgs(13, 81)))).Total);
        Assert.Equal(0.25, (await Call(() => client.CallRemote(AmpTestCommands.Divide, new DivideArgs(1, 4)))).Result);
        var zero = await Assert.ThrowsAsync<DivideByZeroException>(() => Call(() => client.CallRemote(AmpTestCommands.Divide, new DivideArgs(1, 0))));
        Assert.Equal("division by zero", zero.Message);
        var nope = new AmpCommand<SumArgs, SumResult>("Nope", AmpTestCommands.Sum.Arguments, AmpTestCommands.Sum.Response);
        var unhandled = await Assert.ThrowsAsync<UnhandledCommandException>(() => Call(() => client.CallRemote(nope, new SumArgs(1, 2))));
        Assert.Equal("UNHANDLED", unhandled.Code);
        var sample = AmpTestCommands.SampleEcho() with { Extra = 12 };
        AmpTestCommands.AssertEchoEqual(sample, await Call(() => client.CallRemote(AmpTestCommands.Echo, sample)));
        var withoutNote = AmpTestCommands.SampleEcho() with { Note = null };
        AmpTestCommands.AssertEchoEqual(withoutNote, await Call(() => client.CallRemote(AmpTestCommands.Echo, withoutNote)));
    }

    [Fact]
    public async Task Twisteds_AMP_client_calls_a_Torsion_server()
    {
        var port = await On(() => Reactor.ListenTcp(0, Factory.ForProtocol(() => ObservedAmp.WithResponders()), interfaceAddress: "127.0.0.1"));
        using var python = PeerProcess.Start("/usr/bin/python3", Script, "client", ((IPEndPoint)port.Host).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var exit = await python.WaitForExit(PeerTimeout);
        var output = python.Output;
        Assert.True(exit == 0, output);
        Assert.Contains("sum 94\n", output);
        Assert.Contains("divide 0.25\n", output);
        Assert.Contains("divide-zero ZeroDivisionError division by zero\n", output);
        Assert.Contains("nope UnhandledCommand\n", output);
        Assert.Contains("echo-text 'héllo ✓'\n", output);
        Assert.Contains("echo-numbers [1, -2, 3000000000]\n", output);
        Assert.Contains("echo-when 2012-01-23T12:34:56.054321-01:23\n", output);
        Assert.Contains("echo-flag True note None extra 7\n", output);
        Assert.Contains("echo-amount 12.50 ratio 0.25\n", output);
        Assert.Contains("echo-data 00ff rows [{'name': 'x', 'n': 1}]\n", output);
        Assert.Contains("done\n", output);
        Assert.DoesNotContain("error", output);
    }
}
