using Torsion.Reactor;

namespace Torsion.Web.Server;

/// <summary>
/// Server-side state for one browser, found again through a cookie (twisted.web.server.Session). Kept in memory
/// by its <see cref="Site"/> and expired after <see cref="Site.SessionTimeout"/> without use.
/// </summary>
public sealed class Session
{
    private readonly Site _site;
    private readonly IReactorTime _time;
    private readonly List<Action> _expireCallbacks = [];
    private IDelayedCall? _check;

    internal Session(Site site, string uid, IReactorTime time)
    {
        _site = site;
        Uid = uid;
        _time = time;
        LastAccessed = time.Seconds();
        _check = time.CallLater(site.SessionTimeout, Check);
    }

    /// <summary>The session id sent in the cookie.</summary>
    public string Uid { get; }

    /// <summary>Values the application keeps for this browser.</summary>
    public Dictionary<string, object?> Items { get; } = new(StringComparer.Ordinal);

    /// <summary>When the session was last used (reactor seconds).</summary>
    public double LastAccessed { get; private set; }

    /// <summary>Whether the session has expired.</summary>
    public bool Expired { get; private set; }

    /// <summary>Marks the session used now.</summary>
    public void Touch() => LastAccessed = _time.Seconds();

    /// <summary>Calls <paramref name="callback"/> when the session expires.</summary>
    public void NotifyOnExpire(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _expireCallbacks.Add(callback);
    }

    /// <summary>Ends the session now.</summary>
    public void Expire()
    {
        if (Expired)
        {
            return;
        }

        Expired = true;
        if (_check is { Active: true })
        {
            _check.Cancel();
        }

        _check = null;
        _site.RemoveSession(Uid);
        foreach (var callback in _expireCallbacks)
        {
            callback();
        }
    }

    private void Check()
    {
        _check = null;
        var idle = _time.Seconds() - LastAccessed;
        var timeout = _site.SessionTimeout.TotalSeconds;
        if (idle >= timeout)
        {
            Expire();
        }
        else
        {
            _check = _time.CallLater(TimeSpan.FromSeconds(timeout - idle), Check);
        }
    }
}
