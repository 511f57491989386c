using Torsion.Defer;

namespace Torsion.Web.Server;

/// <summary>
/// What <see cref="Resource.Render"/> returns: a body to send now (bytes or text), <see cref="NotDoneYet"/>
/// (the resource finishes the request itself later, Twisted's NOT_DONE_YET), or a Task/Deferred whose completion
/// finishes the request (writing its bytes or text first, when it has some).
/// </summary>
public readonly struct RenderResult
{
    private RenderResult(object? value, bool notDoneYet)
    {
        Value = value;
        IsNotDoneYet = notDoneYet;
    }

    /// <summary>The resource writes and finishes the request itself later.</summary>
    public static RenderResult NotDoneYet => new(null, true);

    /// <summary>An empty body.</summary>
    public static RenderResult Empty => new(Array.Empty<byte>(), false);

    internal object? Value { get; }

    internal bool IsNotDoneYet { get; }

    /// <summary>A body sent at once.</summary>
    public static implicit operator RenderResult(byte[] body) => new(body ?? [], false);

    /// <summary>Text sent at once as UTF-8.</summary>
    public static implicit operator RenderResult(string text) => new(text ?? "", false);

    /// <summary>The request finishes when <paramref name="task"/> completes (500 if it fails).</summary>
    public static implicit operator RenderResult(Task task) => new(task, false);

    /// <summary>The task's text is written, then the request finishes.</summary>
    public static implicit operator RenderResult(Task<string> task) => new(task, false);

    /// <summary>The task's bytes are written, then the request finishes.</summary>
    public static implicit operator RenderResult(Task<byte[]> task) => new(task, false);

    /// <summary>The request finishes when <paramref name="deferred"/> fires (500 if it fails).</summary>
    public static implicit operator RenderResult(Deferred<Unit> deferred) => new(deferred, false);

    /// <summary>The Deferred's text is written, then the request finishes.</summary>
    public static implicit operator RenderResult(Deferred<string> deferred) => new(deferred, false);

    /// <summary>The Deferred's bytes are written, then the request finishes.</summary>
    public static implicit operator RenderResult(Deferred<byte[]> deferred) => new(deferred, false);

    /// <summary>Named alternative to the conversion from bytes.</summary>
    public static RenderResult FromBytes(byte[] body) => body;

    /// <summary>Named alternative to the conversion from text.</summary>
    public static RenderResult FromString(string text) => text;

    /// <summary>Named alternative to the conversion from a Task.</summary>
    public static RenderResult FromTask(Task task) => task;
}
