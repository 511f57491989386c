namespace Torsion.Endpoints;

/// <summary>An endpoint string that cannot be used: the message names the bad part and shows the accepted form.</summary>
public sealed class EndpointSyntaxException : FormatException
{
    /// <summary>Creates the exception with a default message.</summary>
    public EndpointSyntaxException()
        : base("Bad endpoint string.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public EndpointSyntaxException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public EndpointSyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="description"/>: <paramref name="problem"/> names the bad part.</summary>
    public EndpointSyntaxException(string description, string part, string problem, string? acceptedForm)
        : base($"Bad endpoint '{description}': {problem}." + (acceptedForm is null ? "" : $" Accepted form: {acceptedForm}"))
    {
        Description = description;
        Part = part;
        AcceptedForm = acceptedForm;
    }

    /// <summary>The whole endpoint string, when known.</summary>
    public string? Description { get; }

    /// <summary>The part of the string that is wrong (a type, key, value or argument), when known.</summary>
    public string? Part { get; }

    /// <summary>The accepted form of this endpoint type, when the type is known.</summary>
    public string? AcceptedForm { get; }
}
