namespace Torsion.Reactor;

/// <summary>
/// The Linux reactor: level-triggered epoll through P/Invoke, an eventfd to wake it from other threads.
/// Descriptors are kept in an array indexed by fd; each registration carries a generation in the epoll data so
/// that an event for a closed fd is never delivered to a newer socket that got the same number.
/// </summary>
public sealed class EpollReactor : ReactorBase
{
    private readonly EpollSet _set;
    private bool _disposed;

    /// <summary>Makes an epoll reactor; run it with <see cref="ReactorBase.Run"/> on the thread that will own it.</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    public EpollReactor(ReactorOptions? options = null)
        : base(options)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("EpollReactor runs on Linux only; use SelectReactor elsewhere.");
        }

        _set = new EpollSet();
    }

    /// <inheritdoc />
    public override void AddReader(IReadDescriptor reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        CheckThread(nameof(AddReader));
        _set.AddReader(reader);
    }

    /// <inheritdoc />
    public override void AddWriter(IWriteDescriptor writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CheckThread(nameof(AddWriter));
        _set.AddWriter(writer);
    }

    /// <inheritdoc />
    public override void RemoveReader(IReadDescriptor reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        CheckThread(nameof(RemoveReader));
        _set.RemoveReader(reader);
    }

    /// <inheritdoc />
    public override void RemoveWriter(IWriteDescriptor writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CheckThread(nameof(RemoveWriter));
        _set.RemoveWriter(writer);
    }

    /// <inheritdoc />
    public override IReadOnlyList<IDescriptor> RemoveAll()
    {
        CheckThread(nameof(RemoveAll));
        return _set.RemoveAll();
    }

    /// <inheritdoc />
    public override IReadOnlyList<IReadDescriptor> GetReaders() => _set.GetReaders();

    /// <inheritdoc />
    public override IReadOnlyList<IWriteDescriptor> GetWriters() => _set.GetWriters();

    private protected override void Poll(int timeoutMs) => _set.Dispatch(this, _set.Wait(timeoutMs));

    private protected override void Wake() => _set.Wake();

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
            _set.Dispose();
        }

        base.Dispose(disposing);
    }
}
