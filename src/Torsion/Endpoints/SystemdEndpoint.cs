using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Endpoints;

/// <summary>
/// Listens on a socket that systemd passed to this process (<c>systemd:domain=INET:index=0</c> or
/// <c>systemd:domain=INET6:name=web</c>): the descriptor is adopted by the reactor (<see cref="IReactorSocket.AdoptStreamPort"/>).
/// </summary>
public sealed class SystemdEndpoint : IStreamServerEndpoint
{
    private readonly IReactorSocket _reactor;
    private readonly ListenFds? _listenFds;

    /// <summary>An endpoint for the passed socket at <paramref name="index"/> (0 is descriptor 3).</summary>
    /// <param name="reactor">The reactor that adopts the socket.</param>
    /// <param name="addressFamily">InterNetwork or InterNetworkV6.</param>
    /// <param name="index">The position among the passed sockets, or -1 when <paramref name="name"/> picks it.</param>
    /// <param name="name">The LISTEN_FDNAMES name that picks it, or null.</param>
    /// <param name="listenFds">The passed sockets; null: read from the environment at <see cref="Listen"/>.</param>
    public SystemdEndpoint(IReactorSocket reactor, AddressFamily addressFamily, int index = 0, string? name = null, ListenFds? listenFds = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        if (name is null)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
        }

        _reactor = reactor;
        _listenFds = listenFds;
        AddressFamily = addressFamily;
        Index = index;
        Name = name;
    }

    /// <summary>The address family of the passed socket.</summary>
    public AddressFamily AddressFamily { get; }

    /// <summary>Its position among the passed sockets (when <see cref="Name"/> is null).</summary>
    public int Index { get; }

    /// <summary>Its LISTEN_FDNAMES name, or null.</summary>
    public string? Name { get; }

    /// <inheritdoc />
    public Deferred<IListeningPort> Listen(IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        try
        {
            var fds = _listenFds ?? ListenFds.FromEnvironment();
            int fd;
            if (Name is not null)
            {
                var position = fds.Names.ToList().IndexOf(Name);
                if (position < 0)
                {
                    throw new InvalidOperationException(
                        $"systemd passed no socket named '{Name}' (LISTEN_FDNAMES names {(fds.Names.Count == 0 ? "none" : string.Join(", ", fds.Names))}).");
                }

                fd = fds.Descriptors[position];
            }
            else
            {
                if (Index >= fds.Descriptors.Count)
                {
                    throw new InvalidOperationException(fds.Descriptors.Count == 0
                        ? $"systemd passed no sockets to this process (LISTEN_FDS/LISTEN_PID are unset or name another process), so index {Index} does not exist."
                        : $"systemd passed {fds.Descriptors.Count} socket(s), so index {Index} does not exist.");
                }

                fd = fds.Descriptors[Index];
            }

            return Deferred.Succeed(_reactor.AdoptStreamPort(fd, AddressFamily, factory));
        }
        catch (Exception e)
        {
            return Deferred.Fail<IListeningPort>(e);
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"systemd:domain={(AddressFamily == AddressFamily.InterNetworkV6 ? "INET6" : AddressFamily == AddressFamily.Unix ? "UNIX" : "INET")}:" + (Name is null ? $"index={Index}" : $"name={Name}");
}
