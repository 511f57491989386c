using System.Runtime.InteropServices;

namespace Torsion.Reactor;

/// <summary>The few GLib main-loop functions <see cref="GLibReactor"/> calls (libglib-2.0.so.0).</summary>
internal static unsafe partial class GLibNative
{
    private const string Lib = "libglib-2.0.so.0";

    internal const uint G_IO_IN = 1;
    internal const uint G_IO_OUT = 4;
    internal const uint G_IO_ERR = 8;
    internal const uint G_IO_HUP = 16;
    internal const uint G_IO_NVAL = 32;
    internal const int G_PRIORITY_DEFAULT = 0;

    [LibraryImport(Lib)]
    internal static partial nint g_main_context_new();

    [LibraryImport(Lib)]
    internal static partial nint g_main_context_default();

    [LibraryImport(Lib)]
    internal static partial nint g_main_context_ref(nint context);

    [LibraryImport(Lib)]
    internal static partial void g_main_context_unref(nint context);

    [LibraryImport(Lib)]
    internal static partial void g_main_context_push_thread_default(nint context);

    [LibraryImport(Lib)]
    internal static partial void g_main_context_pop_thread_default(nint context);

    [LibraryImport(Lib)]
    internal static partial int g_main_context_iteration(nint context, int mayBlock);

    [LibraryImport(Lib)]
    internal static partial nint g_main_loop_new(nint context, int isRunning);

    [LibraryImport(Lib)]
    internal static partial void g_main_loop_run(nint loop);

    [LibraryImport(Lib)]
    internal static partial void g_main_loop_quit(nint loop);

    [LibraryImport(Lib)]
    internal static partial void g_main_loop_unref(nint loop);

    [LibraryImport(Lib)]
    internal static partial nint g_unix_fd_source_new(int fd, uint condition);

    [LibraryImport(Lib)]
    internal static partial nint g_timeout_source_new(uint intervalMs);

    [LibraryImport(Lib)]
    internal static partial void g_source_set_callback(nint source, void* func, nint data, void* notify);

    [LibraryImport(Lib)]
    internal static partial void g_source_set_priority(nint source, int priority);

    [LibraryImport(Lib)]
    internal static partial uint g_source_attach(nint source, nint context);

    [LibraryImport(Lib)]
    internal static partial void g_source_destroy(nint source);

    [LibraryImport(Lib)]
    internal static partial void g_source_unref(nint source);

    /// <summary>True when libglib-2.0.so.0 can be loaded here.</summary>
    internal static bool IsAvailable()
    {
        if (!NativeLibrary.TryLoad(Lib, out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }
}
