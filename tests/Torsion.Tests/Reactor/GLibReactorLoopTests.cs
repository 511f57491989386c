using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tests.Transports;

namespace Torsion.Tests.Reactor;

/// <summary>The GLib reactor inside a GLib loop that the application iterates itself, as a GTK application does.</summary>
public sealed class GLibReactorLoopTests
{
    [Fact]
    public async Task Start_lets_the_application_iterate_the_GLib_context_and_serve_until_stopped()
    {
        using var reactor = new GLibReactor();
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var iterations = 0;
        var app = new Thread(() =>
        {
            // The "application": its own loop over the context, the reactor started on the loop's thread.
            reactor.Start();
            port.SetResult(((IPEndPoint)reactor.ListenTcp(0, Factory.ForProtocol(() => new EchoProtocol()), interfaceAddress: "127.0.0.1").Host).Port);
            while (reactor.Running)
            {
                _ = GLibNative.g_main_context_iteration(reactor.MainContext, 1);
                iterations++;
            }
        })
        { IsBackground = true, Name = "GLib application" };
        app.Start();

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, await port.Task.WaitAsync(ReactorHarness.Timeout)).WaitAsync(ReactorHarness.Timeout);
        await socket.SendAsync("glib"u8.ToArray());
        var buffer = new byte[4];
        var read = 0;
        while (read < 4)
        {
            read += await socket.ReceiveAsync(buffer.AsMemory(read)).AsTask().WaitAsync(ReactorHarness.Timeout);
        }

        Assert.Equal("glib"u8.ToArray(), buffer);
        reactor.Stop();
        Assert.True(app.Join(ReactorHarness.Timeout), "the application's loop saw the reactor stop");
        Assert.True(iterations > 0);
    }

    [Fact]
    public void ReactorFactory_makes_a_GLib_reactor_for_the_GLib_kind()
    {
        using var reactor = ReactorFactory.Create(ReactorKind.GLib);
        Assert.IsType<GLibReactor>(reactor);
    }
}
