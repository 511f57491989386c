using System.Net;
using System.Text;

namespace Torsion.Protocols.Wire;

/// <summary>RFC 865 Quote of the Day over UDP: answers each datagram with a quote (UTF-8, CRLF added if missing).</summary>
public sealed class QotdDatagramProtocol : DatagramProtocol
{
    private readonly Func<string> _quote;

    /// <summary>Answers with <see cref="QotdProtocol.DefaultQuote"/>.</summary>
    public QotdDatagramProtocol()
        : this(static () => QotdProtocol.DefaultQuote)
    {
    }

    /// <summary>Answers with the quote <paramref name="quote"/> returns for each datagram.</summary>
    public QotdDatagramProtocol(Func<string> quote)
    {
        ArgumentNullException.ThrowIfNull(quote);
        _quote = quote;
    }

    /// <inheritdoc />
    public override void DatagramReceived(ReadOnlySpan<byte> datagram, EndPoint from)
    {
        var quote = _quote();
        Transport.Write(Encoding.UTF8.GetBytes(quote.EndsWith("\r\n", StringComparison.Ordinal) ? quote : quote + "\r\n"), from);
    }
}
