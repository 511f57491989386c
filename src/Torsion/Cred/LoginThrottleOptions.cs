namespace Torsion.Cred;

/// <summary>How <see cref="LoginThrottle"/> backs off: the defaults suit an internet-facing login.</summary>
public sealed class LoginThrottleOptions
{
    /// <summary>Failures a peer may have before it must wait. Default 5.</summary>
    public int FreeFailures { get; init; } = 5;

    /// <summary>The wait after the first failure beyond <see cref="FreeFailures"/>; it doubles with each further failure. Default 1 s.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait. Default 5 minutes.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A peer with no failure for this long starts again from zero. Default 15 minutes.</summary>
    public TimeSpan ForgetAfter { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Most peers remembered at once; past it the longest-quiet peer is forgotten. Default 65 536.</summary>
    public int MaxTrackedPeers { get; init; } = 65_536;
}
