using Torsion.Defer;

namespace Torsion.Application;

/// <summary>
/// A service made of services (twisted.application.service.MultiService): children start in the order they were
/// added and stop in reverse; <see cref="StopService"/> fires once every child has finished stopping.
/// </summary>
public class MultiService : Service
{
    private readonly List<IService> _services = [];
    private readonly Dictionary<string, IService> _named = new(StringComparer.Ordinal);

    /// <summary>The children, in start order.</summary>
    public IReadOnlyList<IService> Services => _services;

    /// <summary>The child named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No child has that name.</exception>
    public IService GetServiceNamed(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _named.TryGetValue(name, out var service)
            ? service
            : throw new KeyNotFoundException($"{this} has no service named '{name}'.");
    }

    /// <summary>Starts this service, then each child in order.</summary>
    public override void StartService()
    {
        base.StartService();
        foreach (var service in _services.ToArray())
        {
            service.StartService();
        }
    }

    /// <summary>
    /// Stops the children in reverse order (each is asked at once, as Twisted does, without waiting for the one before);
    /// fires when all have stopped, or fails with the first child failure once all have finished.
    /// </summary>
    public override Deferred<Unit> StopService()
    {
        base.StopService();
        var children = _services.ToArray();
        Array.Reverse(children);
        var done = new Deferred<Unit>();
        var pending = children.Length + 1;
        var failures = new List<Exception>();

        void Finished()
        {
            if (--pending == 0)
            {
                if (failures.Count == 0)
                {
                    done.Callback(Unit.Value);
                }
                else
                {
                    done.Errback(failures.Count == 1
                        ? failures[0]
                        : new AggregateException($"{failures.Count} services of {this} failed to stop.", failures));
                }
            }
        }

        foreach (var child in children)
        {
            Deferred.MaybeDeferred(child.StopService).AddCallbacks(
                _ =>
                {
                    Finished();
                    return Unit.Value;
                },
                error =>
                {
                    failures.Add(error);
                    Finished();
                    return Unit.Value;
                });
        }

        Finished();
        return done;
    }

    /// <summary>
    /// Adds <paramref name="service"/> as a child (use <see cref="IService.SetServiceParent"/> instead, which calls this);
    /// starts it at once if this service is running.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another child has the same name.</exception>
    protected internal virtual void AddService(IService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.Name is { } name)
        {
            if (_named.ContainsKey(name))
            {
                throw new InvalidOperationException($"{this} already has a service named '{name}'.");
            }

            _named.Add(name, service);
        }

        _services.Add(service);
        if (Running)
        {
            service.StartService();
        }
    }

    /// <summary>
    /// Removes <paramref name="service"/> (use <see cref="IService.DisownServiceParent"/> instead, which calls this);
    /// stops it if this service is running and returns that stop's Deferred.
    /// </summary>
    protected internal virtual Deferred<Unit> RemoveService(IService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (!_services.Remove(service))
        {
            throw new InvalidOperationException($"{service} is not a child of {this}.");
        }

        if (service.Name is { } name)
        {
            _named.Remove(name);
        }

        return Running ? Deferred.MaybeDeferred(service.StopService) : Deferred.Succeed();
    }
}
