using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Torsion.Protocols.Socks;

/// <summary>
/// An <see cref="ISocksAccessRule"/> made of address ranges with optional ports: a destination matching any deny entry
/// is refused; otherwise, if there are allow entries, it must match one; with none, everything not denied is allowed.
/// Entries are written <c>CIDR[:PORTS]</c>: <c>127.0.0.0/8</c>, <c>10.0.0.0/8:80,443</c>, <c>192.0.2.7:8000-8100</c>,
/// <c>::1/128:22</c>, <c>[2001:db8::1]:443</c>.
/// </summary>
public sealed class SocksAccessList : ISocksAccessRule
{
    private readonly List<Entry> _allow = [];
    private readonly List<Entry> _deny = [];

    /// <summary>How many allow entries there are.</summary>
    public int AllowCount => _allow.Count;

    /// <summary>How many deny entries there are.</summary>
    public int DenyCount => _deny.Count;

    /// <summary>Adds an allow entry written <c>CIDR[:PORTS]</c>.</summary>
    /// <exception cref="FormatException">The entry is malformed; the message names the bad part.</exception>
    public SocksAccessList Allow(string entry)
    {
        _allow.Add(Entry.Parse(entry));
        return this;
    }

    /// <summary>Adds a deny entry written <c>CIDR[:PORTS]</c>.</summary>
    /// <exception cref="FormatException">The entry is malformed; the message names the bad part.</exception>
    public SocksAccessList Deny(string entry)
    {
        _deny.Add(Entry.Parse(entry));
        return this;
    }

    /// <inheritdoc />
    public bool Allows(IPEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var address = destination.Address.IsIPv4MappedToIPv6 ? destination.Address.MapToIPv4() : destination.Address;
        if (_deny.Any(e => e.Matches(address, destination.Port)))
        {
            return false;
        }

        return _allow.Count == 0 || _allow.Any(e => e.Matches(address, destination.Port));
    }

    private sealed record Entry(IPNetwork Network, (int Low, int High)[]? Ports)
    {
        public bool Matches(IPAddress address, int port) =>
            Network.Contains(address) && (Ports is null || Ports.Any(p => port >= p.Low && port <= p.High));

        public static Entry Parse(string text)
        {
            ArgumentNullException.ThrowIfNull(text);
            string addressPart;
            string? portsPart = null;
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (text.StartsWith('['))
            {
                var close = text.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    throw new FormatException($"'{text}': '[' without ']'.");
                }

                addressPart = text[1..close];
                var rest = text[(close + 1)..];
                if (rest.Length > 0)
                {
                    portsPart = rest.StartsWith(':') ? rest[1..] : throw new FormatException($"'{text}': expected ':PORTS' after ']'.");
                }
            }
            else if (slash >= 0)
            {
                var colon = text.IndexOf(':', slash);
                addressPart = colon < 0 ? text : text[..colon];
                portsPart = colon < 0 ? null : text[(colon + 1)..];
            }
            else if (text.Count(c => c == ':') == 1)
            {
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                addressPart = text[..colon];
                portsPart = text[(colon + 1)..];
            }
            else
            {
                addressPart = text;
            }

            IPNetwork network;
            if (addressPart.Contains('/', StringComparison.Ordinal))
            {
                if (!IPNetwork.TryParse(addressPart, out network) || !network.BaseAddress.Equals(IPAddress.Parse(addressPart[..addressPart.IndexOf('/', StringComparison.Ordinal)])))
                {
                    throw new FormatException($"'{text}': '{addressPart}' is not a CIDR range such as 10.0.0.0/8 or ::1/128 (host bits must be zero).");
                }
            }
            else if (IPAddress.TryParse(addressPart, out var single))
            {
                network = new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            }
            else
            {
                throw new FormatException($"'{text}': '{addressPart}' is not an IP address or CIDR range.");
            }

            return new Entry(network, portsPart is null ? null : ParsePorts(text, portsPart));
        }

        private static (int Low, int High)[] ParsePorts(string text, string ports)
        {
            var result = new List<(int, int)>();
            foreach (var item in ports.Split(','))
            {
                var dash = item.IndexOf('-', StringComparison.Ordinal);
                var low = Port(text, dash < 0 ? item : item[..dash]);
                var high = dash < 0 ? low : Port(text, item[(dash + 1)..]);
                if (high < low)
                {
                    throw new FormatException($"'{text}': port range '{item}' ends before it starts.");
                }

                result.Add((low, high));
            }

            return [.. result];
        }

        private static int Port(string text, string value) =>
            int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
                ? port
                : throw new FormatException($"'{text}': '{value}' is not a port (0 to 65535).");
    }
}
