namespace Torsion.Tasks;

/// <summary>The failure of a <see cref="CooperativeTask"/> whose <see cref="Cooperator"/> was stopped (Twisted's <c>SchedulerStopped</c>).</summary>
public sealed class SchedulerStoppedException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public SchedulerStoppedException()
        : base("The Cooperator running this task was stopped.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public SchedulerStoppedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public SchedulerStoppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
