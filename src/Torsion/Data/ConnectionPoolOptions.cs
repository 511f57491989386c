using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace Torsion.Data;

/// <summary>Settings of a <see cref="ConnectionPool"/>; every one has a working default.</summary>
public sealed class ConnectionPoolOptions
{
    /// <summary>
    /// Run a <see cref="ConnectionPool.RunQuery"/> a second time, on a fresh connection, when its connection turned
    /// out to be lost (default false). Only queries are retried: a statement or interaction may have been applied
    /// before the connection broke, so retrying it is the caller's decision.
    /// </summary>
    public bool RetryQueryOnConnectionLoss { get; init; }

    /// <summary>
    /// Decides whether an error means the connection is gone (then it is closed and replaced). Default:
    /// <see cref="ConnectionPool.IsConnectionLevelError"/>.
    /// </summary>
    public Func<Exception, DbConnection, bool>? IsConnectionLost { get; init; }

    /// <summary>Where the pool logs replaced connections and failed closes (default: nowhere).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
