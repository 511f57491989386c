namespace Torsion.Reactor;

/// <summary>A descriptor that writes when writable.</summary>
public interface IWriteDescriptor : IDescriptor
{
    /// <summary>
    /// The descriptor is writable (or in error). Returns null to go on, or the reason to disconnect: the reactor
    /// then stops watching it and calls <see cref="IDescriptor.ConnectionLost"/>.
    /// </summary>
    Exception? DoWrite();
}
