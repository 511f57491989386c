namespace Torsion.Defer;

/// <summary>A Deferred was fired (<c>Callback</c> or <c>Errback</c>) a second time.</summary>
public sealed class AlreadyCalledException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public AlreadyCalledException()
        : base("The Deferred has already fired; Callback and Errback may be called once.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public AlreadyCalledException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public AlreadyCalledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal AlreadyCalledException(string deferredType, bool cancelled)
        : base(cancelled
            ? $"This {deferredType} has already fired: it was cancelled, which fired it with CancelledException, and its canceller did not stop the result from arriving later. Callback and Errback may be called once."
            : $"This {deferredType} has already fired; Callback and Errback may be called once.")
    {
    }
}
