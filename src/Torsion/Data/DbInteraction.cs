using System.Data.Common;

namespace Torsion.Data;

/// <summary>The <see cref="IDbInteraction"/> of one transaction, and the command helpers RunQuery/RunOperation share.</summary>
internal sealed class DbInteraction(DbConnection connection, DbTransaction transaction) : IDbInteraction
{
    public DbConnection Connection { get; } = connection;

    public DbTransaction Transaction { get; } = transaction;

    public IReadOnlyList<object?[]> Query(string sql, params object?[] parameters)
    {
        using var command = CreateCommand(sql, parameters);
        return ReadRows(command);
    }

    public int Execute(string sql, params object?[] parameters)
    {
        using var command = CreateCommand(sql, parameters);
        return command.ExecuteNonQuery();
    }

    public object? Scalar(string sql, params object?[] parameters)
    {
        using var command = CreateCommand(sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public DbCommand CreateCommand(string sql, params object?[] parameters) =>
        MakeCommand(Connection, Transaction, sql, parameters);

    internal static DbCommand MakeCommand(DbConnection connection, DbTransaction? transaction, string sql, object?[]? parameters)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        if (parameters is null)
        {
            return command;
        }

        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i] is DbParameter given)
            {
                command.Parameters.Add(given);
                continue;
            }

            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameter.Value = parameters[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    internal static List<object?[]> ReadRows(DbCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            reader.GetValues(row!);
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] is DBNull)
                {
                    row[i] = null;
                }
            }

            rows.Add(row);
        }

        return rows;
    }
}
