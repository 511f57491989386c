using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Torsion.Reactor;

/// <summary>
/// A reactor driven by the GLib main loop (libglib-2.0 through P/Invoke), as Twisted's gireactor: each watched
/// descriptor is a GLib unix-fd source, the soonest timer is one re-armed GLib timeout, and calls from other threads
/// wake the loop through an eventfd source. Every GLib callback runs one batch on the loop's thread (the readiness
/// event, then calls from other threads, due timers and the flush of writes). This is how a GTK application gets
/// Torsion networking on its main thread, without threads.
/// </summary>
/// <remarks>
/// <see cref="ReactorBase.Run"/> runs a GLib main loop on the calling thread until the reactor stops. An application
/// that runs the GLib loop itself (<c>gtk_main</c>, <c>g_application_run</c>) makes the reactor with
/// <c>useDefaultMainContext: true</c> and calls <see cref="Start"/> on the loop's thread instead.
/// </remarks>
public sealed unsafe class GLibReactor : ReactorBase
{
    private const uint ReadCondition = GLibNative.G_IO_IN | GLibNative.G_IO_HUP | GLibNative.G_IO_ERR;
    private const uint WriteCondition = GLibNative.G_IO_OUT | GLibNative.G_IO_HUP | GLibNative.G_IO_ERR;

    private readonly nint _context;
    private readonly nint _loop;
    private readonly int _wakeFd;
    private readonly GCHandle _self;
    private readonly Dictionary<int, Registration> _registrations = [];
    private readonly Action<GLibReactor> _dispatchPending;
    private readonly Action<GLibReactor> _nothing = static _ => { };
    private nint _wakeSource;
    private nint _timerSource;
    private double _timerDue = double.NaN;
    private Registration? _pending;
    private uint _pendingCondition;
    private bool _finished;
    private bool _disposed;

    /// <summary>Makes a GLib reactor over a new main context of its own, or over GLib's default context.</summary>
    /// <param name="options">Reactor settings.</param>
    /// <param name="useDefaultMainContext">Attach to <c>g_main_context_default()</c> (the one GTK iterates) instead of a private context.</param>
    /// <exception cref="PlatformNotSupportedException">libglib-2.0.so.0 cannot be loaded (on Debian: install libglib2.0-0).</exception>
    public GLibReactor(ReactorOptions? options = null, bool useDefaultMainContext = false)
        : base(options)
    {
        if (!OperatingSystem.IsLinux() || !GLibNative.IsAvailable())
        {
            throw new PlatformNotSupportedException("GLibReactor needs libglib-2.0.so.0 on Linux (Debian package libglib2.0-0).");
        }

        _context = useDefaultMainContext
            ? GLibNative.g_main_context_ref(GLibNative.g_main_context_default())
            : GLibNative.g_main_context_new();
        _loop = GLibNative.g_main_loop_new(_context, 0);
        _wakeFd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        if (_wakeFd < 0)
        {
            var errno = Libc.Errno;
            GLibNative.g_main_loop_unref(_loop);
            GLibNative.g_main_context_unref(_context);
            throw new System.ComponentModel.Win32Exception(errno, "eventfd failed");
        }

        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        _dispatchPending = static self => self.DispatchPending();
        _wakeSource = AttachFdSource(_wakeFd, GLibNative.G_IO_IN, &OnWake, GCHandle.ToIntPtr(_self));
    }

    /// <summary>The <c>GMainContext*</c> this reactor's sources are attached to.</summary>
    public nint MainContext => _context;

    /// <summary>
    /// Starts the reactor without running a loop, for an application that iterates the GLib main context itself:
    /// call it on that loop's thread, which becomes the reactor thread. Fires the startup event at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The reactor runs or ran already.</exception>
    public void Start()
    {
        EnterRunningState();
        StartCore();
    }

    private void StartCore()
    {
        RunBatch(static self => self.BeginRunning(), this);
        AfterBatch();
    }

    /// <summary>Runs a GLib main loop over the context on this thread until the reactor stopped.</summary>
    private protected override void RunLoop()
    {
        GLibNative.g_main_context_push_thread_default(_context);
        try
        {
            StartCore();
            if (!_finished)
            {
                GLibNative.g_main_loop_run(_loop);
            }
        }
        finally
        {
            GLibNative.g_main_context_pop_thread_default(_context);
            if (!_finished)
            {
                Finish();
            }
        }
    }

    private sealed class Registration(GLibReactor reactor, int fd)
    {
        public GLibReactor Reactor { get; } = reactor;

        public int Fd { get; } = fd;

        public IReadDescriptor? Reader { get; set; }

        public IWriteDescriptor? Writer { get; set; }

        public uint Condition { get; set; }

        public nint Source { get; set; }

        public GCHandle Handle { get; set; }
    }

    private nint AttachFdSource(int fd, uint condition, delegate* unmanaged[Cdecl]<int, uint, nint, int> callback, nint data)
    {
        var source = GLibNative.g_unix_fd_source_new(fd, condition);
        GLibNative.g_source_set_callback(source, callback, data, null);
        GLibNative.g_source_set_priority(source, GLibNative.G_PRIORITY_DEFAULT);
        _ = GLibNative.g_source_attach(source, _context);
        return source;
    }

    private static void DestroySource(ref nint source)
    {
        if (source != 0)
        {
            GLibNative.g_source_destroy(source);
            GLibNative.g_source_unref(source);
            source = 0;
        }
    }

    private Registration RegistrationFor(IDescriptor descriptor)
    {
        var fd = descriptor.FileDescriptor;
        if (fd < 0)
        {
            throw new ArgumentException($"{descriptor} is not open (descriptor number {fd}).", nameof(descriptor));
        }

        if (!_registrations.TryGetValue(fd, out var registration))
        {
            registration = new Registration(this, fd);
            registration.Handle = GCHandle.Alloc(registration);
            _registrations[fd] = registration;
        }

        return registration;
    }

    /// <summary>Makes the GLib source watch what the registration needs now (a new source when the condition changes).</summary>
    private void Update(Registration registration)
    {
        var condition = (registration.Reader is null ? 0 : ReadCondition) | (registration.Writer is null ? 0 : WriteCondition);
        if (condition == registration.Condition)
        {
            return;
        }

        var source = registration.Source;
        DestroySource(ref source);
        registration.Source = 0;
        registration.Condition = condition;
        if (condition == 0)
        {
            _registrations.Remove(registration.Fd);
            registration.Handle.Free();
            return;
        }

        registration.Source = AttachFdSource(registration.Fd, condition, &OnFd, GCHandle.ToIntPtr(registration.Handle));
    }

    /// <inheritdoc />
    public override void AddReader(IReadDescriptor reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        CheckThread(nameof(AddReader));
        var registration = RegistrationFor(reader);
        registration.Reader = reader;
        Update(registration);
    }

    /// <inheritdoc />
    public override void AddWriter(IWriteDescriptor writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CheckThread(nameof(AddWriter));
        var registration = RegistrationFor(writer);
        registration.Writer = writer;
        Update(registration);
    }

    /// <inheritdoc />
    public override void RemoveReader(IReadDescriptor reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        CheckThread(nameof(RemoveReader));
        if (_registrations.TryGetValue(reader.FileDescriptor, out var registration) && registration.Reader == reader)
        {
            registration.Reader = null;
            Update(registration);
        }
    }

    /// <inheritdoc />
    public override void RemoveWriter(IWriteDescriptor writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CheckThread(nameof(RemoveWriter));
        if (_registrations.TryGetValue(writer.FileDescriptor, out var registration) && registration.Writer == writer)
        {
            registration.Writer = null;
            Update(registration);
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<IDescriptor> RemoveAll()
    {
        CheckThread(nameof(RemoveAll));
        var removed = new List<IDescriptor>();
        foreach (var registration in _registrations.Values.ToArray())
        {
            if (registration.Reader is not null)
            {
                removed.Add(registration.Reader);
            }

            if (registration.Writer is not null && !ReferenceEquals(registration.Writer, registration.Reader))
            {
                removed.Add(registration.Writer);
            }

            registration.Reader = null;
            registration.Writer = null;
            Update(registration);
        }

        return removed;
    }

    /// <inheritdoc />
    public override IReadOnlyList<IReadDescriptor> GetReaders() =>
        [.. _registrations.Values.Where(r => r.Reader is not null).Select(r => r.Reader!)];

    /// <inheritdoc />
    public override IReadOnlyList<IWriteDescriptor> GetWriters() =>
        [.. _registrations.Values.Where(r => r.Writer is not null).Select(r => r.Writer!)];

    private protected override void Poll(int timeoutMs) =>
        throw new InvalidOperationException("A GLibReactor is driven by the GLib main loop, not by Poll.");

    private protected override void Wake()
    {
        ulong one = 1;
        Libc.write(_wakeFd, &one, sizeof(ulong));
    }

    // Code on the loop's thread outside a Torsion callback (a GTK signal handler) queued a timer, write or call:
    // re-arm the timeout or wake the loop so that a batch picks it up.
    private protected override void WorkQueuedOutsideBatch()
    {
        if (Running && !_finished)
        {
            ArmTimer();
        }
    }

    // ---- callbacks from GLib ----

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnFd(int fd, uint condition, nint data)
    {
        // GLib never dispatches a destroyed source, and a registration's handle is freed only with its source.
        if (GCHandle.FromIntPtr(data).Target is not Registration registration)
        {
            return 0;
        }

        registration.Reactor.Guard(static (self, arg) =>
        {
            self._pending = arg.Registration;
            self._pendingCondition = arg.Condition;
            self.RunBatch(self._dispatchPending, self);
        }, (Registration: registration, Condition: condition));
        return 1;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnWake(int fd, uint condition, nint data)
    {
        if (GCHandle.FromIntPtr(data).Target is not GLibReactor reactor)
        {
            return 0;
        }

        ulong value;
        Libc.read(fd, &value, sizeof(ulong));
        reactor.Guard(static (self, _) => self.RunBatch(self._nothing, self), 0);
        return 1;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnTimer(nint data)
    {
        if (GCHandle.FromIntPtr(data).Target is not GLibReactor reactor)
        {
            return 0;
        }

        // The timeout is one-shot: GLib drops it when this returns 0; give up our reference and re-arm afresh.
        var source = reactor._timerSource;
        reactor._timerSource = 0;
        reactor._timerDue = double.NaN;
        reactor.Guard(static (self, _) => self.RunBatch(self._nothing, self), 0);
        if (source != 0)
        {
            GLibNative.g_source_unref(source);
        }

        return 0;
    }

    /// <summary>Runs a batch for a GLib callback; nothing may escape into native code, so a failure is logged.</summary>
    private void Guard<TArg>(Action<GLibReactor, TArg> batch, TArg arg)
    {
        if (_finished)
        {
            return;
        }

        try
        {
            batch(this, arg);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(Logger, "A GLib callback", e);
        }

        try
        {
            AfterBatch();
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(Logger, "Re-arming the GLib sources", e);
        }
    }

    private void DispatchPending()
    {
        var registration = _pending!;
        var condition = _pendingCondition;
        _pending = null;
        if ((condition & (ReadCondition | GLibNative.G_IO_NVAL)) != 0 && registration.Reader is { } reader)
        {
            DispatchRead(reader);
        }

        // The read may have closed the descriptor or stopped writing: look again before writing.
        if ((condition & (WriteCondition | GLibNative.G_IO_NVAL)) != 0 && registration.Writer is { } writer
            && _registrations.TryGetValue(registration.Fd, out var current) && current == registration)
        {
            DispatchWrite(writer);
        }
    }

    private void AfterBatch()
    {
        if (ExitRequested)
        {
            Finish();
            return;
        }

        ArmTimer();
    }

    /// <summary>Makes GLib call back when the next batch is due: at once (wake), at the soonest timer, or never.</summary>
    private void ArmTimer()
    {
        var ms = NextTimeoutMs();
        if (ms == 0)
        {
            Wake();
            return;
        }

        if (ms < 0)
        {
            DestroySource(ref _timerSource);
            _timerDue = double.NaN;
            return;
        }

        var due = Timers.NextTime;
        if (_timerSource != 0 && _timerDue == due)
        {
            return;
        }

        DestroySource(ref _timerSource);
        var source = GLibNative.g_timeout_source_new((uint)ms);
        GLibNative.g_source_set_callback(source, (delegate* unmanaged[Cdecl]<nint, int>)&OnTimer, GCHandle.ToIntPtr(_self), null);
        GLibNative.g_source_set_priority(source, GLibNative.G_PRIORITY_DEFAULT);
        _ = GLibNative.g_source_attach(source, _context);
        _timerSource = source;
        _timerDue = due;
    }

    /// <summary>The shutdown is over: drop every source, mark the reactor stopped, end the loop Run started.</summary>
    private void Finish()
    {
        _finished = true;
        DestroySources();
        EndRunning();
        GLibNative.g_main_loop_quit(_loop);
    }

    private void DestroySources()
    {
        DestroySource(ref _timerSource);
        DestroySource(ref _wakeSource);
        foreach (var registration in _registrations.Values)
        {
            var source = registration.Source;
            DestroySource(ref source);
            registration.Source = 0;
            registration.Handle.Free();
        }

        _registrations.Clear();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            DestroySources();
        }

        Libc.close(_wakeFd);
        GLibNative.g_main_loop_unref(_loop);
        GLibNative.g_main_context_unref(_context);
        if (_self.IsAllocated)
        {
            _self.Free();
        }

        base.Dispose(disposing);
    }

    /// <summary>Frees the GLib loop and context if <see cref="ReactorBase.Dispose()"/> was not called.</summary>
    ~GLibReactor() => Dispose(false);
}
