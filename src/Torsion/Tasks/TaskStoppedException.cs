namespace Torsion.Tasks;

/// <summary>The failure of a <see cref="CooperativeTask"/> that was stopped before its iterator finished (Twisted's <c>TaskStopped</c>).</summary>
public sealed class TaskStoppedException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public TaskStoppedException()
        : base("The cooperative task was stopped before its iterator finished.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public TaskStoppedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public TaskStoppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
