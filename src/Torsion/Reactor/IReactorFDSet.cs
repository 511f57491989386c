namespace Torsion.Reactor;

/// <summary>
/// Watching file descriptors for readiness: the extension point on which every transport (TCP, UDP, Unix,
/// processes) is built. Level-triggered: a descriptor is told again while it stays ready.
/// </summary>
public interface IReactorFDSet
{
    /// <summary>Calls <see cref="IReadDescriptor.DoRead"/> whenever the descriptor is readable.</summary>
    void AddReader(IReadDescriptor reader);

    /// <summary>Calls <see cref="IWriteDescriptor.DoWrite"/> whenever the descriptor is writable.</summary>
    void AddWriter(IWriteDescriptor writer);

    /// <summary>Stops watching the descriptor for reading (no error if it was not watched).</summary>
    void RemoveReader(IReadDescriptor reader);

    /// <summary>Stops watching the descriptor for writing (no error if it was not watched).</summary>
    void RemoveWriter(IWriteDescriptor writer);

    /// <summary>Stops watching every descriptor and returns the readers and writers that were watched.</summary>
    IReadOnlyList<IDescriptor> RemoveAll();

    /// <summary>The descriptors watched for reading.</summary>
    IReadOnlyList<IReadDescriptor> GetReaders();

    /// <summary>The descriptors watched for writing.</summary>
    IReadOnlyList<IWriteDescriptor> GetWriters();
}
