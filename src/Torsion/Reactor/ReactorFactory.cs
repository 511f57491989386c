namespace Torsion.Reactor;

/// <summary>Makes the right reactor: by argument, else by the <c>TORSION_REACTOR</c> environment variable, else the platform's best.</summary>
public static class ReactorFactory
{
    /// <summary>The environment variable that chooses the reactor: <c>epoll</c>, <c>select</c> or <c>glib</c>.</summary>
    public const string EnvironmentVariable = "TORSION_REACTOR";

    /// <summary>The kind <see cref="Create"/> makes when not told: <c>TORSION_REACTOR</c>, else epoll on Linux, else select.</summary>
    /// <exception cref="ArgumentException"><c>TORSION_REACTOR</c> names no known reactor.</exception>
    public static ReactorKind DefaultKind
    {
        get
        {
            var name = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.IsNullOrWhiteSpace(name))
            {
                return OperatingSystem.IsLinux() ? ReactorKind.Epoll : ReactorKind.Select;
            }

            return name.Trim().ToLowerInvariant() switch
            {
                "epoll" => ReactorKind.Epoll,
                "select" => ReactorKind.Select,
                "glib" => ReactorKind.GLib,
                _ => throw new ArgumentException($"{EnvironmentVariable}='{name}' names no reactor: use 'epoll', 'select' or 'glib'."),
            };
        }
    }

    /// <summary>Makes a reactor of <paramref name="kind"/>, or of <see cref="DefaultKind"/> when null.</summary>
    public static ReactorBase Create(ReactorKind? kind = null, ReactorOptions? options = null) =>
        (kind ?? DefaultKind) switch
        {
            ReactorKind.Epoll => new EpollReactor(options),
            ReactorKind.Select => new SelectReactor(options),
            ReactorKind.GLib => new GLibReactor(options),
            var other => throw new ArgumentOutOfRangeException(nameof(kind), other, "Unknown reactor kind."),
        };
}
