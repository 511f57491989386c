using System.Runtime.InteropServices;
using System.Text;

namespace Torsion.Cred;

/// <summary>
/// A password file: one <c>user:$pbkdf2-sha256$ITERATIONS$SALT$HASH</c> line per user; blank lines and
/// lines starting with <c>#</c> are ignored. Read by <see cref="PasswordFileChecker"/>, written by
/// <c>torsion passwd FILE USER</c>.
/// </summary>
public sealed class PasswordFile
{
    private readonly List<KeyValuePair<string, PasswordHash>> _entries = [];

    /// <summary>The users and their hashes, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, PasswordHash>> Entries => _entries;

    /// <summary>Reads <paramref name="path"/>; a missing file reads as empty when <paramref name="missingIsEmpty"/>.</summary>
    /// <exception cref="CredentialFileFormatException">A line is malformed; the message names the file and the line number.</exception>
    public static PasswordFile Load(string path, bool missingIsEmpty = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (missingIsEmpty && !File.Exists(path))
        {
            return new PasswordFile();
        }

        return Parse(File.ReadAllText(path, Encoding.UTF8), path);
    }

    /// <summary>Reads password file text; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="CredentialFileFormatException">A line is malformed; the message names the line number.</exception>
    public static PasswordFile Parse(string text, string name = "<password file>")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(name);
        var file = new PasswordFile();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new CredentialFileFormatException(name, lineNumber, "expected 'user:$pbkdf2-sha256$ITERATIONS$SALT$HASH', found no ':'");
            }

            var user = line[..colon];
            if (ValidateUsername(user) is { } userError)
            {
                throw new CredentialFileFormatException(name, lineNumber, userError);
            }

            if (!PasswordHash.TryParse(line[(colon + 1)..], out var hash, out var error))
            {
                throw new CredentialFileFormatException(name, lineNumber, $"user '{user}': {error}");
            }

            if (seen.TryGetValue(user, out var first))
            {
                throw new CredentialFileFormatException(name, lineNumber, $"user '{user}' is already defined on line {first}");
            }

            seen.Add(user, lineNumber);
            file._entries.Add(new(user, hash));
        }

        return file;
    }

    /// <summary>Why <paramref name="username"/> cannot be stored in a password file, or null when it can.</summary>
    public static string? ValidateUsername(string username)
    {
        ArgumentNullException.ThrowIfNull(username);
        if (username.Length == 0)
        {
            return "the user name is empty";
        }

        foreach (var c in username)
        {
            if (c == ':' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return $"user name '{username}' contains a ':', a space or a control character";
            }
        }

        return null;
    }

    /// <summary>The hash stored for <paramref name="username"/>, or null.</summary>
    public PasswordHash? Find(string username)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Key, username, StringComparison.Ordinal))
            {
                return entry.Value;
            }
        }

        return null;
    }

    /// <summary>Adds <paramref name="username"/> or replaces its hash; returns true when the user is new.</summary>
    public bool Set(string username, PasswordHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (ValidateUsername(username) is { } error)
        {
            throw new ArgumentException(error, nameof(username));
        }

        for (var i = 0; i < _entries.Count; i++)
        {
            if (string.Equals(_entries[i].Key, username, StringComparison.Ordinal))
            {
                _entries[i] = new(username, hash);
                return false;
            }
        }

        _entries.Add(new(username, hash));
        return true;
    }

    /// <summary>The file's text: one line per user, in order.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var entry in _entries)
        {
            text.Append(entry.Key).Append(':').Append(entry.Value.ToString()).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// Writes the file atomically (a temporary file in the same folder, then a rename) so a reader never
    /// sees half a file; on Unix the file is readable and writable by its owner only.
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        var temp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(ToString());
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
