namespace Torsion.Cred;

/// <summary>A user name and the password in plain text, as sent by PLAIN/LOGIN/USER+PASS/Basic authentication.</summary>
public interface IUsernamePassword : ICredentials
{
    /// <summary>The user name as the client sent it.</summary>
    string Username { get; }

    /// <summary>The password as the client sent it.</summary>
    string Password { get; }

    /// <summary>True when <paramref name="password"/> is the password sent, compared in constant time.</summary>
    bool CheckPassword(string password);
}
