using Torsion.Defer;

namespace Torsion.Application;

/// <summary>
/// Something that starts and stops with the application: a listening port, a timer, a client connection
/// (twisted.application.service.IService). Services form a tree under <see cref="MultiService"/>.
/// </summary>
public interface IService
{
    /// <summary>The name under which the parent finds it, or null; cannot change while it has a parent.</summary>
    string? Name { get; set; }

    /// <summary>The collection it belongs to, or null.</summary>
    MultiService? Parent { get; }

    /// <summary>True between <see cref="StartService"/> and <see cref="StopService"/>.</summary>
    bool Running { get; }

    /// <summary>Adds this service to <paramref name="parent"/> (leaving any earlier parent); started at once if the parent runs.</summary>
    void SetServiceParent(MultiService parent);

    /// <summary>Leaves the parent; fires when the service has stopped (at once if it was not running).</summary>
    Deferred<Unit> DisownServiceParent();

    /// <summary>Starts the service.</summary>
    void StartService();

    /// <summary>Stops the service; the Deferred fires when it has finished stopping (already fired when that is immediate).</summary>
    Deferred<Unit> StopService();
}
