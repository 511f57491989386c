namespace Torsion.Defer;

/// <summary>A <see cref="DeferredQueue{T}"/> limit was exceeded: Put on a full queue.</summary>
public sealed class QueueOverflowException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public QueueOverflowException()
        : base("The DeferredQueue is full.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public QueueOverflowException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public QueueOverflowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
