namespace Torsion.Cred;

/// <summary>
/// An SSH "publickey" authentication request (RFC 4252 section 7; twisted.cred's ISSHPrivateKey):
/// the user name, the key's algorithm and blob, and, on the real attempt, the signed data and signature.
/// </summary>
/// <remarks>
/// Checkers only decide whether the key is one the user authorized, by comparing key blobs.
/// Verifying <see cref="Signature"/> over <see cref="SignedData"/> with the key is the SSH layer's job
/// and must be done before the credentials reach the portal. When <see cref="Signature"/> is null
/// (the client asks "would this key do?"), <see cref="AuthorizedKeysChecker"/> fails with
/// <see cref="ValidPublicKeyException"/> for an authorized key, so the SSH server can answer
/// SSH_MSG_USERAUTH_PK_OK.
/// </remarks>
public sealed class SshPublicKeyCredentials : ICredentials
{
    private readonly byte[] _blob;
    private readonly byte[]? _signedData;
    private readonly byte[]? _signature;

    /// <summary>Credentials for <paramref name="username"/> offering the key <paramref name="blob"/> (wire format), with an optional signature.</summary>
    public SshPublicKeyCredentials(string username, string algorithm, ReadOnlySpan<byte> blob, byte[]? signedData = null, byte[]? signature = null)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentException.ThrowIfNullOrEmpty(algorithm);
        if (blob.IsEmpty)
        {
            throw new ArgumentException("The public key blob is empty.", nameof(blob));
        }

        Username = username;
        Algorithm = algorithm;
        _blob = blob.ToArray();
        _signedData = signedData;
        _signature = signature;
    }

    /// <summary>The user name the client asks to log in as.</summary>
    public string Username { get; }

    /// <summary>The public key algorithm the client named (e.g. <c>ssh-ed25519</c>, <c>rsa-sha2-256</c>).</summary>
    public string Algorithm { get; }

    /// <summary>The public key in SSH wire format.</summary>
    public ReadOnlyMemory<byte> Blob => _blob;

    /// <summary>The data the signature covers, or null when the client only asks whether the key would do.</summary>
    public ReadOnlyMemory<byte>? SignedData => _signedData is null ? (ReadOnlyMemory<byte>?)null : new ReadOnlyMemory<byte>(_signedData);

    /// <summary>The signature, or null when the client only asks whether the key would do.</summary>
    public ReadOnlyMemory<byte>? Signature => _signature is null ? (ReadOnlyMemory<byte>?)null : new ReadOnlyMemory<byte>(_signature);

    /// <inheritdoc />
    public override string ToString() => $"SshPublicKeyCredentials({Username}, {Algorithm})";
}
