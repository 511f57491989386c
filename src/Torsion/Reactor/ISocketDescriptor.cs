using System.Net.Sockets;

namespace Torsion.Reactor;

/// <summary>A descriptor that has a .NET <see cref="System.Net.Sockets.Socket"/> (what <see cref="SelectReactor"/> selects on).</summary>
internal interface ISocketDescriptor
{
    Socket Socket { get; }
}
