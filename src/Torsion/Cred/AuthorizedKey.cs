using System.Buffers.Binary;
using System.Text;

namespace Torsion.Cred;

/// <summary>
/// One line of an OpenSSH <c>authorized_keys</c> file (sshd(8), AUTHORIZED_KEYS FILE FORMAT):
/// optional options, the key type, the base64 key blob and an optional comment.
/// Key types read: <c>ssh-rsa</c>, <c>ecdsa-sha2-nistp256</c>, <c>ecdsa-sha2-nistp384</c>,
/// <c>ecdsa-sha2-nistp521</c>, <c>ssh-ed25519</c>.
/// </summary>
/// <remarks>Options are kept as written (e.g. <c>from="10.0.0.0/8"</c>, <c>no-pty</c>) but not enforced yet.</remarks>
public sealed class AuthorizedKey
{
    private static readonly string[] KeyTypes =
        ["ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519"];

    private readonly byte[] _blob;

    private AuthorizedKey(IReadOnlyList<string> options, string keyType, byte[] blob, string comment)
    {
        Options = options;
        KeyType = keyType;
        _blob = blob;
        Comment = comment;
    }

    /// <summary>The options before the key type, each as written (quotes kept); empty when there are none.</summary>
    public IReadOnlyList<string> Options { get; }

    /// <summary>The key type, e.g. <c>ssh-ed25519</c>.</summary>
    public string KeyType { get; }

    /// <summary>The public key in SSH wire format (the decoded base64 field).</summary>
    public ReadOnlyMemory<byte> Blob => _blob;

    /// <summary>The comment after the key, or the empty string.</summary>
    public string Comment { get; }

    /// <summary>Reads one line; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static AuthorizedKey Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var rest = line.AsSpan().Trim();
        if (rest.IsEmpty)
        {
            throw new FormatException("the line is empty");
        }

        var options = new List<string>();
        var first = NextField(ref rest);
        string keyType;
        if (IsKeyType(first))
        {
            keyType = first.ToString();
        }
        else if (LooksLikeKeyType(first))
        {
            throw new FormatException($"unsupported key type '{first}' (supported: {string.Join(", ", KeyTypes)})");
        }
        else
        {
            rest = line.AsSpan().Trim();
            ParseOptions(ref rest, options);
            rest = rest.TrimStart();
            var type = NextField(ref rest);
            if (type.IsEmpty)
            {
                throw new FormatException("no key type after the options");
            }

            if (!IsKeyType(type))
            {
                throw new FormatException(
                    $"unsupported key type '{type}' (supported: {string.Join(", ", KeyTypes)})");
            }

            keyType = type.ToString();
        }

        rest = rest.TrimStart();
        var base64 = NextField(ref rest);
        if (base64.IsEmpty)
        {
            throw new FormatException($"no key data after '{keyType}'");
        }

        var blob = new byte[(base64.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64Chars(base64, blob, out var written))
        {
            throw new FormatException($"the key data of the {keyType} key is not valid base64");
        }

        Array.Resize(ref blob, written);
        ValidateBlob(keyType, blob);
        return new AuthorizedKey(options, keyType, blob, rest.Trim().ToString());
    }

    /// <summary>Reads every key of an authorized_keys text; blank lines and <c>#</c> comments are skipped.</summary>
    /// <exception cref="CredentialFileFormatException">A line is malformed; the message names <paramref name="name"/> and the line number.</exception>
    public static IReadOnlyList<AuthorizedKey> ParseFile(string text, string name = "<authorized_keys>")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(name);
        var keys = new List<AuthorizedKey>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            try
            {
                keys.Add(Parse(line));
            }
            catch (FormatException error)
            {
                throw new CredentialFileFormatException(name, lineNumber, error.Message);
            }
        }

        return keys;
    }

    /// <summary>Reads the authorized_keys file at <paramref name="path"/>.</summary>
    /// <exception cref="CredentialFileFormatException">A line is malformed; the message names the file and the line number.</exception>
    public static IReadOnlyList<AuthorizedKey> LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ParseFile(File.ReadAllText(path, Encoding.UTF8), path);
    }

    /// <summary>The line in authorized_keys form.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Options.Count > 0)
        {
            text.AppendJoin(',', Options).Append(' ');
        }

        text.Append(KeyType).Append(' ').Append(Convert.ToBase64String(_blob));
        if (Comment.Length > 0)
        {
            text.Append(' ').Append(Comment);
        }

        return text.ToString();
    }

    private static bool IsKeyType(ReadOnlySpan<char> field)
    {
        foreach (var type in KeyTypes)
        {
            if (field.SequenceEqual(type))
            {
                return true;
            }
        }

        return false;
    }

    // OpenSSH key type names that Torsion does not read (ssh-dss, sk-*, certificates...), told apart from options.
    private static bool LooksLikeKeyType(ReadOnlySpan<char> field) =>
        !field.Contains('=') && (field.StartsWith("ssh-") || field.StartsWith("ecdsa-") || field.StartsWith("sk-") || field.Contains("@openssh.com", StringComparison.Ordinal));

    private static ReadOnlySpan<char> NextField(ref ReadOnlySpan<char> rest)
    {
        var end = rest.IndexOfAny(' ', '\t');
        ReadOnlySpan<char> field;
        if (end < 0)
        {
            field = rest;
            rest = [];
        }
        else
        {
            field = rest[..end];
            rest = rest[end..];
        }

        return field;
    }

    private static void ParseOptions(ref ReadOnlySpan<char> rest, List<string> options)
    {
        var option = new StringBuilder();
        var quoted = false;
        var i = 0;
        for (; i < rest.Length; i++)
        {
            var c = rest[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < rest.Length && rest[i + 1] == '"')
                {
                    option.Append("\\\"");
                    i++;
                    continue;
                }

                if (c == '"')
                {
                    quoted = false;
                }

                option.Append(c);
                continue;
            }

            if (c == '"')
            {
                quoted = true;
                option.Append(c);
            }
            else if (c == ',')
            {
                AddOption(option, options);
            }
            else if (c is ' ' or '\t')
            {
                break;
            }
            else
            {
                option.Append(c);
            }
        }

        if (quoted)
        {
            throw new FormatException("an option has an unclosed '\"'");
        }

        AddOption(option, options);
        rest = rest[i..];
    }

    private static void AddOption(StringBuilder option, List<string> options)
    {
        if (option.Length == 0)
        {
            throw new FormatException("an option is empty (two commas, or a comma at the end)");
        }

        var text = option.ToString();
        var name = text.Split('=')[0];
        if (name.Length == 0 || !name.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new FormatException($"'{text}' is neither a key type nor an option");
        }

        options.Add(text);
        option.Clear();
    }

    private static void ValidateBlob(string keyType, ReadOnlySpan<byte> blob)
    {
        var reader = blob;
        var name = ReadString(ref reader, keyType, "key type");
        if (!name.SequenceEqual(Encoding.ASCII.GetBytes(keyType)))
        {
            throw new FormatException($"the key data says '{Encoding.ASCII.GetString(name)}', not '{keyType}'");
        }

        switch (keyType)
        {
            case "ssh-rsa":
                RequireNonEmpty(ReadString(ref reader, keyType, "public exponent"), keyType, "public exponent");
                RequireNonEmpty(ReadString(ref reader, keyType, "modulus"), keyType, "modulus");
                break;
            case "ssh-ed25519":
                if (ReadString(ref reader, keyType, "public key").Length != 32)
                {
                    throw new FormatException("the ssh-ed25519 public key is not 32 bytes");
                }

                break;
            default:
                var curve = keyType["ecdsa-sha2-".Length..];
                if (!ReadString(ref reader, keyType, "curve name").SequenceEqual(Encoding.ASCII.GetBytes(curve)))
                {
                    throw new FormatException($"the {keyType} key names another curve than {curve}");
                }

                var coordinate = curve switch { "nistp256" => 32, "nistp384" => 48, _ => 66 };
                var point = ReadString(ref reader, keyType, "public point");
                if (point.Length != 1 + (2 * coordinate) || point[0] != 4)
                {
                    throw new FormatException($"the {keyType} public point is not an uncompressed {1 + (2 * coordinate)}-byte point");
                }

                break;
        }

        if (!reader.IsEmpty)
        {
            throw new FormatException($"the {keyType} key data has {reader.Length} bytes too many");
        }
    }

    private static ReadOnlySpan<byte> ReadString(ref ReadOnlySpan<byte> reader, string keyType, string what)
    {
        if (reader.Length < 4)
        {
            throw new FormatException($"the {keyType} key data is cut short before its {what}");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(reader);
        if (length > (uint)(reader.Length - 4))
        {
            throw new FormatException($"the {keyType} key data is cut short in its {what}");
        }

        var value = reader.Slice(4, (int)length);
        reader = reader[(4 + (int)length)..];
        return value;
    }

    private static void RequireNonEmpty(ReadOnlySpan<byte> value, string keyType, string what)
    {
        if (value.IsEmpty)
        {
            throw new FormatException($"the {keyType} {what} is empty");
        }
    }
}
