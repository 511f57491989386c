namespace Torsion.Cli.Logging;

/// <summary>How log lines are written.</summary>
public enum LogFormat
{
    /// <summary>One readable line: <c>2026-11-25T22:50:01.123Z info  Torsion.Web.Site: message</c>.</summary>
    Text,

    /// <summary>One JSON object per line: <c>time</c>, <c>level</c>, <c>category</c>, <c>message</c>, <c>properties</c>, and <c>exception</c> when there is one.</summary>
    Json,
}
