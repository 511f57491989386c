namespace Torsion.Reactor;

/// <summary>Something with writes to flush once the current dispatch batch ends (see <see cref="ReactorBase.RequestFlush"/>).</summary>
internal interface IBatchFlush
{
    /// <summary>True while it sits in the reactor's flush list.</summary>
    bool FlushRequested { get; set; }

    void FlushBatch();
}
