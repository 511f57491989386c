using System.Text;

namespace Torsion.Protocols.Wire;

/// <summary>
/// RFC 865 Quote of the Day over TCP: on connect, sends a quote and closes. The RFC asks for printable ASCII,
/// spaces, CR and LF, and at most 512 characters; the quote is sent as given (UTF-8), with CRLF added if missing.
/// </summary>
public sealed class QotdProtocol : Protocol
{
    /// <summary>The quote used when none is given (Twisted's).</summary>
    public const string DefaultQuote = "An apple a day keeps the doctor away.";

    private readonly Func<string> _quote;

    /// <summary>Sends <see cref="DefaultQuote"/>.</summary>
    public QotdProtocol()
        : this(static () => DefaultQuote)
    {
    }

    /// <summary>Sends the quote <paramref name="quote"/> returns for each connection.</summary>
    public QotdProtocol(Func<string> quote)
    {
        ArgumentNullException.ThrowIfNull(quote);
        _quote = quote;
    }

    /// <inheritdoc />
    public override void ConnectionMade()
    {
        var quote = _quote();
        Transport.Write(Encoding.UTF8.GetBytes(quote.EndsWith("\r\n", StringComparison.Ordinal) ? quote : quote + "\r\n"));
        Transport.LoseConnection();
    }
}
