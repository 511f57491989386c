using System.Globalization;
using System.Text;

namespace Torsion.Protocols.Wire;

/// <summary>
/// RFC 867 Daytime over TCP: on connect, sends the current UTC date and time as one ASCII line, in the RFC's
/// suggested form (<c>Wednesday, November 25, 2026 22:54:04-UTC</c>), then closes.
/// </summary>
public sealed class DaytimeProtocol : Protocol
{
    private readonly TimeProvider _time;

    /// <summary>Creates the protocol; <paramref name="time"/> gives wall-clock time (<see cref="TimeProvider.System"/> in production).</summary>
    public DaytimeProtocol(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    /// <summary>Formats <paramref name="now"/> as the Daytime line, CRLF included.</summary>
    public static string Format(DateTimeOffset now) =>
        now.UtcDateTime.ToString("dddd, MMMM d, yyyy HH:mm:ss", CultureInfo.InvariantCulture) + "-UTC\r\n";

    /// <inheritdoc />
    public override void ConnectionMade()
    {
        Transport.Write(Encoding.ASCII.GetBytes(Format(_time.GetUtcNow())));
        Transport.LoseConnection();
    }
}
