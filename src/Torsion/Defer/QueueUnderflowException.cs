namespace Torsion.Defer;

/// <summary>A <see cref="DeferredQueue{T}"/> limit was exceeded: Get with the backlog of waiting gets full.</summary>
public sealed class QueueUnderflowException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public QueueUnderflowException()
        : base("The DeferredQueue backlog of waiting gets is full.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public QueueUnderflowException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public QueueUnderflowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
