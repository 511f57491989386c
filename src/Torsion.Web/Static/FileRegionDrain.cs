using Torsion.Defer;
using Torsion.Transports;
using Torsion.Web.Server;

namespace Torsion.Web.Static;

/// <summary>
/// Finishes a request whose body was queued as a file region once the connection has sent all but a low water mark
/// of it, as a FileSender would: until then the connection serves no further (pipelined) request, so a client that
/// does not read cannot make the server queue region after region and hold a file open for each.
/// </summary>
internal sealed class FileRegionDrain : IPushProducer
{
    private readonly Request _request;
    private Deferred<Unit>? _done;
    private bool _paused;
    private bool _ended;

    private FileRegionDrain(Request request) => _request = request;

    /// <summary>What the resource returns: empty when the region is (nearly) sent already, else a Deferred fired when it is.</summary>
    public static RenderResult WhenSent(Request request)
    {
        var drain = new FileRegionDrain(request);
        request.RegisterProducer(drain, streaming: true);
        if (!drain._paused && !drain._ended)
        {
            // The socket took (nearly) everything at once: the usual case for files that fit its buffer.
            drain._ended = true;
            request.UnregisterProducer();
            return RenderResult.Empty;
        }

        // Made only now: the usual case above allocates nothing more than this object.
        return drain._done ??= new Deferred<Unit>();
    }

    public void PauseProducing() => _paused = true;

    public void ResumeProducing()
    {
        _paused = false;
        if (_ended)
        {
            return;
        }

        _ended = true;
        _request.UnregisterProducer();
        (_done ??= new Deferred<Unit>()).Callback(Unit.Value);
    }

    public void StopProducing()
    {
        if (!_ended)
        {
            _ended = true;
            (_done ??= new Deferred<Unit>()).Errback(new ConnectionLostException("The connection ended before the file was sent."));
        }
    }
}
