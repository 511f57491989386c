using System.Net;
using System.Net.Sockets;

namespace Torsion.Reactor;

/// <summary>
/// The portable reactor: <see cref="Socket.Select(System.Collections.IList, System.Collections.IList, System.Collections.IList, int)"/>
/// over the watched sockets, woken from other threads through a loopback socket pair. Slower than
/// <see cref="EpollReactor"/> with many connections; meant for platforms without epoll and for testing.
/// </summary>
public sealed class SelectReactor : ReactorBase
{
    private readonly Dictionary<int, Entry> _entries = [];
    private readonly Dictionary<Socket, Entry> _bySocket = [];
    private readonly List<Socket> _read = [];
    private readonly List<Socket> _write = [];
    private readonly List<Socket> _error = [];
    private readonly Socket _wakeReader;
    private readonly Socket _wakeWriter;
    private readonly byte[] _drain = new byte[64];

    /// <summary>Makes a select reactor; run it with <see cref="ReactorBase.Run"/> on the thread that will own it.</summary>
    public SelectReactor(ReactorOptions? options = null)
        : base(options)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _wakeWriter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _wakeWriter.Connect(listener.LocalEndPoint!);
        _wakeReader = listener.Accept();
        _wakeReader.Blocking = false;
        _wakeWriter.Blocking = false;
    }

    private sealed class Entry(Socket socket, bool ownsSocket)
    {
        public Socket Socket { get; } = socket;

        public bool OwnsSocket { get; } = ownsSocket;

        public IReadDescriptor? Reader { get; set; }

        public IWriteDescriptor? Writer { get; set; }
    }

    private Entry EntryFor(IDescriptor descriptor)
    {
        var fd = descriptor.FileDescriptor;
        if (fd < 0)
        {
            throw new ArgumentException($"{descriptor} is not open.", nameof(descriptor));
        }

        if (_entries.TryGetValue(fd, out var entry))
        {
            return entry;
        }

        entry = descriptor is ISocketDescriptor s
            ? new Entry(s.Socket, ownsSocket: false)
            : new Entry(new Socket(new SafeSocketHandle(fd, ownsHandle: false)), ownsSocket: true);
        _entries[fd] = entry;
        _bySocket[entry.Socket] = entry;
        return entry;
    }

    private void Forget(int fd, Entry entry)
    {
        if (entry.Reader is null && entry.Writer is null)
        {
            _entries.Remove(fd);
            _bySocket.Remove(entry.Socket);
            if (entry.OwnsSocket)
            {
                entry.Socket.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public override void AddReader(IReadDescriptor reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        CheckThread(nameof(AddReader));
        EntryFor(reader).Reader = reader;
    }

    /// <inheritdoc />
    public override void AddWriter(IWriteDescriptor writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CheckThread(nameof(AddWriter));
        EntryFor(writer).Writer = writer;
    }

    /// <inheritdoc />
    public override void RemoveReader(IReadDescriptor reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        CheckThread(nameof(RemoveReader));
        var fd = reader.FileDescriptor;
        if (_entries.TryGetValue(fd, out var entry) && entry.Reader == reader)
        {
            entry.Reader = null;
            Forget(fd, entry);
        }
    }

    /// <inheritdoc />
    public override void RemoveWriter(IWriteDescriptor writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CheckThread(nameof(RemoveWriter));
        var fd = writer.FileDescriptor;
        if (_entries.TryGetValue(fd, out var entry) && entry.Writer == writer)
        {
            entry.Writer = null;
            Forget(fd, entry);
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<IDescriptor> RemoveAll()
    {
        CheckThread(nameof(RemoveAll));
        var removed = new List<IDescriptor>();
        foreach (var (fd, entry) in _entries.ToArray())
        {
            if (entry.Reader is not null)
            {
                removed.Add(entry.Reader);
            }

            if (entry.Writer is not null && !ReferenceEquals(entry.Writer, entry.Reader))
            {
                removed.Add(entry.Writer);
            }

            entry.Reader = null;
            entry.Writer = null;
            Forget(fd, entry);
        }

        return removed;
    }

    /// <inheritdoc />
    public override IReadOnlyList<IReadDescriptor> GetReaders() =>
        [.. _entries.Values.Where(e => e.Reader is not null).Select(e => e.Reader!)];

    /// <inheritdoc />
    public override IReadOnlyList<IWriteDescriptor> GetWriters() =>
        [.. _entries.Values.Where(e => e.Writer is not null).Select(e => e.Writer!)];

    private protected override void Poll(int timeoutMs)
    {
        _read.Clear();
        _write.Clear();
        _error.Clear();
        _read.Add(_wakeReader);
        foreach (var entry in _entries.Values)
        {
            if (entry.Reader is not null)
            {
                _read.Add(entry.Socket);
            }

            if (entry.Writer is not null)
            {
                _write.Add(entry.Socket);
                _error.Add(entry.Socket);
            }
        }

        var micro = timeoutMs < 0 ? -1 : timeoutMs >= int.MaxValue / 1000 ? int.MaxValue : timeoutMs * 1000;
        Socket.Select(_read, _write.Count > 0 ? _write : null, _error.Count > 0 ? _error : null, micro);
        foreach (var socket in _read)
        {
            if (socket == _wakeReader)
            {
                while (_wakeReader.Receive(_drain, SocketFlags.None, out var error) > 0 && error == SocketError.Success)
                {
                }

                continue;
            }

            if (_bySocket.TryGetValue(socket, out var entry) && entry.Reader is { } reader)
            {
                DispatchRead(reader);
            }
        }

        foreach (var list in (ReadOnlySpan<List<Socket>>)[_write, _error])
        {
            foreach (var socket in list)
            {
                if (_bySocket.TryGetValue(socket, out var entry) && entry.Writer is { } writer)
                {
                    DispatchWrite(writer);
                }
            }
        }
    }

    private protected override void Wake()
    {
        ReadOnlySpan<byte> one = [1];
        _wakeWriter.Send(one, SocketFlags.None, out _);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _wakeReader.Dispose();
            _wakeWriter.Dispose();
        }

        base.Dispose(disposing);
    }
}
