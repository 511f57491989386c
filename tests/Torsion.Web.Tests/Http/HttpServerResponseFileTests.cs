using Torsion.Web.Http;

namespace Torsion.Web.Tests.Http;

/// <summary>HttpServerResponse.TryWriteFile where the connection cannot send files, and the head buffer's size.</summary>
public sealed class HttpServerResponseFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"torsion-response-{Guid.NewGuid():n}.bin");

    public HttpServerResponseFileTests() => System.IO.File.WriteAllBytes(_path, new byte[100_000]);

    public void Dispose() => System.IO.File.Delete(_path);

    [Fact]
    public void On_a_transport_without_file_regions_TryWriteFile_is_false_and_sends_nothing_so_the_caller_writes()
    {
        bool? can = null;
        bool? wrote = null;
        var s = new ServerHarness((_, response) =>
        {
            using var file = System.IO.File.OpenHandle(_path);
            can = response.CanWriteFile;
            wrote = response.TryWriteFile(file, 0, 100_000);
            response.Write("fallback"u8);
            response.Finish();
        });

        s.Send("GET /f HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.False(can);
        Assert.False(wrote);
        Assert.EndsWith("Content-Length: 8\r\n\r\nfallback", s.Output());
    }

    [Fact]
    public void TryWriteFile_after_Finish_is_refused()
    {
        Exception? error = null;
        var s = new ServerHarness((_, response) =>
        {
            response.Finish();
            using var file = System.IO.File.OpenHandle(_path);
            error = Record.Exception(() => response.TryWriteFile(file, 0, 1));
        });

        s.Send("GET /f HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Contains("finished", Assert.IsType<InvalidOperationException>(error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryWriteFile_with_a_negative_offset_is_refused()
    {
        Exception? error = null;
        var s = new ServerHarness((_, response) =>
        {
            using var file = System.IO.File.OpenHandle(_path);
            error = Record.Exception(() => response.TryWriteFile(file, -1, 1));
            response.Finish();
        });

        s.Send("GET /f HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal("offset", Assert.IsType<ArgumentOutOfRangeException>(error).ParamName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(300)]
    [InlineData(1000)]
    public void A_closing_response_whose_head_and_body_fill_the_buffer_exactly_is_sent(int bodyLength)
    {
        // The head buffer once lacked room for Content-Length and Connection: close together ("Destination is too short").
        var body = new string('x', bodyLength);
        var s = new ServerHarness((_, response) =>
        {
            response.AddHeader("Content-Type", "application/octet-stream");
            response.Write(body);
            response.Finish();
        });

        s.Send("GET /f HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        var output = s.Output();
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", output);
        Assert.Contains("Connection: close\r\n", output);
        Assert.EndsWith("\r\n\r\n" + body, output);
    }
}
