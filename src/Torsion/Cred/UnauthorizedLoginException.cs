namespace Torsion.Cred;

/// <summary>
/// The credentials were wrong: unknown user, wrong password or key (twisted.cred.error.UnauthorizedLogin).
/// Its message is safe to send to the client: it never says which part was wrong.
/// </summary>
public class UnauthorizedLoginException : Exception
{
    /// <summary>A failed login with the default message.</summary>
    public UnauthorizedLoginException()
        : base("Login failed: unknown user or wrong credentials.")
    {
    }

    /// <summary>A failed login with <paramref name="message"/>.</summary>
    public UnauthorizedLoginException(string message)
        : base(message)
    {
    }

    /// <summary>A failed login caused by <paramref name="innerException"/>.</summary>
    public UnauthorizedLoginException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
