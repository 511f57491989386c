using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Torsion.Defer;

namespace Torsion.Tests.Defer;

public sealed class DeferredLoggingTests
{
    [Fact]
    public void Unhandled_failure_is_logged_once_with_its_stack_when_collected()
    {
        var marker = $"unhandled-{Guid.NewGuid()}";
        var entries = Capture(() => AbandonFailed(marker));
        var entry = Assert.Single(entries, e => e.Exception?.Message == marker);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Contains("Deferred<int>", entry.Message);
        Assert.Contains(nameof(AbandonFailed), entry.Exception!.StackTrace);
    }

    [Fact]
    public void Thrown_failure_in_a_callback_is_logged_with_the_throwing_frame()
    {
        var marker = $"thrown-{Guid.NewGuid()}";
        var entries = Capture(() => AbandonThrown(marker));
        var entry = Assert.Single(entries, e => e.Exception?.Message == marker);
        Assert.Contains(nameof(Thrower), entry.Exception!.StackTrace);
    }

    [Fact]
    public void Handled_failure_is_not_logged()
    {
        var marker = $"handled-{Guid.NewGuid()}";
        var entries = Capture(() => AbandonHandled(marker));
        Assert.DoesNotContain(entries, e => e.Exception?.Message == marker);
    }

    [Fact]
    public void Awaited_failure_is_not_logged()
    {
        var marker = $"awaited-{Guid.NewGuid()}";
        var entries = Capture(() => AbandonAwaited(marker));
        Assert.DoesNotContain(entries, e => e.Exception?.Message == marker);
    }

    [Fact]
    public void Failure_passed_to_an_outer_Deferred_is_logged_once_by_the_outer()
    {
        var marker = $"chained-{Guid.NewGuid()}";
        var entries = Capture(() => AbandonChained(marker));
        Assert.Single(entries, e => e.Exception?.Message == marker);
    }

    [Fact]
    public void Successful_Deferred_carries_no_finalizable_tracker()
    {
        var d = Deferred.Succeed(1);
        Assert.Null(d.Tracker);
        var failed = Deferred.Fail<int>(new FormatException());
        Assert.NotNull(failed.Tracker);
        failed.AddErrback(_ => 0);
        Assert.Null(failed.Tracker);
    }

    [Fact]
    public void Null_logger_factory_restores_the_default()
    {
        var previous = DeferredLogging.LoggerFactory;
        try
        {
            DeferredLogging.LoggerFactory = null!;
            Assert.NotNull(DeferredLogging.LoggerFactory);
        }
        finally
        {
            DeferredLogging.LoggerFactory = previous;
        }
    }

    private static List<Entry> Capture(Action abandon)
    {
        var provider = new CapturingProvider();
        using var factory = new CapturingFactory(provider);
        var previous = DeferredLogging.LoggerFactory;
        DeferredLogging.LoggerFactory = factory;
        try
        {
            abandon();
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            DeferredLogging.LoggerFactory = previous;
        }

        return [.. provider.Entries];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AbandonFailed(string marker)
    {
        var d = new Deferred<int>();
        d.AddCallback(x => x + 1);
        d.Errback(new InvalidOperationException(marker));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AbandonThrown(string marker) => Deferred.Succeed(1).AddCallback(x => Thrower(marker));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Thrower(string marker) => throw new InvalidOperationException(marker);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AbandonHandled(string marker) => Deferred.Fail<int>(new InvalidOperationException(marker)).AddErrback(_ => 0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AbandonAwaited(string marker)
    {
        SynchronizationContext.SetSynchronizationContext(null);
        var source = new Deferred<int>();
        _ = Body(source);
        source.Errback(new InvalidOperationException(marker));

        static async Deferred<int> Body(Deferred<int> s)
        {
            try
            {
                return await s;
            }
            catch (InvalidOperationException)
            {
                return 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AbandonChained(string marker)
    {
        var inner = new Deferred<int>();
        var outer = new Deferred<int>();
        outer.AddCallback(_ => inner);
        outer.Callback(0);
        inner.Errback(new InvalidOperationException(marker));
    }

    private sealed record Entry(LogLevel Level, string Message, Exception? Exception);

    private sealed class CapturingFactory(ILoggerProvider provider) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider loggerProvider) => throw new NotSupportedException();

        public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingProvider : ILoggerProvider
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new CapturingLogger(this);

        public void Dispose()
        {
        }

        private sealed class CapturingLogger(CapturingProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue(new Entry(logLevel, formatter(state, exception), exception));
        }
    }
}
