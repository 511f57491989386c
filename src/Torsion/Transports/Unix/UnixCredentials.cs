namespace Torsion.Transports.Unix;

/// <summary>The credentials of a Unix socket's peer (struct ucred), as read with SO_PEERCRED.</summary>
/// <param name="ProcessId">The peer process's id.</param>
/// <param name="UserId">The peer's user id.</param>
/// <param name="GroupId">The peer's group id.</param>
public readonly record struct UnixCredentials(int ProcessId, int UserId, int GroupId);
