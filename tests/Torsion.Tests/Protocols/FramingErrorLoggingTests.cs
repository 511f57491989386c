using Microsoft.Extensions.Logging;
using Torsion.Protocols;
using Torsion.Testing;

namespace Torsion.Tests.Protocols;

public sealed class FramingErrorLoggingTests
{
    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message, Exception? Error)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception), exception));
    }

    private sealed class Netstrings : NetstringReceiver
    {
        public override void StringReceived(ReadOnlySpan<byte> data)
        {
        }
    }

    [Fact]
    public void Framing_error_is_logged_with_the_peer_and_the_exception()
    {
        var logger = new ListLogger();
        var p = new Netstrings { Logger = logger };
        var transport = new StringTransport { Peer = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.7"), 4242) };
        transport.Connect(p);
        p.DataReceived("3:abc!"u8);
        var (level, message, error) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Equal("Netstrings closes the connection from 192.0.2.7:4242: The received netstring is not terminated by a comma (got \"!\" after 3 bytes).", message);
        Assert.Same(p.ProtocolError, error);
        Assert.True(transport.Disconnecting);
    }
}
