using Torsion.Protocols;
using Torsion.Transports.Unix;

namespace Torsion.Reactor;

/// <summary>
/// Unix-domain sockets: stream servers and clients, datagram sockets. A path that starts with '\0' is in Linux's
/// abstract namespace (no file is made), as in Twisted; any other path is a socket file.
/// </summary>
public interface IReactorUnix
{
    /// <summary>
    /// Listens on the socket file <paramref name="path"/> and builds a protocol with <paramref name="factory"/> for each
    /// connection. A stale socket file (nobody listens on it) is removed first; the file is removed again by StopListening.
    /// </summary>
    /// <param name="path">The socket file's path, or '\0' and a name for the abstract namespace.</param>
    /// <param name="factory">Builds one protocol per accepted connection.</param>
    /// <param name="backlog">The most connections the system queues before they are accepted.</param>
    /// <param name="mode">The socket file's permission bits (octal 0666 = 438 by default; 0660 = 432).</param>
    /// <param name="wantPid">Also hold the lock file <c>path + ".lock"</c> with this process id while listening; a lock held by a live process refuses the listen.</param>
    /// <exception cref="Torsion.Transports.CannotListenException">A server listens on the path already (the message names it), the path is another kind of file, or it cannot be bound.</exception>
    Torsion.Reactor.IListeningPort ListenUnix(string path, IProtocolFactory factory, int backlog = 50, int mode = 438, bool wantPid = false);

    /// <summary>Connects to the stream socket at <paramref name="path"/>; the factory hears of the outcome.</summary>
    /// <param name="path">The socket file's path, or '\0' and a name for the abstract namespace.</param>
    /// <param name="factory">Builds the protocol once connected.</param>
    /// <param name="timeout">How long connecting may take (default 30 s). A Unix connect completes or fails at once on Linux.</param>
    IConnector ConnectUnix(string path, ClientFactory factory, TimeSpan? timeout = null);

    /// <summary>Binds a Unix datagram socket at <paramref name="path"/> and delivers its datagrams to <paramref name="protocol"/>.</summary>
    /// <param name="path">The socket file's path, or '\0' and a name for the abstract namespace.</param>
    /// <param name="protocol">Receives the datagrams.</param>
    /// <param name="maxPacketSize">Longer datagrams are cut to this many bytes.</param>
    /// <param name="mode">The socket file's permission bits (octal 0666 = 438 by default).</param>
    /// <exception cref="Torsion.Transports.CannotListenException">A socket is bound there and alive, or the path cannot be bound.</exception>
    IUnixDatagramTransport ListenUnixDatagram(string path, DatagramProtocol protocol, int maxPacketSize = 8192, int mode = 438);

    /// <summary>
    /// Makes a Unix datagram socket connected to <paramref name="path"/>, bound to <paramref name="bindPath"/> when
    /// given (so that the peer can answer) and otherwise unnamed; write with <c>Write(datagram)</c>.
    /// </summary>
    /// <exception cref="Torsion.Transports.ConnectionRefusedException">Nothing is bound at <paramref name="path"/>.</exception>
    IUnixDatagramTransport ConnectUnixDatagram(string path, DatagramProtocol protocol, int maxPacketSize = 8192, int mode = 438, string? bindPath = null);
}
