namespace Torsion.Transports.Process;

/// <summary>
/// A process could not be started: the executable does not exist or may not be run, the working directory is
/// missing, or the system is out of descriptors or processes. Thrown by SpawnProcess itself (no protocol event fires).
/// </summary>
public sealed class ProcessSpawnException : Exception
{
    /// <summary>Makes the exception for <paramref name="executable"/> and the system error number (0 when none).</summary>
    public ProcessSpawnException(string executable, int errorNumber, string message)
        : base(message)
    {
        Executable = executable;
        ErrorNumber = errorNumber;
    }

    /// <summary>Makes the exception with a message of your own.</summary>
    public ProcessSpawnException()
        : base("The process could not be started.")
    {
        Executable = "";
    }

    /// <summary>Makes the exception with a message of your own.</summary>
    public ProcessSpawnException(string message)
        : base(message)
    {
        Executable = "";
    }

    /// <summary>Makes the exception with a message and an inner exception.</summary>
    public ProcessSpawnException(string message, Exception innerException)
        : base(message, innerException)
    {
        Executable = "";
    }

    /// <summary>The executable that was to be run, as given.</summary>
    public string Executable { get; }

    /// <summary>The errno of the failed call (2 = ENOENT, 13 = EACCES), or 0.</summary>
    public int ErrorNumber { get; }
}
