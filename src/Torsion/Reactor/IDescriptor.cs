namespace Torsion.Reactor;

/// <summary>Something the reactor watches: an open file descriptor (socket, pipe, eventfd...).</summary>
public interface IDescriptor
{
    /// <summary>The operating system's descriptor number; -1 once closed.</summary>
    int FileDescriptor { get; }

    /// <summary>
    /// The reactor dropped this descriptor: <see cref="IReadDescriptor.DoRead"/> or <see cref="IWriteDescriptor.DoWrite"/>
    /// returned a reason or threw (the exception is the reason). The descriptor closes itself.
    /// </summary>
    void ConnectionLost(Exception reason);
}
