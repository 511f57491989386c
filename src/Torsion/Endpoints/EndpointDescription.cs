using System.Globalization;
using System.Net;
using System.Text;

namespace Torsion.Endpoints;

/// <summary>
/// An endpoint string split as Twisted splits it: <c>type:arg:arg:key=value...</c>, a backslash escaping the next
/// character (<c>\:</c> is a colon inside a value). Reports each problem as an <see cref="EndpointSyntaxException"/>
/// with the accepted form of the type.
/// </summary>
internal sealed class EndpointDescription
{
    private static readonly string[] AddressKeys = ["interface", "bindAddress", "host"];

    private readonly Dictionary<string, string> _keywords;
    private readonly HashSet<string> _used = [];

    private EndpointDescription(string text, string type, string rest, List<string> positional, Dictionary<string, string> keywords)
    {
        Text = text;
        Type = type;
        Rest = rest;
        Positional = positional;
        _keywords = keywords;
    }

    public string Text { get; }

    public string Type { get; }

    /// <summary>Everything after the first unescaped colon, unparsed (for <c>proxy:</c>).</summary>
    public string Rest { get; }

    public List<string> Positional { get; }

    public string? Form { get; set; }

    public static EndpointDescription Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim().Length == 0)
        {
            throw new EndpointSyntaxException(text, text, "the endpoint string is empty", null);
        }

        var segments = Split(text, out var restStart);
        var type = segments[0].Value;
        var rest = restStart < 0 ? "" : text[restStart..];
        var positional = new List<string>();
        var keywords = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < segments.Count; i++)
        {
            var (segment, hasEquals) = segments[i];
            if (!hasEquals)
            {
                positional.Add(segment);
                continue;
            }

            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            var key = segment[..eq];
            var value = segment[(eq + 1)..];
            if (AddressKeys.Contains(key) && !IPAddress.TryParse(value, out _))
            {
                // An unescaped IPv6 literal (interface=::1) was split at its colons: take the longest run of
                // following plain segments that makes an address.
                var joined = value;
                var best = -1;
                for (var j = i + 1; j < segments.Count && !segments[j].HasKey; j++)
                {
                    joined += ":" + segments[j].Value;
                    if (IPAddress.TryParse(joined, out var parsed) && parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
                    {
                        best = j;
                        value = joined;
                    }
                }

                if (best > 0)
                {
                    i = best;
                }
            }

            if (key.Length == 0)
            {
                throw new EndpointSyntaxException(text, segment, $"the argument '{segment}' has no name before '='", null);
            }

            if (!keywords.TryAdd(key, value))
            {
                throw new EndpointSyntaxException(text, key, $"the option '{key}' is given twice", null);
            }
        }

        return new EndpointDescription(text, type, rest, positional, keywords);
    }

    /// <summary>Splits at unescaped colons, unescaping; remembers which segments had an unescaped '='.</summary>
    private static List<(string Value, bool HasKey)> Split(string text, out int restStart)
    {
        var segments = new List<(string Value, bool HasKey)>();
        var current = new StringBuilder();
        var hasKey = false;
        restStart = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\')
            {
                if (i + 1 == text.Length)
                {
                    throw new EndpointSyntaxException(text, "\\", "the string ends with a lone backslash (write \\\\ for a backslash, \\: for a colon)", null);
                }

                current.Append(text[++i]);
            }
            else if (c == ':')
            {
                segments.Add((current.ToString(), hasKey));
                current.Clear();
                hasKey = false;
                if (restStart < 0)
                {
                    restStart = i + 1;
                }
            }
            else
            {
                if (c == '=' && segments.Count > 0 && !hasKey)
                {
                    hasKey = true;
                }

                current.Append(c);
            }
        }

        segments.Add((current.ToString(), hasKey));
        return segments;
    }

    public EndpointSyntaxException Error(string part, string problem) => new(Text, part, problem, Form);

    /// <summary>The value of <paramref name="key"/>, or of positional argument <paramref name="position"/>, or null.</summary>
    public string? Get(string key, int position = -1)
    {
        _used.Add(key);
        var hasKey = _keywords.TryGetValue(key, out var value);
        var hasPositional = position >= 0 && position < Positional.Count;
        if (hasKey && hasPositional)
        {
            throw Error(key, $"'{key}' is given both as argument {position + 1} ('{Positional[position]}') and as {key}={value}");
        }

        return hasKey ? value : hasPositional ? Positional[position] : null;
    }

    public string Require(string key, int position, string what)
    {
        var value = Get(key, position);
        if (string.IsNullOrEmpty(value))
        {
            throw Error(key, $"{what} is missing");
        }

        return value;
    }

    public int Port(string key, int position, bool required = true, int fallback = 0)
    {
        var text = required ? Require(key, position, $"the port ({key})") : Get(key, position);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw Error(text, $"the port '{text}' is not a number from 0 to 65535");
        }

        return port;
    }

    public int Int(string key, int fallback, int min = 0)
    {
        var text = Get(key);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw Error($"{key}={text}", $"{key} must be a whole number of at least {min}, not '{text}'");
        }

        return value;
    }

    public TimeSpan? Seconds(string key)
    {
        var text = Get(key);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0 || seconds > 86400)
        {
            throw Error($"{key}={text}", $"{key} must be a positive number of seconds, not '{text}'");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    public string? Address(string key, bool ipv6Only = false)
    {
        var text = Get(key);
        if (text is null)
        {
            return null;
        }

        if (!IPAddress.TryParse(text, out var address) || (ipv6Only && address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6))
        {
            throw Error($"{key}={text}", $"{key} must be an {(ipv6Only ? "IPv6" : "IP")} literal (such as {(ipv6Only ? "::1" : "127.0.0.1 or ::1")}), not '{text}'");
        }

        return text;
    }

    public bool Flag(string key)
    {
        var text = Get(key);
        return text switch
        {
            null or "0" or "false" => false,
            "1" or "true" => true,
            _ => throw Error($"{key}={text}", $"{key} must be 0 or 1, not '{text}'"),
        };
    }

    /// <summary>Refuses arguments that were not read: extra positional ones and unknown keys.</summary>
    public void CheckAllUsed(int positionalCount)
    {
        if (Positional.Count > positionalCount)
        {
            var extra = Positional[positionalCount];
            throw Error(extra, $"the argument '{extra}' is not expected here");
        }

        foreach (var key in _keywords.Keys)
        {
            if (!_used.Contains(key))
            {
                throw Error(key, $"the option '{key}' is not known for {Type}");
            }
        }
    }
}
