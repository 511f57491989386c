using Microsoft.Data.Sqlite;
using Torsion.Data;
using Torsion.Defer;
using Torsion.Reactor;
using Torsion.Tests.Reactor;

namespace Torsion.Tests.Data;

/// <summary>The pool over SQLite (a file in a temp directory), the embedded default.</summary>
public sealed class ConnectionPoolSqliteTests : ReactorHarness
{
    private readonly string _directory = Directory.CreateTempSubdirectory("torsion-db-").FullName;

    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);

    private string ConnectionString => $"Data Source={Path.Combine(_directory, "test.db")};Pooling=false;Default Timeout=30";

    private ConnectionPool NewPool(int min = 3, int max = 5) =>
        new(SqliteFactory.Instance, ConnectionString, Reactor, min, max, new ConnectionPoolOptions { LoggerFactory = Logs });

    /// <summary>Calls the pool on the reactor thread and waits (bounded) for the Deferred.</summary>
    private async Task<T> Run<T>(Func<Deferred<T>> call) => await Within(await On(() => call().AsTask()));

    protected override void OnDisposed()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task RunOperation_changes_rows_and_RunQuery_reads_them_with_positional_parameters()
    {
        var pool = NewPool();
        await Run(() => pool.RunOperation("CREATE TABLE log (id INTEGER PRIMARY KEY, line TEXT, note TEXT)"));
        Assert.Equal(1, await Run(() => pool.RunOperation("INSERT INTO log (line, note) VALUES (@p0, @p1)", "first", null)));
        Assert.Equal(1, await Run(() => pool.RunOperation("INSERT INTO log (line, note) VALUES (@p0, @p1)", "second", "n")));

        var rows = await Run(() => pool.RunQuery("SELECT id, line, note FROM log WHERE id >= @p0 ORDER BY id", 1));

        Assert.Equal(2, rows.Count);
        Assert.Equal([1L, "first", null], rows[0]);
        Assert.Equal([2L, "second", "n"], rows[1]);
        await Run(pool.Close);
    }

    [Fact]
    public async Task Results_and_errors_fire_on_the_reactor_thread()
    {
        var pool = NewPool();
        var (resultOnReactor, errorOnReactor) = (new TaskCompletionSource<bool>(), new TaskCompletionSource<bool>());
        await On(() =>
        {
            pool.RunQuery("SELECT 1").AddBoth(r => resultOnReactor.SetResult(r.Success && Reactor.IsInReactorThread));
            pool.RunQuery("SELECT * FROM no_such_table").AddBoth(r => errorOnReactor.SetResult(!r.Success && Reactor.IsInReactorThread));
        });
        Assert.True(await Within(resultOnReactor.Task));
        Assert.True(await Within(errorOnReactor.Task));
        await Run(pool.Close);
    }

    [Fact]
    public async Task A_SQL_error_fails_the_work_with_the_provider_exception_and_keeps_the_connection()
    {
        var pool = NewPool(min: 1, max: 1);
        var error = await Assert.ThrowsAsync<SqliteException>(() => Run(() => pool.RunQuery("SELECT * FROM no_such_table")));
        Assert.Contains("no_such_table", error.Message);
        Assert.Equal(0, pool.ConnectionsLost);
        Assert.Equal(1, pool.OpenConnections);
        Assert.Single(await Run(() => pool.RunQuery("SELECT 1")));
        await Run(pool.Close);
    }

    [Fact]
    public async Task RunInteraction_commits_when_the_function_returns()
    {
        var pool = NewPool();
        await Run(() => pool.RunOperation("CREATE TABLE t (v INTEGER)"));
        var sum = await Run(() => pool.RunInteraction(db =>
        {
            db.Execute("INSERT INTO t VALUES (@p0)", 20);
            db.Execute("INSERT INTO t VALUES (@p0)", 22);
            return Convert.ToInt64(db.Scalar("SELECT SUM(v) FROM t"), System.Globalization.CultureInfo.InvariantCulture);
        }));

        Assert.Equal(42, sum);
        Assert.Equal(2, (await Run(() => pool.RunQuery("SELECT v FROM t"))).Count);
        await Run(pool.Close);
    }

    [Fact]
    public async Task RunInteraction_rolls_back_when_the_function_throws_and_fails_with_its_exception()
    {
        var pool = NewPool();
        await Run(() => pool.RunOperation("CREATE TABLE t (v INTEGER)"));
        var error = await Assert.ThrowsAsync<FormatException>(() => Run(() => pool.RunInteraction<int>(db =>
        {
            db.Execute("INSERT INTO t VALUES (1)");
            db.Execute("INSERT INTO t VALUES (2)");
            throw new FormatException("half done");
        })));

        Assert.Equal("half done", error.Message);
        Assert.Empty(await Run(() => pool.RunQuery("SELECT v FROM t")));
        await Run(pool.Close);
    }

    [Fact]
    public async Task At_most_max_pieces_of_work_run_at_once_each_on_its_own_worker()
    {
        var pool = NewPool(min: 2, max: 5);
        var running = 0;
        var peak = 0;
        using var entered = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim();
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        // RunWithConnection: SQLite's interactions are write transactions (BEGIN IMMEDIATE), and SQLite has one writer.
        var work = await On(() => Enumerable.Range(0, 8).Select(i => pool.RunWithConnection(connection =>
        {
            threads[Environment.CurrentManagedThreadId] = true;
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            entered.Release();
            var released = release.Wait(Timeout);
            Interlocked.Decrement(ref running);
            return released ? i : -1;
        }).AsTask()).ToArray());

        for (var i = 0; i < 5; i++)
        {
            Assert.True(await entered.WaitAsync(Timeout), $"only {i} of 5 ran at once");
        }

        release.Set();
        Assert.Equal(Enumerable.Range(0, 8), (await Within(Task.WhenAll(work))).Order());
        Assert.Equal(5, Volatile.Read(ref peak));
        Assert.Equal(5, pool.Workers);
        Assert.Equal(5, threads.Count);
        await Run(pool.Close);

        static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }

    [Fact]
    public async Task Close_waits_for_running_work_closes_the_connections_and_refuses_new_work()
    {
        var pool = NewPool(min: 2, max: 2);
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var events = new List<string>();
        var closed = await On(() =>
        {
            pool.RunInteraction(db =>
            {
                started.Set();
                release.Wait(Timeout);
                return db.Scalar("SELECT 7");
            }).AddCallback(_ => events.Add("work done"));
            Assert.True(started.Wait(Timeout));
            return pool.Close().AddCallback(_ => events.Add("closed")).AsTask();
        });

        Assert.Empty(await On(() => events.ToArray()));
        Assert.False(closed.IsCompleted);
        release.Set();
        await Within(closed);
        Assert.Equal(["work done", "closed"], await On(() => events.ToArray()));
        Assert.Equal(0, pool.OpenConnections);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Run(() => pool.RunQuery("SELECT 1")));
        Assert.Contains("closed", refused.Message);
    }
}
