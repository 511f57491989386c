using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Torsion.Cred;

namespace Torsion.Protocols.Socks;

/// <summary>
/// The SOCKS wire formats, pure bytes in and out: SOCKS4 and SOCKS4a (the de facto specs "SOCKS: A protocol for
/// TCP proxy across firewalls" and "SOCKS 4A"), SOCKS5 (RFC 1928) and its username/password sub-negotiation
/// (RFC 1929). A <c>TryParse</c> method returns false while the bytes are incomplete and throws
/// <see cref="SocksProtocolException"/> (naming the field) when they are malformed or out of limits.
/// </summary>
public static class SocksCodec
{
    /// <summary>The longest SOCKS4 USERID accepted, without its NUL: 255 bytes.</summary>
    public const int MaxUserIdLength = 255;

    /// <summary>The longest RFC 1929 username or password: 255 bytes (a one-byte length).</summary>
    public const int MaxCredentialLength = 255;

    private const byte AtypIPv4 = 1;
    private const byte AtypDomain = 3;
    private const byte AtypIPv6 = 4;

    /// <summary>Parses a SOCKS4 or SOCKS4a request.</summary>
    /// <exception cref="SocksProtocolException">VN is not 4, CD is not 1 or 2, USERID or the 4a host name is too long, or the host name is empty or not printable ASCII.</exception>
    public static bool TryParseSocks4Request(ReadOnlySpan<byte> data, [NotNullWhen(true)] out Socks4Request? request, out int consumed)
    {
        request = null;
        consumed = 0;
        if (data.Length == 0)
        {
            return false;
        }

        if (data[0] != 4)
        {
            throw new SocksProtocolException($"SOCKS4 request: version byte is {data[0]}, not 4.");
        }

        if (data.Length < 2)
        {
            return false;
        }

        var command = data[1] switch
        {
            1 => SocksCommand.Connect,
            2 => SocksCommand.Bind,
            _ => throw new SocksProtocolException($"SOCKS4 request: command {data[1]} is neither CONNECT (1) nor BIND (2).", Socks5ReplyCode.CommandNotSupported),
        };
        if (data.Length < 9)
        {
            return false;
        }

        var port = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        var ip = data.Slice(4, 4);
        if (!TryReadNulTerminated(data[8..], MaxUserIdLength, "SOCKS4 request: USERID", out var userId, out var userIdLength))
        {
            return false;
        }

        var end = 8 + userIdLength + 1;
        SocksAddress destination;
        if (ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0)
        {
            // SOCKS4a: 0.0.0.x (x != 0) means "the host name follows the USERID".
            if (!TryReadNulTerminated(data[end..], SocksAddress.MaxHostNameLength, "SOCKS4a request: host name", out var hostBytes, out var hostLength))
            {
                return false;
            }

            destination = new SocksAddress(DecodeHostName(hostBytes, "SOCKS4a request"), port);
            end += hostLength + 1;
        }
        else
        {
            destination = new SocksAddress(new IPAddress(ip), port);
        }

        request = new Socks4Request(command, destination, Encoding.UTF8.GetString(userId));
        consumed = end;
        return true;
    }

    /// <summary>Formats a SOCKS4 request, or a SOCKS4a request when the destination is a host name.</summary>
    /// <exception cref="ArgumentException">The destination is IPv6, the command is UDP ASSOCIATE, or USERID is too long or contains NUL.</exception>
    public static byte[] FormatSocks4Request(Socks4Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Command is not (SocksCommand.Connect or SocksCommand.Bind))
        {
            throw new ArgumentException($"SOCKS4 has no {request.Command} command.", nameof(request));
        }

        var userId = Encoding.UTF8.GetBytes(request.UserId);
        if (userId.Length > MaxUserIdLength || userId.Contains((byte)0))
        {
            throw new ArgumentException($"A SOCKS4 USERID is at most {MaxUserIdLength} bytes without NUL.", nameof(request));
        }

        var destination = request.Destination;
        var host = destination.HostName is null ? null : Encoding.ASCII.GetBytes(destination.HostName);
        if (destination.Address is { AddressFamily: not AddressFamily.InterNetwork })
        {
            throw new ArgumentException($"SOCKS4 carries IPv4 destinations only, not {destination.Address}; use SOCKS5.", nameof(request));
        }

        var bytes = new byte[8 + userId.Length + 1 + (host is null ? 0 : host.Length + 1)];
        bytes[0] = 4;
        bytes[1] = (byte)request.Command;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)destination.Port);
        if (destination.Address is { } address)
        {
            address.TryWriteBytes(bytes.AsSpan(4, 4), out _);
        }
        else
        {
            bytes[7] = 1; // 0.0.0.1: SOCKS4a
        }

        userId.CopyTo(bytes, 8);
        host?.CopyTo(bytes, 8 + userId.Length + 1);
        return bytes;
    }

    /// <summary>Parses a SOCKS4 reply (always 8 bytes).</summary>
    /// <exception cref="SocksProtocolException">VN is not 0.</exception>
    public static bool TryParseSocks4Reply(ReadOnlySpan<byte> data, [NotNullWhen(true)] out Socks4Reply? reply)
    {
        reply = null;
        if (data.Length > 0 && data[0] != 0)
        {
            throw new SocksProtocolException($"SOCKS4 reply: version byte is {data[0]}, not 0.");
        }

        if (data.Length < 8)
        {
            return false;
        }

        reply = new Socks4Reply((Socks4ReplyCode)data[1], new IPEndPoint(new IPAddress(data.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(data[2..])));
        return true;
    }

    /// <summary>Formats a SOCKS4 reply; <paramref name="bound"/> is written when it is IPv4, else zeros.</summary>
    public static byte[] FormatSocks4Reply(Socks4ReplyCode code, IPEndPoint? bound = null)
    {
        var bytes = new byte[8];
        bytes[1] = (byte)code;
        var address = bound?.Address is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : bound?.Address;
        if (bound is not null && address is { AddressFamily: AddressFamily.InterNetwork })
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)bound.Port);
            address.TryWriteBytes(bytes.AsSpan(4, 4), out _);
        }

        return bytes;
    }

    /// <summary>Parses a SOCKS5 greeting (VER=5, NMETHODS, METHODS) into the offered methods.</summary>
    /// <exception cref="SocksProtocolException">VER is not 5, or NMETHODS is 0.</exception>
    public static bool TryParseSocks5Greeting(ReadOnlySpan<byte> data, [NotNullWhen(true)] out byte[]? methods, out int consumed)
    {
        methods = null;
        consumed = 0;
        if (data.Length == 0)
        {
            return false;
        }

        if (data[0] != 5)
        {
            throw new SocksProtocolException($"SOCKS5 greeting: version byte is {data[0]}, not 5.");
        }

        if (data.Length < 2)
        {
            return false;
        }

        if (data[1] == 0)
        {
            throw new SocksProtocolException("SOCKS5 greeting: NMETHODS is 0 (no authentication method offered).");
        }

        if (data.Length < 2 + data[1])
        {
            return false;
        }

        methods = data.Slice(2, data[1]).ToArray();
        consumed = 2 + data[1];
        return true;
    }

    /// <summary>Formats a SOCKS5 greeting offering <paramref name="methods"/> (1 to 255 of them).</summary>
    public static byte[] FormatSocks5Greeting(params ReadOnlySpan<Socks5AuthMethod> methods)
    {
        if (methods.Length is 0 or > 255)
        {
            throw new ArgumentException("A SOCKS5 greeting offers 1 to 255 methods.", nameof(methods));
        }

        var bytes = new byte[2 + methods.Length];
        bytes[0] = 5;
        bytes[1] = (byte)methods.Length;
        for (var i = 0; i < methods.Length; i++)
        {
            bytes[2 + i] = (byte)methods[i];
        }

        return bytes;
    }

    /// <summary>Formats the server's method selection (VER=5, METHOD).</summary>
    public static byte[] FormatSocks5MethodSelection(Socks5AuthMethod method) => [5, (byte)method];

    /// <summary>Parses the server's method selection (2 bytes).</summary>
    /// <exception cref="SocksProtocolException">VER is not 5.</exception>
    public static bool TryParseSocks5MethodSelection(ReadOnlySpan<byte> data, out Socks5AuthMethod method)
    {
        method = Socks5AuthMethod.NoAcceptableMethods;
        if (data.Length > 0 && data[0] != 5)
        {
            throw new SocksProtocolException($"SOCKS5 method selection: version byte is {data[0]}, not 5.");
        }

        if (data.Length < 2)
        {
            return false;
        }

        method = (Socks5AuthMethod)data[1];
        return true;
    }

    /// <summary>Parses a SOCKS5 request. RSV is ignored.</summary>
    /// <exception cref="SocksProtocolException">
    /// VER is not 5; CMD is unknown (<see cref="Socks5ReplyCode.CommandNotSupported"/>); ATYP is unknown
    /// (<see cref="Socks5ReplyCode.AddressTypeNotSupported"/>); the domain name is empty or not printable ASCII.
    /// </exception>
    public static bool TryParseSocks5Request(ReadOnlySpan<byte> data, [NotNullWhen(true)] out Socks5Request? request, out int consumed)
    {
        request = null;
        consumed = 0;
        if (data.Length == 0)
        {
            return false;
        }

        if (data[0] != 5)
        {
            throw new SocksProtocolException($"SOCKS5 request: version byte is {data[0]}, not 5.");
        }

        if (data.Length < 2)
        {
            return false;
        }

        if (data[1] is < 1 or > 3)
        {
            throw new SocksProtocolException($"SOCKS5 request: command {data[1]} is not CONNECT (1), BIND (2) or UDP ASSOCIATE (3).", Socks5ReplyCode.CommandNotSupported);
        }

        if (data.Length < 4 || !TryReadAddress(data[3..], "SOCKS5 request", out var destination, out var length))
        {
            return false;
        }

        request = new Socks5Request((SocksCommand)data[1], destination);
        consumed = 3 + length;
        return true;
    }

    /// <summary>Formats a SOCKS5 request.</summary>
    public static byte[] FormatSocks5Request(Socks5Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WithAddress([5, (byte)request.Command, 0], request.Destination, []);
    }

    /// <summary>Parses a SOCKS5 reply.</summary>
    /// <exception cref="SocksProtocolException">VER is not 5, ATYP is unknown, or the bound domain name is malformed.</exception>
    public static bool TryParseSocks5Reply(ReadOnlySpan<byte> data, [NotNullWhen(true)] out Socks5Reply? reply, out int consumed)
    {
        reply = null;
        consumed = 0;
        if (data.Length == 0)
        {
            return false;
        }

        if (data[0] != 5)
        {
            throw new SocksProtocolException($"SOCKS5 reply: version byte is {data[0]}, not 5.");
        }

        if (data.Length < 3 || !TryReadAddress(data[3..], "SOCKS5 reply", out var bound, out var length))
        {
            return false;
        }

        reply = new Socks5Reply((Socks5ReplyCode)data[1], bound);
        consumed = 3 + length;
        return true;
    }

    /// <summary>Formats a SOCKS5 reply; a null <paramref name="bound"/> is written as 0.0.0.0:0.</summary>
    public static byte[] FormatSocks5Reply(Socks5ReplyCode code, SocksAddress? bound = null) =>
        WithAddress([5, (byte)code, 0], bound ?? new SocksAddress(IPAddress.Any, 0), []);

    /// <summary>
    /// Parses an RFC 1929 username/password request (VER=1, ULEN, UNAME, PLEN, PASSWD), both decoded as UTF-8.
    /// An empty password is accepted (RFC 1929 asks for 1 to 255 bytes; curl sends 0 for <c>user:</c>).
    /// </summary>
    /// <exception cref="SocksProtocolException">VER is not 1, or ULEN is 0.</exception>
    public static bool TryParseUsernamePassword(ReadOnlySpan<byte> data, [NotNullWhen(true)] out UsernamePassword? credentials, out int consumed)
    {
        credentials = null;
        consumed = 0;
        if (data.Length == 0)
        {
            return false;
        }

        if (data[0] != 1)
        {
            throw new SocksProtocolException($"SOCKS5 username/password request: version byte is {data[0]}, not 1.");
        }

        if (data.Length < 2)
        {
            return false;
        }

        var userLength = data[1];
        if (userLength == 0)
        {
            throw new SocksProtocolException("SOCKS5 username/password request: ULEN is 0 (empty username).");
        }

        if (data.Length < 2 + userLength + 1)
        {
            return false;
        }

        var passwordLength = data[2 + userLength];
        var total = 3 + userLength + passwordLength;
        if (data.Length < total)
        {
            return false;
        }

        credentials = new UsernamePassword(Encoding.UTF8.GetString(data.Slice(2, userLength)), Encoding.UTF8.GetString(data.Slice(3 + userLength, passwordLength)));
        consumed = total;
        return true;
    }

    /// <summary>Formats an RFC 1929 username/password request.</summary>
    /// <exception cref="ArgumentException">The username is empty, or either is longer than 255 UTF-8 bytes.</exception>
    public static byte[] FormatUsernamePassword(string username, string password)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(password);
        var user = Encoding.UTF8.GetBytes(username);
        var pass = Encoding.UTF8.GetBytes(password);
        if (user.Length is 0 or > MaxCredentialLength || pass.Length > MaxCredentialLength)
        {
            throw new ArgumentException($"An RFC 1929 username is 1 to {MaxCredentialLength} bytes and a password at most {MaxCredentialLength} bytes (UTF-8).");
        }

        var bytes = new byte[3 + user.Length + pass.Length];
        bytes[0] = 1;
        bytes[1] = (byte)user.Length;
        user.CopyTo(bytes, 2);
        bytes[2 + user.Length] = (byte)pass.Length;
        pass.CopyTo(bytes, 3 + user.Length);
        return bytes;
    }

    /// <summary>Formats the RFC 1929 reply: VER=1, STATUS 0 (success) or 1 (failure).</summary>
    public static byte[] FormatUsernamePasswordReply(bool success) => [1, success ? (byte)0 : (byte)1];

    /// <summary>Parses the RFC 1929 reply (2 bytes); <paramref name="success"/> is STATUS == 0.</summary>
    /// <exception cref="SocksProtocolException">VER is not 1.</exception>
    public static bool TryParseUsernamePasswordReply(ReadOnlySpan<byte> data, out bool success)
    {
        success = false;
        if (data.Length > 0 && data[0] != 1)
        {
            throw new SocksProtocolException($"SOCKS5 username/password reply: version byte is {data[0]}, not 1.");
        }

        if (data.Length < 2)
        {
            return false;
        }

        success = data[1] == 0;
        return true;
    }

    /// <summary>Parses the header of a SOCKS5 UDP datagram; the payload starts at <see cref="Socks5UdpHeader.Length"/>. RSV is ignored.</summary>
    /// <exception cref="SocksProtocolException">The datagram is shorter than its header, ATYP is unknown, or the domain name is malformed.</exception>
    public static Socks5UdpHeader ParseSocks5UdpHeader(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < 4 || !TryReadAddress(datagram[3..], "SOCKS5 UDP header", out var destination, out var length))
        {
            throw new SocksProtocolException($"SOCKS5 UDP header: the datagram ({datagram.Length} bytes) is shorter than its header.");
        }

        return new Socks5UdpHeader(datagram[2], destination, 3 + length);
    }

    /// <summary>Formats a SOCKS5 UDP datagram: the header for <paramref name="address"/>, then <paramref name="payload"/>.</summary>
    public static byte[] FormatSocks5UdpDatagram(SocksAddress address, ReadOnlySpan<byte> payload, byte fragment = 0)
    {
        ArgumentNullException.ThrowIfNull(address);
        return WithAddress([0, 0, fragment], address, payload);
    }

    private static byte[] WithAddress(ReadOnlySpan<byte> prefix, SocksAddress address, ReadOnlySpan<byte> payload)
    {
        var ip = address.Address is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : address.Address;
        var host = address.HostName is null ? null : Encoding.ASCII.GetBytes(address.HostName);
        var addressLength = host is not null ? 1 + host.Length : ip!.AddressFamily == AddressFamily.InterNetwork ? 4 : 16;
        var bytes = new byte[prefix.Length + 1 + addressLength + 2 + payload.Length];
        prefix.CopyTo(bytes);
        var at = prefix.Length;
        if (host is not null)
        {
            bytes[at++] = AtypDomain;
            bytes[at++] = (byte)host.Length;
            host.CopyTo(bytes, at);
        }
        else
        {
            bytes[at++] = ip!.AddressFamily == AddressFamily.InterNetwork ? AtypIPv4 : AtypIPv6;
            ip.TryWriteBytes(bytes.AsSpan(at), out _);
        }

        at = prefix.Length + 1 + addressLength;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), (ushort)address.Port);
        payload.CopyTo(bytes.AsSpan(at + 2));
        return bytes;
    }

    /// <summary>Reads ATYP, the address and the port; <paramref name="length"/> counts all three.</summary>
    private static bool TryReadAddress(ReadOnlySpan<byte> data, string what, [NotNullWhen(true)] out SocksAddress? address, out int length)
    {
        address = null;
        length = 0;
        if (data.Length == 0)
        {
            return false;
        }

        switch (data[0])
        {
            case AtypIPv4:
                if (data.Length < 1 + 4 + 2)
                {
                    return false;
                }

                address = new SocksAddress(new IPAddress(data.Slice(1, 4)), BinaryPrimitives.ReadUInt16BigEndian(data[5..]));
                length = 7;
                return true;

            case AtypIPv6:
                if (data.Length < 1 + 16 + 2)
                {
                    return false;
                }

                address = new SocksAddress(new IPAddress(data.Slice(1, 16)), BinaryPrimitives.ReadUInt16BigEndian(data[17..]));
                length = 19;
                return true;

            case AtypDomain:
                if (data.Length < 2)
                {
                    return false;
                }

                var nameLength = data[1];
                if (nameLength == 0)
                {
                    throw new SocksProtocolException($"{what}: the domain name is empty.");
                }

                if (data.Length < 2 + nameLength + 2)
                {
                    return false;
                }

                address = new SocksAddress(DecodeHostName(data.Slice(2, nameLength), what), BinaryPrimitives.ReadUInt16BigEndian(data[(2 + nameLength)..]));
                length = 2 + nameLength + 2;
                return true;

            default:
                throw new SocksProtocolException($"{what}: address type {data[0]} is not IPv4 (1), DOMAINNAME (3) or IPv6 (4).", Socks5ReplyCode.AddressTypeNotSupported);
        }
    }

    private static string DecodeHostName(ReadOnlySpan<byte> name, string what)
    {
        if (name.Length == 0)
        {
            throw new SocksProtocolException($"{what}: the host name is empty.");
        }

        foreach (var b in name)
        {
            if (b is < (byte)'!' or > (byte)'~')
            {
                throw new SocksProtocolException($"{what}: the host name contains byte 0x{b:X2}; only printable ASCII is accepted (IDNs go as punycode).");
            }
        }

        return Encoding.ASCII.GetString(name);
    }

    private static bool TryReadNulTerminated(ReadOnlySpan<byte> data, int maxLength, string what, out ReadOnlySpan<byte> value, out int length)
    {
        var nul = data.IndexOf((byte)0);
        if (nul < 0)
        {
            if (data.Length > maxLength)
            {
                throw new SocksProtocolException($"{what} is longer than {maxLength} bytes.");
            }

            value = default;
            length = 0;
            return false;
        }

        if (nul > maxLength)
        {
            throw new SocksProtocolException($"{what} is longer than {maxLength} bytes.");
        }

        value = data[..nul];
        length = nul;
        return true;
    }
}
