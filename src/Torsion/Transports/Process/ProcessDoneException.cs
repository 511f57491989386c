namespace Torsion.Transports.Process;

/// <summary>The child process exited with code 0 (Twisted's ProcessDone).</summary>
public sealed class ProcessDoneException : Exception
{
    /// <summary>Makes the exception for a clean exit.</summary>
    public ProcessDoneException()
        : base("The process exited with code 0.")
    {
    }

    /// <summary>Makes the exception with a message of your own.</summary>
    public ProcessDoneException(string message)
        : base(message)
    {
    }

    /// <summary>Makes the exception with a message and an inner exception.</summary>
    public ProcessDoneException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Always 0.</summary>
    public int ExitCode => 0;
}
