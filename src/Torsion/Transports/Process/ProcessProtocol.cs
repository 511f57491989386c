namespace Torsion.Transports.Process;

/// <summary>
/// Base class for what talks to a child process (Twisted's ProcessProtocol): override the events you need.
/// Output arrives as <see cref="ChildDataReceived"/> (fd 1 = stdout, fd 2 = stderr), which calls
/// <see cref="OutReceived"/> or <see cref="ErrReceived"/>. <see cref="ProcessExited"/> fires when the child is reaped;
/// <see cref="ProcessEnded"/> fires after that and after every pipe is closed, once.
/// </summary>
public abstract class ProcessProtocol
{
    private IProcessTransport? _transport;

    /// <summary>The running process: write to its stdin, signal it.</summary>
    /// <exception cref="InvalidOperationException">Used before the process was spawned.</exception>
    public IProcessTransport Transport =>
        _transport ?? throw new InvalidOperationException($"{GetType().Name} has no process yet: it is used before MakeConnection.");

    /// <summary>Binds the protocol to its process and calls <see cref="ConnectionMade"/>; called once by SpawnProcess.</summary>
    public virtual void MakeConnection(IProcessTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        ConnectionMade();
    }

    /// <summary>The process is started; <see cref="Transport"/> is set.</summary>
    public virtual void ConnectionMade()
    {
    }

    /// <summary>The child wrote to descriptor <paramref name="childFd"/> (1 or 2). The span is valid only during the call.</summary>
    public virtual void ChildDataReceived(int childFd, ReadOnlySpan<byte> data)
    {
        if (childFd == 1)
        {
            OutReceived(data);
        }
        else if (childFd == 2)
        {
            ErrReceived(data);
        }
    }

    /// <summary>The child wrote to its standard output (or, with a pseudo-terminal, to the terminal).</summary>
    public virtual void OutReceived(ReadOnlySpan<byte> data)
    {
    }

    /// <summary>The child wrote to its standard error.</summary>
    public virtual void ErrReceived(ReadOnlySpan<byte> data)
    {
    }

    /// <summary>The pipe of child descriptor <paramref name="childFd"/> (0, 1 or 2) is closed; calls In/Out/ErrConnectionLost.</summary>
    public virtual void ChildConnectionLost(int childFd)
    {
        switch (childFd)
        {
            case 0:
                InConnectionLost();
                break;
            case 1:
                OutConnectionLost();
                break;
            case 2:
                ErrConnectionLost();
                break;
        }
    }

    /// <summary>The child's standard input is closed.</summary>
    public virtual void InConnectionLost()
    {
    }

    /// <summary>The child's standard output is closed (end of file, or closed by this side).</summary>
    public virtual void OutConnectionLost()
    {
    }

    /// <summary>The child's standard error is closed.</summary>
    public virtual void ErrConnectionLost()
    {
    }

    /// <summary>The child has exited and been reaped; its pipes may still be open (a grandchild may hold them).</summary>
    public virtual void ProcessExited(ProcessExitReason reason)
    {
    }

    /// <summary>The child has exited and all its pipes are closed: nothing more will happen.</summary>
    public virtual void ProcessEnded(ProcessExitReason reason)
    {
    }
}
