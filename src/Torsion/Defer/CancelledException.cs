namespace Torsion.Defer;

/// <summary>The failure a Deferred fires with when it is cancelled (<see cref="Deferred.Cancel"/>) and its canceller did not fire it.</summary>
public sealed class CancelledException : OperationCanceledException
{
    /// <summary>Creates the exception with a default message.</summary>
    public CancelledException()
        : base("The Deferred was cancelled before it had a result.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public CancelledException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public CancelledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
