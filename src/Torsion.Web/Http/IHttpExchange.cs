using Torsion.Transports;

namespace Torsion.Web.Http;

/// <summary>
/// What <see cref="HttpServerRequest"/> and <see cref="HttpServerResponse"/> need from the protocol that carries one
/// request: an HTTP/1.1 connection, or one HTTP/2 stream.
/// </summary>
internal interface IHttpExchange
{
    ITransport Transport { get; }

    ReadOnlySpan<byte> Date { get; }

    bool CanKeepAlive();

    void StartBody(IHttpBodyReceiver receiver);

    void PauseBody();

    void ResumeBody();

    void ResponseFinished(HttpServerResponse response);
}
