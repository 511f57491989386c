namespace Torsion.Application.Plugins;

/// <summary>
/// One option of a plugin, independent of any command-line library: <c>--NAME VALUE</c>, or <c>--NAME</c> alone for a
/// flag. Values reach the plugin as strings through <see cref="PluginOptionValues"/>, which converts and checks them.
/// </summary>
public sealed class PluginOption
{
    /// <summary>An option taking a value.</summary>
    /// <param name="name">The long name without dashes, lower case: <c>udp</c> for <c>--udp</c>.</param>
    /// <param name="description">One line for the help.</param>
    /// <param name="valueName">The placeholder shown in the help, e.g. <c>PORT</c>.</param>
    /// <param name="defaultValue">The value used when the option is not given (shown in the help), or null for none.</param>
    /// <param name="required">True when the plugin cannot run without it.</param>
    public PluginOption(string name, string description, string valueName = "VALUE", string? defaultValue = null, bool required = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentException.ThrowIfNullOrWhiteSpace(valueName);
        if (name.StartsWith('-'))
        {
            throw new ArgumentException($"Plugin option name '{name}' must be given without dashes.", nameof(name));
        }

        Name = name;
        Description = description;
        ValueName = valueName;
        DefaultValue = defaultValue;
        Required = required;
    }

    private PluginOption(string name, string description)
        : this(name, description, "VALUE")
    {
        IsFlag = true;
    }

    /// <summary>A flag: <c>--NAME</c> alone, true when given.</summary>
    public static PluginOption Flag(string name, string description) => new(name, description);

    /// <summary>The long name without dashes.</summary>
    public string Name { get; }

    /// <summary>One line for the help.</summary>
    public string Description { get; }

    /// <summary>The placeholder shown in the help.</summary>
    public string ValueName { get; }

    /// <summary>The value used when the option is not given, or null.</summary>
    public string? DefaultValue { get; }

    /// <summary>True when the option must be given.</summary>
    public bool Required { get; }

    /// <summary>True for an option without a value.</summary>
    public bool IsFlag { get; }
}
