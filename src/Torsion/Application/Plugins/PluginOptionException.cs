namespace Torsion.Application.Plugins;

/// <summary>A plugin option is missing or its value is wrong; the message names the option and the value.</summary>
public sealed class PluginOptionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PluginOptionException()
    {
    }

    /// <summary>Creates the exception with a message naming the option.</summary>
    public PluginOptionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the parsing error behind it.</summary>
    public PluginOptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
