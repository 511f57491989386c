namespace Torsion.Cred;

/// <summary>
/// The SSH key offered without a signature is authorized for the user: the SSH server answers
/// SSH_MSG_USERAUTH_PK_OK and waits for the signed attempt (twisted.conch.error.ValidPublicKey).
/// </summary>
public sealed class ValidPublicKeyException : UnauthorizedLoginException
{
    /// <summary>The default message.</summary>
    public ValidPublicKeyException()
        : base("The key is authorized; a signature is needed to log in.")
    {
    }

    /// <summary>An error with <paramref name="message"/>.</summary>
    public ValidPublicKeyException(string message)
        : base(message)
    {
    }

    /// <summary>An error with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public ValidPublicKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
