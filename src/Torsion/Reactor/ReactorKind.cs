namespace Torsion.Reactor;

/// <summary>Which readiness mechanism a reactor uses.</summary>
public enum ReactorKind
{
    /// <summary>Linux epoll (<see cref="EpollReactor"/>): the default on Linux.</summary>
    Epoll,

    /// <summary>Portable select (<see cref="SelectReactor"/>): the default elsewhere.</summary>
    Select,

    /// <summary>The GLib main loop (<see cref="GLibReactor"/>): for GTK applications; needs libglib-2.0.</summary>
    GLib,
}
