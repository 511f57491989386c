namespace Torsion.Cred;

/// <summary>A login refused without checking because the peer failed too often; it may try again after <see cref="RetryAfter"/>.</summary>
public sealed class LoginThrottledException : UnauthorizedLoginException
{
    /// <summary>An error with the default message.</summary>
    public LoginThrottledException()
        : base("Too many failed logins; try again later.")
    {
    }

    /// <summary>An error with <paramref name="message"/>.</summary>
    public LoginThrottledException(string message)
        : base(message)
    {
    }

    /// <summary>An error with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public LoginThrottledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>An error saying the peer must wait <paramref name="retryAfter"/>.</summary>
    public LoginThrottledException(TimeSpan retryAfter)
        : base($"Too many failed logins; try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.")
    {
        RetryAfter = retryAfter;
    }

    /// <summary>How long the peer must still wait.</summary>
    public TimeSpan RetryAfter { get; }
}
