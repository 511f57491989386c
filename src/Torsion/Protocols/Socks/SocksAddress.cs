using System.Net;

namespace Torsion.Protocols.Socks;

/// <summary>
/// A SOCKS destination or bound address: an IP address or a host name (left for the proxy to resolve), and a port.
/// </summary>
public sealed record SocksAddress
{
    /// <summary>The longest host name the SOCKS5 wire format (and Torsion's SOCKS4a) carries: 255 bytes.</summary>
    public const int MaxHostNameLength = 255;

    /// <summary>An IP address and port.</summary>
    public SocksAddress(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        CheckPort(port);
        Address = address;
        Port = port;
    }

    /// <summary>A host name (sent as is, even if it looks like an IP literal) and port.</summary>
    /// <exception cref="ArgumentException">The name is empty, longer than 255 bytes or not printable ASCII.</exception>
    public SocksAddress(string hostName, int port)
    {
        ArgumentNullException.ThrowIfNull(hostName);
        CheckPort(port);
        if (hostName.Length is 0 or > MaxHostNameLength || hostName.Any(c => c is < '!' or > '~'))
        {
            throw new ArgumentException($"'{hostName}' is not a host name SOCKS can carry: 1 to {MaxHostNameLength} printable ASCII characters.", nameof(hostName));
        }

        HostName = hostName;
        Port = port;
    }

    /// <summary>The IP address, or null for a host name.</summary>
    public IPAddress? Address { get; }

    /// <summary>The host name, or null for an IP address.</summary>
    public string? HostName { get; }

    /// <summary>The port, 0 to 65535.</summary>
    public int Port { get; }

    /// <summary>An IP address from an <see cref="IPEndPoint"/>.</summary>
    public static SocksAddress From(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new SocksAddress(endPoint.Address, endPoint.Port);
    }

    /// <summary><paramref name="host"/> as an IP address when it is a literal, else as a host name.</summary>
    public static SocksAddress Parse(string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        return IPAddress.TryParse(host, out var address) ? new SocksAddress(address, port) : new SocksAddress(host, port);
    }

    /// <summary><c>host:port</c>, <c>1.2.3.4:port</c> or <c>[::1]:port</c>.</summary>
    public override string ToString() => Address is null ? $"{HostName}:{Port}" : new IPEndPoint(Address, Port).ToString();

    private static void CheckPort(int port)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
    }
}
