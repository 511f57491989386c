namespace Torsion.Defer;

/// <summary>The one value of a Deferred that carries no value: <c>Deferred&lt;Unit&gt;</c> fires with <see cref="Value"/>.</summary>
public readonly struct Unit : IEquatable<Unit>
{
    /// <summary>The only value.</summary>
    public static readonly Unit Value;

    /// <summary>Always true: all units are equal.</summary>
    public static bool operator ==(Unit left, Unit right) => true;

    /// <summary>Always false: all units are equal.</summary>
    public static bool operator !=(Unit left, Unit right) => false;

    /// <summary>Always true.</summary>
    public bool Equals(Unit other) => true;

    /// <summary>True for any boxed <see cref="Unit"/>.</summary>
    public override bool Equals(object? obj) => obj is Unit;

    /// <summary>Zero.</summary>
    public override int GetHashCode() => 0;

    /// <summary>Returns <c>()</c>.</summary>
    public override string ToString() => "()";
}
