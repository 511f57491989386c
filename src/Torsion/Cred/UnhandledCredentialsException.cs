namespace Torsion.Cred;

/// <summary>No checker registered with the portal accepts this type of credentials (twisted.cred.error.UnhandledCredentials).</summary>
public sealed class UnhandledCredentialsException : UnauthorizedLoginException
{
    /// <summary>An error with the default message.</summary>
    public UnhandledCredentialsException()
        : base("No checker accepts these credentials.")
    {
    }

    /// <summary>An error with <paramref name="message"/>.</summary>
    public UnhandledCredentialsException(string message)
        : base(message)
    {
    }

    /// <summary>An error with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public UnhandledCredentialsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>An error naming the credential type and the types the portal does accept.</summary>
    public static UnhandledCredentialsException For(Type credentialType, IEnumerable<Type> accepted)
    {
        ArgumentNullException.ThrowIfNull(credentialType);
        ArgumentNullException.ThrowIfNull(accepted);
        var names = string.Join(", ", accepted.Select(t => t.Name));
        return new UnhandledCredentialsException(
            $"No checker accepts credentials of type {credentialType.Name}; this portal accepts: {(names.Length == 0 ? "none" : names)}.");
    }
}
