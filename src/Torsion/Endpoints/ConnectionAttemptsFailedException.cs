using System.Net;

namespace Torsion.Endpoints;

/// <summary>Every address of a host was tried and none could be connected to; the message names each address and why.</summary>
public sealed class ConnectionAttemptsFailedException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public ConnectionAttemptsFailedException()
        : base("Every connection attempt failed.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public ConnectionAttemptsFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public ConnectionAttemptsFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="host"/> from the failed attempts, in the order they were made.</summary>
    public ConnectionAttemptsFailedException(string host, int port, IReadOnlyList<KeyValuePair<IPEndPoint, Exception>> attempts)
        : base($"Cannot connect to {host} port {port}: every address failed ({string.Join("; ", attempts.Select(a => $"{a.Key}: {a.Value.Message}"))}).",
            attempts.Count > 0 ? attempts[^1].Value : null)
    {
        Attempts = attempts;
    }

    /// <summary>Each address tried and its error, in order.</summary>
    public IReadOnlyList<KeyValuePair<IPEndPoint, Exception>> Attempts { get; } = [];
}
