using System.Diagnostics;
using Npgsql;
using Torsion.TestPeers;

namespace Torsion.Tests.Data;

[CollectionDefinition(nameof(PostgresCollection))]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>;

/// <summary>
/// A private PostgreSQL cluster for the tests: initdb into a temp directory, started on 127.0.0.1 and a free port,
/// with fsync off; run as the <c>postgres</c> user when the tests run as root. Always stopped in Dispose.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private readonly string _bin;
    private readonly string _root;
    private readonly string _data;
    private readonly bool _asPostgresUser;
    private bool _started;

    public PostgresCluster()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl"))).OrderDescending().FirstOrDefault() ?? ""
            : "";
        if (_bin.Length == 0)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): install the Debian package postgresql (./test.sh does).");
        }

        _asPostgresUser = Environment.UserName == "root";
        _root = Directory.CreateTempSubdirectory("torsion-pg-").FullName;
        _data = Path.Combine(_root, "data");
        if (_asPostgresUser)
        {
            Exec("chown", ["postgres:postgres", _root], asPostgres: false);
        }

        Exec(Path.Combine(_bin, "initdb"), ["-D", _data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions"]);
        // postgres cannot bind port 0 and tell its port: a port taken between the pick and its bind fails the start, and
        // the cluster is started again on a fresh one (see PeerStart).
        PeerStart.OnFreshPorts(1, ports =>
        {
            Port = ports[0];
            PgCtl("start");
            return Port;
        });
        _started = true;
        using (var connection = new NpgsqlConnection(ConnectionStringFor("postgres")))
        {
            connection.Open();
            using var command = new NpgsqlCommand("CREATE DATABASE torsion", connection);
            command.ExecuteNonQuery();
        }

        ConnectionString = ConnectionStringFor("torsion");
    }

    public int Port { get; private set; }

    /// <summary>To the <c>torsion</c> database, Npgsql's own pooling off (the ConnectionPool holds connections itself).</summary>
    public string ConnectionString { get; }

    private string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=false;Timeout=10;Command Timeout=30";

    /// <summary>Restarts the server the way an administrator does (fast: sessions are ended with 57P01); returns when it accepts again.</summary>
    public void Restart()
    {
        PgCtl("stop", "-m", "fast");

        // The port cannot change here (the tests' connection strings name it), and between the stop and the start another
        // test's outgoing connection may hold it as its source port for a moment: start again a few times.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                PgCtl("start");
                return;
            }
            catch (InvalidOperationException) when (attempt < PeerStart.Attempts)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(200));
            }
        }
    }

    private void PgCtl(string action, params string[] more) =>
        Exec(Path.Combine(_bin, "pg_ctl"), [
            "-D", _data, "-w", "-t", "60", "-l", Path.Combine(_root, "server.log"),
            "-o", $"-p {Port} -k {_root} -h 127.0.0.1 -F -c max_connections=50",
            action, .. more]);

    private void Exec(string file, string[] arguments, bool? asPostgres = null)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres ?? _asPostgresUser)
        {
            start.FileName = "runuser";
            foreach (var a in (string[])["-u", "postgres", "--", file, .. arguments])
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start.FileName = file;
            foreach (var a in arguments)
            {
                start.ArgumentList.Add(a);
            }
        }

        start.WorkingDirectory = _root;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {CommandTimeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stdout.Result}{stderr.Result}{ServerLog()}");
        }
    }

    private string ServerLog()
    {
        var log = Path.Combine(_root, "server.log");
        return File.Exists(log) ? "\nserver.log:\n" + File.ReadAllText(log) : "";
    }

    public void Dispose()
    {
        try
        {
            if (_started)
            {
                PgCtl("stop", "-m", "immediate");
            }
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
