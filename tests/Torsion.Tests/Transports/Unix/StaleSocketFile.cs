using System.Runtime.InteropServices;
using System.Text;

namespace Torsion.Tests.Transports.Unix;

/// <summary>
/// Leaves a socket file behind as a crashed server would: bound, then closed without unlinking. (.NET's Socket
/// deletes the file it bound when disposed, so this goes through libc.)
/// </summary>
public static unsafe partial class StaleSocketFile
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int bind(int fd, byte* address, uint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    /// <summary>Makes a stale socket file of the given type (1 = stream, 2 = datagram) at <paramref name="path"/>.</summary>
    public static void Create(string path, int type)
    {
        var address = stackalloc byte[110];
        new Span<byte>(address, 110).Clear();
        *(ushort*)address = 1;
        Encoding.UTF8.GetBytes(path, new Span<byte>(address + 2, 107));
        var fd = socket(1, type, 0);
        Assert.True(fd >= 0, $"socket() failed: {Marshal.GetLastPInvokeError()}");
        try
        {
            Assert.True(bind(fd, address, 110) == 0, $"bind({path}) failed: {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            close(fd);
        }
    }
}
