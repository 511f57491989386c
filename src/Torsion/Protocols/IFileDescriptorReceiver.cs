namespace Torsion.Protocols;

/// <summary>
/// A protocol on a Unix stream connection that accepts file descriptors sent by its peer (SCM_RIGHTS). Protocols that
/// do not implement it never get descriptors: the system closes any that arrive.
/// </summary>
public interface IFileDescriptorReceiver
{
    /// <summary>
    /// A descriptor arrived (close-on-exec set); it is told before the bytes it came with are given to
    /// <c>DataReceived</c>. The protocol owns it and must close it.
    /// </summary>
    void FileDescriptorReceived(int fd);
}
