namespace Torsion.Transports.Unix;

/// <summary>A Unix stream connection: a transport that also passes file descriptors and knows its peer's credentials.</summary>
public interface IUnixTransport : ITransport, IHalfCloseable
{
    /// <summary>
    /// Sends a copy of <paramref name="fd"/> (SCM_RIGHTS) along with the next bytes written; the caller may close its own
    /// descriptor at once. The peer's protocol hears of it through <c>IFileDescriptorReceiver</c>. At least one byte must
    /// be written after this call for the descriptor to go out; descriptors still unsent when the connection closes are closed.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="fd"/> is not an open descriptor.</exception>
    /// <exception cref="InvalidOperationException">253 descriptors wait to be sent already (Linux's limit per message).</exception>
    void SendFileDescriptor(int fd);

    /// <summary>The process id, user id and group id of the peer when it connected (SO_PEERCRED).</summary>
    UnixCredentials PeerCredentials { get; }
}
