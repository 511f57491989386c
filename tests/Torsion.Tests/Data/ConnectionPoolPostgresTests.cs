using Npgsql;
using Torsion.Data;
using Torsion.Defer;
using Torsion.Reactor;
using Torsion.Tests.Reactor;

namespace Torsion.Tests.Data;

/// <summary>The pool against a real PostgreSQL server through Npgsql, including a server restart in the middle of a run.</summary>
[Collection(nameof(PostgresCollection))]
public sealed class ConnectionPoolPostgresTests(PostgresCluster cluster) : ReactorHarness
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);

    private ConnectionPool NewPool(int min, int max, bool retry = false) =>
        new(NpgsqlFactory.Instance, cluster.ConnectionString, Reactor, min, max,
            new ConnectionPoolOptions { LoggerFactory = Logs, RetryQueryOnConnectionLoss = retry });

    private async Task<T> Run<T>(Func<Deferred<T>> call) => await Within(await On(() => call().AsTask()));

    /// <summary>Runs <paramref name="count"/> queries at once, each on a worker for a while, and gives each one's outcome.</summary>
    private async Task<(int Pid, Exception? Error)[]> Burst(ConnectionPool pool, int count)
    {
        var tasks = await On(() => Enumerable.Range(0, count)
            .Select(_ => pool.RunQuery("SELECT pg_backend_pid(), pg_sleep(0.05)").AsTask()).ToArray());
        var outcomes = new (int, Exception?)[count];
        for (var i = 0; i < count; i++)
        {
            try
            {
                outcomes[i] = ((int)(await Within(tasks[i]))[0][0]!, null);
            }
            catch (Exception e) when (e is not TimeoutException)
            {
                outcomes[i] = (0, e);
            }
        }

        return outcomes;
    }

    [Fact]
    public async Task Queries_operations_and_interactions_run_against_the_server()
    {
        var pool = NewPool(2, 3);
        await Run(() => pool.RunOperation("CREATE TABLE IF NOT EXISTS lines (id serial PRIMARY KEY, text text NOT NULL)"));
        await Run(() => pool.RunOperation("TRUNCATE lines"));
        Assert.Equal(1, await Run(() => pool.RunOperation("INSERT INTO lines (text) VALUES (@p0)", "hello")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Run(() => pool.RunInteraction<int>(db =>
        {
            db.Execute("INSERT INTO lines (text) VALUES (@p0)", "rolled back");
            throw new InvalidOperationException("no");
        })));
        var count = await Run(() => pool.RunInteraction(db =>
        {
            db.Execute("INSERT INTO lines (text) VALUES (@p0)", "world");
            return (long)db.Scalar("SELECT count(*) FROM lines")!;
        }));

        Assert.Equal(2, count);
        var rows = await Run(() => pool.RunQuery("SELECT text FROM lines ORDER BY id"));
        Assert.Equal(["hello", "world"], rows.Select(r => (string)r[0]!));
        await Run(pool.Close);
    }

    [Fact]
    public async Task A_restart_in_the_middle_of_a_run_is_detected_the_connections_are_replaced_and_later_queries_succeed()
    {
        var pool = NewPool(3, 3);
        var before = await Burst(pool, 3);
        Assert.All(before, o => Assert.Null(o.Error));
        Assert.Equal(3, before.Select(o => o.Pid).Distinct().Count());

        cluster.Restart();

        // Every stale connection fails the one piece of work that meets it, with the connection-level error.
        var failures = new List<Exception>();
        for (var round = 0; round < 20 && pool.ConnectionsLost < 3; round++)
        {
            failures.AddRange((await Burst(pool, 3)).Where(o => o.Error is not null).Select(o => o.Error!));
        }

        Assert.Equal(3, pool.ConnectionsLost);
        Assert.Equal(3, failures.Count);
        Assert.All(failures, e => Assert.IsAssignableFrom<NpgsqlException>(e));

        var after = await Burst(pool, 6);
        Assert.All(after, o => Assert.Null(o.Error));
        Assert.Empty(after.Select(o => o.Pid).Intersect(before.Select(o => o.Pid)));
        Assert.Equal(3, pool.OpenConnections);
        Assert.Contains(Logs.Entries, e => e.Message.Contains("was lost", StringComparison.Ordinal));
        await Run(pool.Close);
        Assert.Equal(0, pool.OpenConnections);
    }

    [Fact]
    public async Task With_retry_on_connection_loss_queries_survive_a_restart_without_an_error()
    {
        var pool = NewPool(3, 3, retry: true);
        Assert.All(await Burst(pool, 3), o => Assert.Null(o.Error));

        cluster.Restart();

        var after = await Burst(pool, 6);
        Assert.All(after, o => Assert.Null(o.Error));
        Assert.InRange(pool.ConnectionsLost, 1, 3);
        await Run(pool.Close);
    }
}
