using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Torsion.Reactor;

namespace Torsion.Tests.Reactor;

/// <summary>Runs a reactor on its own thread for a test; the test talks to it through <see cref="On{T}"/>.</summary>
public abstract class ReactorHarness : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly Thread _thread;
    private Exception? _runError;

    protected ReactorHarness()
    {
        Reactor = CreateReactor(new ReactorOptions { LoggerFactory = Logs, ShutdownTimeout = TimeSpan.FromSeconds(5) });
        _thread = new Thread(() =>
        {
            try
            {
                Reactor.Run();
            }
            catch (Exception e)
            {
                _runError = e;
            }
        })
        { IsBackground = true, Name = "test reactor" };
        _thread.Start();
    }

    protected ReactorBase Reactor { get; }

    protected RecordingLoggerFactory Logs { get; } = new();

    protected abstract ReactorBase CreateReactor(ReactorOptions options);

    /// <summary>Runs <paramref name="function"/> on the reactor thread and gives its result.</summary>
    protected Task<T> On<T>(Func<T> function)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Reactor.CallFromThread(() =>
        {
            try
            {
                done.SetResult(function());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task.WaitAsync(Timeout);
    }

    protected Task On(Action action) => On(() =>
    {
        action();
        return true;
    });

    protected static Task<T> Within<T>(Task<T> task) => task.WaitAsync(Timeout);

    protected static Task Within(Task task) => task.WaitAsync(Timeout);

    /// <summary>Stops the reactor and waits for Run to return.</summary>
    protected void StopAndJoin()
    {
        if (_thread.IsAlive)
        {
            Reactor.CallFromThread(() =>
            {
                if (Reactor.Running && !Reactor.IsStopping)
                {
                    Reactor.Stop();
                }
            });
            Assert.True(_thread.Join(Timeout), "the reactor did not stop in time");
        }

        Assert.Null(_runError);
    }

    public void Dispose()
    {
        StopAndJoin();
        Reactor.Dispose();
        OnDisposed();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what a derived suite made for its reactor (a dispatcher thread), after the reactor stopped.</summary>
    protected virtual void OnDisposed()
    {
    }
}

public sealed class RecordingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new RecordingLogger(this);

    public void Dispose()
    {
    }

    private sealed class RecordingLogger(RecordingLoggerFactory factory) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            factory.Entries.Enqueue((logLevel, formatter(state, exception), exception));
    }
}
