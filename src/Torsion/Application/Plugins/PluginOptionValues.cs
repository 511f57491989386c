using System.Globalization;

namespace Torsion.Application.Plugins;

/// <summary>
/// The parsed values of a plugin's options, by name (without dashes), defaults applied. The typed getters throw
/// <see cref="PluginOptionException"/> naming the option and the bad value.
/// </summary>
public sealed class PluginOptionValues
{
    private readonly Dictionary<string, string?> _values;

    /// <summary>Values for <paramref name="options"/>: <paramref name="given"/> where present, else each default.</summary>
    /// <exception cref="PluginOptionException">A required option is missing, or a given name is no option.</exception>
    public PluginOptionValues(IReadOnlyList<PluginOption> options, IReadOnlyDictionary<string, string?> given)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(given);
        _values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in given.Keys)
        {
            if (!options.Any(o => o.Name == name))
            {
                throw new PluginOptionException($"--{name} is not an option of this plugin");
            }
        }

        foreach (var option in options)
        {
            if (given.TryGetValue(option.Name, out var value) && value is not null)
            {
                _values[option.Name] = value;
            }
            else if (option.Required)
            {
                throw new PluginOptionException($"--{option.Name} {option.ValueName} is required");
            }
            else
            {
                _values[option.Name] = option.IsFlag ? null : option.DefaultValue;
            }
        }
    }

    /// <summary>No values: for plugins without options.</summary>
    public static PluginOptionValues Empty { get; } = new([], new Dictionary<string, string?>());

    /// <summary>The value of <c>--NAME</c> (its default when not given), or null.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not an option of the plugin.</exception>
    public string? GetString(string name) =>
        _values.TryGetValue(name, out var value)
            ? value
            : throw new ArgumentException($"'{name}' is not an option of this plugin.", nameof(name));

    /// <summary>True when the flag <c>--NAME</c> was given (for a valued option: when it has a value).</summary>
    public bool GetFlag(string name) => GetString(name) is not null;

    /// <summary>The value of <c>--NAME</c> as a whole number within [<paramref name="min"/>, <paramref name="max"/>], or null when absent.</summary>
    /// <exception cref="PluginOptionException">The value is not a whole number in range.</exception>
    public int? GetInt32(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = GetString(name);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw new PluginOptionException($"--{name}: '{text}' is not a whole number");
        }

        if (value < min || value > max)
        {
            throw new PluginOptionException($"--{name}: {value} is out of range ({min} to {max})");
        }

        return value;
    }

    /// <summary>The value of <c>--NAME</c> as the path of an existing file, or null when absent.</summary>
    /// <exception cref="PluginOptionException">No file is at that path.</exception>
    public string? GetExistingFile(string name)
    {
        var path = GetString(name);
        if (path is not null && !File.Exists(path))
        {
            throw new PluginOptionException($"--{name}: no such file: {path}");
        }

        return path;
    }
}
