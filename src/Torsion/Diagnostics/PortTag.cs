namespace Torsion.Diagnostics;

/// <summary>
/// The <c>torsion.port</c> tag of one listening port (for example <c>"tcp:127.0.0.1:8080"</c>),
/// built once when the port starts listening so that recording a measurement allocates nothing.
/// </summary>
public readonly struct PortTag : IEquatable<PortTag>
{
    /// <summary>The name of the tag every Torsion instrument carries.</summary>
    public const string Name = "torsion.port";

    /// <summary>Makes the tag for a port described as <paramref name="port"/>, e.g. <c>"tcp:0.0.0.0:8080"</c>.</summary>
    public PortTag(string port)
    {
        ArgumentException.ThrowIfNullOrEmpty(port);
        Tag = new KeyValuePair<string, object?>(Name, port);
    }

    /// <summary>The port as given, e.g. <c>"tcp:0.0.0.0:8080"</c>.</summary>
    public string Port => (string?)Tag.Value ?? string.Empty;

    /// <summary>The tag as the instruments take it.</summary>
    public KeyValuePair<string, object?> Tag { get; }

    /// <inheritdoc />
    public bool Equals(PortTag other) => string.Equals(Port, other.Port, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PortTag other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Port);

    /// <inheritdoc />
    public override string ToString() => Port;

    /// <summary>True when both tags name the same port.</summary>
    public static bool operator ==(PortTag left, PortTag right) => left.Equals(right);

    /// <summary>True when the tags name different ports.</summary>
    public static bool operator !=(PortTag left, PortTag right) => !left.Equals(right);
}
