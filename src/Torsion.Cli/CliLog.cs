using Microsoft.Extensions.Logging;

namespace Torsion.Cli;

/// <summary>The log events of the <c>torsion</c> command.</summary>
internal static partial class CliLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: {Reason}")]
    public static partial void Stopping(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Plugin} started (pid {Pid})")]
    public static partial void Started(ILogger logger, string plugin, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Plugin} stopped")]
    public static partial void Stopped(ILogger logger, string plugin);
}
