namespace Torsion.Cred;

/// <summary>
/// Something a client presents to prove who it is (twisted.cred.credentials.ICredentials).
/// A <see cref="ICredentialsChecker"/> lists the credential types it accepts.
/// </summary>
public interface ICredentials;
