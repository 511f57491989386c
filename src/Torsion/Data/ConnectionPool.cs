using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Data;

/// <summary>
/// Blocking ADO.NET database access for reactor code, as Twisted's adbapi: a pool of connections, each opened and used
/// by one dedicated worker thread for its whole life, and results given as Deferreds fired on the reactor thread.
/// A connection the server dropped is detected, closed and replaced; the work that met the error fails with it.
/// </summary>
/// <remarks>
/// <para>
/// <c>min</c> workers start at once and open their connections in the background; more start, up to <c>max</c>, while
/// work waits and every worker is busy; workers are not retired. Work runs in the order it was queued.
/// </para>
/// <para>
/// The provider's own pooling is redundant under this pool (which holds its connections open): turn it off
/// (<c>Pooling=false</c> for Npgsql and SQLite) so that a replaced connection is a new physical connection.
/// </para>
/// </remarks>
public sealed class ConnectionPool
{
    private readonly DbProviderFactory _factory;
    private readonly string _connectionString;
    private readonly IReactorThreads _reactor;
    private readonly ConnectionPoolOptions _options;
    private readonly ILogger _logger;
    private readonly BlockingCollection<Work> _queue = [];
    private readonly List<Thread> _workers = [];
    private readonly object _gate = new();
    private readonly Deferred<Unit> _closed = new();
    private int _idle;
    private int _running;
    private int _connectionsLost;
    private int _openConnections;
    private bool _closing;

    /// <summary>Makes a pool and starts <paramref name="min"/> workers, each opening its connection.</summary>
    /// <param name="factory">The provider, e.g. <c>SqliteFactory.Instance</c> or <c>NpgsqlFactory.Instance</c>.</param>
    /// <param name="connectionString">The provider's connection string.</param>
    /// <param name="reactor">The reactor whose thread fires the Deferreds.</param>
    /// <param name="min">Workers (connections) started at once (default 3).</param>
    /// <param name="max">The most workers (connections) at once (default 5).</param>
    /// <param name="options">Retry, loss detection and logging settings.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="min"/> is negative or <paramref name="max"/> is less than 1 or than <paramref name="min"/>.</exception>
    public ConnectionPool(DbProviderFactory factory, string connectionString, IReactor reactor, int min = 3, int max = 5, ConnectionPoolOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentOutOfRangeException.ThrowIfNegative(min);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        _factory = factory;
        _connectionString = connectionString;
        _reactor = reactor;
        Min = min;
        Max = max;
        _options = options ?? new ConnectionPoolOptions();
        _logger = _options.LoggerFactory?.CreateLogger<ConnectionPool>() ?? (ILogger)NullLogger.Instance;
        lock (_gate)
        {
            for (var i = 0; i < min; i++)
            {
                StartWorker();
            }
        }
    }

    /// <summary>Workers started at once.</summary>
    public int Min { get; }

    /// <summary>The most workers, so the most connections and the most work running at once.</summary>
    public int Max { get; }

    /// <summary>Workers started so far.</summary>
    public int Workers
    {
        get
        {
            lock (_gate)
            {
                return _workers.Count;
            }
        }
    }

    /// <summary>Connections open now.</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>How many connections were found lost (and so closed, to be replaced) since the pool started.</summary>
    public int ConnectionsLost => Volatile.Read(ref _connectionsLost);

    /// <summary>Runs a query; the Deferred fires on the reactor thread with every row as an array of column values.</summary>
    /// <remarks>Parameters are bound by position as <c>@p0</c>, <c>@p1</c>, ... (see <see cref="IDbInteraction"/>).</remarks>
    public Deferred<IReadOnlyList<object?[]>> RunQuery(string sql, params object?[] parameters)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return Queue<IReadOnlyList<object?[]>>(connection =>
        {
            using var command = DbInteraction.MakeCommand(connection, null, sql, parameters);
            return DbInteraction.ReadRows(command);
        }, _options.RetryQueryOnConnectionLoss);
    }

    /// <summary>Runs a statement; the Deferred fires on the reactor thread with the number of rows it changed.</summary>
    public Deferred<int> RunOperation(string sql, params object?[] parameters)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return Queue(connection =>
        {
            using var command = DbInteraction.MakeCommand(connection, null, sql, parameters);
            return command.ExecuteNonQuery();
        }, retry: false);
    }

    /// <summary>
    /// Runs <paramref name="interaction"/> on a worker thread inside a transaction, committed when it returns and rolled
    /// back when it throws; the Deferred fires on the reactor thread with its result or exception.
    /// </summary>
    public Deferred<T> RunInteraction<T>(Func<IDbInteraction, T> interaction)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        return Queue(connection =>
        {
            using var transaction = connection.BeginTransaction();
            T result;
            try
            {
                result = interaction(new DbInteraction(connection, transaction));
            }
            catch
            {
                RollBack(transaction);
                throw;
            }

            transaction.Commit();
            return result;
        }, retry: false);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a worker thread with its connection and no transaction (Twisted's
    /// runWithConnection); the Deferred fires on the reactor thread with its result or exception.
    /// </summary>
    public Deferred<T> RunWithConnection<T>(Func<DbConnection, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Queue(work, retry: false);
    }

    /// <summary>
    /// Stops taking work, lets queued and running work finish, closes every connection; the Deferred fires on the
    /// reactor thread when all is done. Work queued after this fails with <see cref="InvalidOperationException"/>.
    /// </summary>
    public Deferred<Unit> Close()
    {
        lock (_gate)
        {
            if (!_closing)
            {
                _closing = true;
                _queue.CompleteAdding();
                if (_workers.Count == 0)
                {
                    _reactor.CallFromThread(() => _closed.Callback(Unit.Value));
                }
            }
        }

        return _closed;
    }

    /// <summary>
    /// The default test for "this connection is gone": the connection is no longer open, or the error comes from the
    /// network (an <see cref="IOException"/>, <see cref="SocketException"/> or <see cref="EndOfStreamException"/> in the
    /// chain), or its SQLSTATE is a connection exception (class 08) or an operator intervention that ends sessions
    /// (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now). <see cref="DbException.IsTransient"/> alone
    /// is not enough: a serialization failure is transient but leaves the connection usable.
    /// </summary>
    public static bool IsConnectionLevelError(Exception error, DbConnection connection)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.State is not (ConnectionState.Open or ConnectionState.Executing or ConnectionState.Fetching))
        {
            return true;
        }

        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is IOException or SocketException or EndOfStreamException)
            {
                return true;
            }

            if (e is DbException { SqlState: { } state }
                && (state.StartsWith("08", StringComparison.Ordinal) || state is "57P01" or "57P02" or "57P03"))
            {
                return true;
            }
        }

        return false;
    }

    private Deferred<T> Queue<T>(Func<DbConnection, T> work, bool retry)
    {
        var deferred = new Deferred<T>();
        var item = new Work<T>(this, work, deferred, retry);
        lock (_gate)
        {
            if (_closing)
            {
                return Deferred.Fail<T>(new InvalidOperationException("This ConnectionPool is closed (Close() was called): no more work is taken."));
            }

            _queue.Add(item);
            if (_queue.Count > Volatile.Read(ref _idle) && _workers.Count < Max)
            {
                StartWorker();
            }
        }

        return deferred;
    }

    private void StartWorker()
    {
        var index = _workers.Count;
        var thread = new Thread(() => RunWorker(index)) { IsBackground = true, Name = $"Torsion db pool {index}" };
        _workers.Add(thread);
        Interlocked.Increment(ref _idle);
        thread.Start();
    }

    private void RunWorker(int index)
    {
        var worker = new Worker(index);
        TryOpen(worker);
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            Interlocked.Decrement(ref _idle);
            Interlocked.Increment(ref _running);
            try
            {
                work.Run(worker);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
                Interlocked.Increment(ref _idle);
            }
        }

        Drop(worker);
        lock (_gate)
        {
            _workers.Remove(Thread.CurrentThread);
            if (_workers.Count == 0)
            {
                _reactor.CallFromThread(() => _closed.Callback(Unit.Value));
            }
        }
    }

    private void TryOpen(Worker worker)
    {
        try
        {
            Open(worker);
        }
        catch (Exception e)
        {
            ConnectionPoolLog.OpenFailed(_logger, worker.Index, e);
        }
    }

    private DbConnection Open(Worker worker)
    {
        if (worker.Connection is { } open)
        {
            return open;
        }

        var connection = _factory.CreateConnection()
            ?? throw new InvalidOperationException($"The provider factory {_factory.GetType().FullName} made no connection.");
        connection.ConnectionString = _connectionString;
        try
        {
            connection.Open();
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        worker.Connection = connection;
        Interlocked.Increment(ref _openConnections);
        return connection;
    }

    private void Drop(Worker worker)
    {
        if (worker.Connection is not { } connection)
        {
            return;
        }

        worker.Connection = null;
        Interlocked.Decrement(ref _openConnections);
        try
        {
            connection.Dispose();
        }
        catch (Exception e)
        {
            ConnectionPoolLog.CleanupFailed(_logger, "Closing a connection", worker.Index, e);
        }
    }

    private void RollBack(DbTransaction transaction)
    {
        try
        {
            transaction.Rollback();
        }
        catch (Exception e)
        {
            ConnectionPoolLog.CleanupFailed(_logger, "Rolling back a failed interaction", -1, e);
        }
    }

    /// <summary>Runs one piece of work on a worker, replacing its connection when the error says it is lost.</summary>
    private T Execute<T>(Worker worker, Func<DbConnection, T> work, bool retry)
    {
        for (var attempt = 0; ; attempt++)
        {
            var connection = Open(worker);
            try
            {
                return work(connection);
            }
            catch (Exception e) when (IsLost(e, connection))
            {
                Interlocked.Increment(ref _connectionsLost);
                ConnectionPoolLog.ConnectionLost(_logger, worker.Index, e.Message);
                Drop(worker);
                if (!retry || attempt > 0)
                {
                    throw;
                }
            }
        }
    }

    private bool IsLost(Exception error, DbConnection connection)
    {
        try
        {
            return (_options.IsConnectionLost ?? IsConnectionLevelError)(error, connection);
        }
        catch (Exception e)
        {
            ConnectionPoolLog.CleanupFailed(_logger, "The IsConnectionLost test", -1, e);
            return true;
        }
    }

    private sealed class Worker(int index)
    {
        public int Index { get; } = index;

        public DbConnection? Connection { get; set; }
    }

    private abstract class Work
    {
        public abstract void Run(Worker worker);
    }

    private sealed class Work<T>(ConnectionPool pool, Func<DbConnection, T> work, Deferred<T> deferred, bool retry) : Work
    {
        public override void Run(Worker worker)
        {
            T result;
            try
            {
                result = pool.Execute(worker, work, retry);
            }
            catch (Exception e)
            {
                pool._reactor.CallFromThread(() => deferred.Errback(e));
                return;
            }

            pool._reactor.CallFromThread(() => deferred.Callback(result));
        }
    }
}
