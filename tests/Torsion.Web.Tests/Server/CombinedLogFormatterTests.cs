using Torsion.Web.Http;
using Torsion.Web.Server;
using Torsion.Web.Tests.Http;

namespace Torsion.Web.Tests.Server;

public sealed class CombinedLogFormatterTests
{
    [Fact]
    public void Each_request_is_logged_in_the_combined_format()
    {
        var log = new StringWriter();
        var options = new HttpServerOptions { TimeProvider = new FixedTime(FixedTime.Moment), AccessLog = new CombinedLogFormatter(log, new FixedTime(FixedTime.Moment)) };
        var s = new ServerHarness(ServerHarness.Hello, options);
        s.Send("GET /plaintext?x=1 HTTP/1.1\r\nHost: a\r\nReferer: http://r/\r\nUser-Agent: curl/8 \"quoted\"\r\n\r\nHEAD / HTTP/1.0\r\n\r\n");
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("127.0.0.1 - - [25/Nov/2026:12:00:00 +0000] \"GET /plaintext?x=1 HTTP/1.1\" 200 13 \"http://r/\" \"curl/8 \\\"quoted\\\"\"", lines[0].TrimEnd('\r'));
        Assert.Equal("127.0.0.1 - - [25/Nov/2026:12:00:00 +0000] \"HEAD / HTTP/1.0\" 200 - \"-\" \"-\"", lines[1].TrimEnd('\r'));
    }
}
