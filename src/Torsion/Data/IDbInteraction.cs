using System.Data.Common;

namespace Torsion.Data;

/// <summary>
/// What a <see cref="ConnectionPool.RunInteraction{T}"/> function works with (Twisted's cursor): one connection and
/// the transaction open on it. Used from the pool's worker thread only, during the call.
/// Parameters are bound by position as <c>@p0</c>, <c>@p1</c>, ...; a <see cref="DbParameter"/> passed as a value is
/// added as it is (with its own name).
/// </summary>
public interface IDbInteraction
{
    /// <summary>The open connection, owned by the pool: do not close it.</summary>
    DbConnection Connection { get; }

    /// <summary>The transaction the pool commits when the function returns and rolls back when it throws.</summary>
    DbTransaction Transaction { get; }

    /// <summary>Runs a query and gives every row as an array of column values (<see cref="DBNull"/> as null).</summary>
    IReadOnlyList<object?[]> Query(string sql, params object?[] parameters);

    /// <summary>Runs a statement and gives the number of rows it changed.</summary>
    int Execute(string sql, params object?[] parameters);

    /// <summary>Runs a query and gives the first column of the first row, or null.</summary>
    object? Scalar(string sql, params object?[] parameters);

    /// <summary>Makes a command on this connection and transaction, for what the other methods do not cover.</summary>
    DbCommand CreateCommand(string sql, params object?[] parameters);
}
