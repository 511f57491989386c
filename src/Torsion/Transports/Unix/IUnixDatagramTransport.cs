namespace Torsion.Transports.Unix;

/// <summary>A Unix datagram socket (SOCK_DGRAM): datagrams to socket paths, or connected to one.</summary>
public interface IUnixDatagramTransport : IDatagramTransport
{
    /// <summary>Connects the socket to the datagram socket at <paramref name="path"/>; then write with <c>Write(datagram)</c>.</summary>
    /// <exception cref="ConnectionRefusedException">Nothing is bound at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidOperationException">The socket is connected already or stopped.</exception>
    void Connect(string path);
}
