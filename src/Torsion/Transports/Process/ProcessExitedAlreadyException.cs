namespace Torsion.Transports.Process;

/// <summary>A signal was sent to a process that has exited and been reaped already (Twisted's ProcessExitedAlready).</summary>
public sealed class ProcessExitedAlreadyException : Exception
{
    /// <summary>Makes the exception with the default message.</summary>
    public ProcessExitedAlreadyException()
        : base("The process has exited already.")
    {
    }

    /// <summary>Makes the exception with a message of your own.</summary>
    public ProcessExitedAlreadyException(string message)
        : base(message)
    {
    }

    /// <summary>Makes the exception with a message and an inner exception.</summary>
    public ProcessExitedAlreadyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
