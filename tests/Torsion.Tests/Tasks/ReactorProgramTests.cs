using Torsion.Defer;
using Torsion.Reactor;
using Torsion.Tasks;

namespace Torsion.Tests.Tasks;

/// <summary>ReactorProgram.React on real reactors; each test runs on its own thread with a deadline.</summary>
public sealed class ReactorProgramTests
{
    private static async Task<int> ReactWithin(Func<int> react)
    {
        var run = Task.Factory.StartNew(react, TaskCreationOptions.LongRunning);
        return await run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task The_exit_code_is_mains_result_and_the_reactor_stops()
    {
        IReactor? seen = null;
        var code = await ReactWithin(() => ReactorProgram.React(reactor =>
        {
            seen = reactor;
            Assert.True(reactor.Running);
            return reactor.DeferLater(TimeSpan.FromMilliseconds(20), () => 7);
        }));

        Assert.Equal(7, code);
        Assert.NotNull(seen);
        Assert.False(seen.Running);
    }

    [Fact]
    public async Task A_main_that_is_done_at_once_exits_with_its_code()
    {
        var code = await ReactWithin(() => ReactorProgram.React(_ => Deferred.Succeed(0)));

        Assert.Equal(0, code);
    }

    [Fact]
    public async Task An_async_main_on_the_select_reactor_gets_args()
    {
        string[]? received = null;
        var code = await ReactWithin(() =>
        {
            using var reactor = ReactorFactory.Create(ReactorKind.Select);
            return ReactorProgram.React(reactor, async r =>
            {
                received = ["x"];
                await r.DeferLater(TimeSpan.FromMilliseconds(5));
                return 3;
            });
        });
        var withArgs = await ReactWithin(() => ReactorProgram.React((r, args) => Deferred.Succeed(args.Length), ["a", "b"]));

        Assert.Equal(3, code);
        Assert.Equal(2, withArgs);
        Assert.NotNull(received);
    }

    [Fact]
    public async Task A_failing_main_exits_with_1_and_reports_the_error()
    {
        var error = new StringWriter();
        var previous = Console.Error;
        int code;
        try
        {
            Console.SetError(error);
            code = await ReactWithin(() => ReactorProgram.React(reactor =>
                reactor.DeferLater(TimeSpan.FromMilliseconds(5), (Func<int>)(() => throw new InvalidDataException("no config")))));
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.Equal(1, code);
        Assert.Contains("InvalidDataException: no config", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_main_that_throws_at_once_exits_with_1()
    {
        var logger = new ListLogger();
        var code = await ReactWithin(() => ReactorProgram.React(_ => throw new ArgumentException("bad argument"), logger));

        Assert.Equal(1, code);
        var (message, exception) = Assert.Single(logger.Entries);
        Assert.Equal("main failed: bad argument", message);
        Assert.IsType<ArgumentException>(exception);
    }

    [Fact]
    public async Task Stopping_the_reactor_before_main_finished_cancels_main_and_exits_with_1()
    {
        var cancelled = false;
        var logger = new ListLogger();
        var code = await ReactWithin(() => ReactorProgram.React(
            reactor =>
            {
                reactor.CallLater(TimeSpan.FromMilliseconds(10), reactor.Stop);
                return new Deferred<int>(_ => cancelled = true);
            },
            logger));

        Assert.Equal(1, code);
        Assert.True(cancelled);
        Assert.Single(logger.Entries);
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<(string Message, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((formatter(state, exception), exception));
            }
        }
    }
}
