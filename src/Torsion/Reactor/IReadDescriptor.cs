namespace Torsion.Reactor;

/// <summary>A descriptor that reads when readable.</summary>
public interface IReadDescriptor : IDescriptor
{
    /// <summary>
    /// The descriptor is readable (or at end of file, or in error). Returns null to go on, or the reason to
    /// disconnect: the reactor then stops watching it and calls <see cref="IDescriptor.ConnectionLost"/>.
    /// </summary>
    Exception? DoRead();
}
