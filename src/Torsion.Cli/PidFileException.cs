namespace Torsion.Cli;

/// <summary>The <c>--pidfile</c> names a running process or cannot be written.</summary>
internal sealed class PidFileException : Exception
{
    public PidFileException(string message)
        : base(message)
    {
    }

    public PidFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
