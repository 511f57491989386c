using Torsion.Defer;

namespace Torsion.Application;

/// <summary>
/// The base of services (twisted.application.service.Service): subclass it and override
/// <see cref="StartService"/> and <see cref="StopService"/>, calling the base first.
/// </summary>
public class Service : IService
{
    private string? _name;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The service has a parent; names are fixed while it has one.</exception>
    public string? Name
    {
        get => _name;
        set
        {
            if (Parent is not null)
            {
                throw new InvalidOperationException(
                    $"Cannot rename service '{_name}' to '{value}' while it belongs to a MultiService; remove it first.");
            }

            _name = value;
        }
    }

    /// <inheritdoc />
    public MultiService? Parent { get; private set; }

    /// <inheritdoc />
    public bool Running { get; private set; }

    /// <inheritdoc />
    public void SetServiceParent(MultiService parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        if (Parent is not null)
        {
            DisownServiceParent();
        }

        // Added first: a name clash leaves the service without a parent.
        parent.AddService(this);
        Parent = parent;
    }

    /// <inheritdoc />
    public Deferred<Unit> DisownServiceParent()
    {
        var parent = Parent ?? throw new InvalidOperationException($"Service '{_name}' has no parent to leave.");
        Parent = null;
        return parent.RemoveService(this);
    }

    /// <inheritdoc />
    public virtual void StartService() => Running = true;

    /// <inheritdoc />
    public virtual Deferred<Unit> StopService()
    {
        Running = false;
        return Deferred.Succeed();
    }

    /// <inheritdoc />
    public override string ToString() => _name is null ? GetType().Name : $"{GetType().Name} '{_name}'";
}
