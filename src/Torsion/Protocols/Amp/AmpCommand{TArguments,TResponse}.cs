namespace Torsion.Protocols.Amp;

/// <summary>
/// An AMP command (Twisted's <c>Command</c> subclass): its name, the schema of its arguments and of its response, the
/// errors it declares, and whether the caller waits for an answer. Declare each command once, as a static field, and
/// use it on both sides.
/// </summary>
/// <typeparam name="TArguments">The record of the arguments.</typeparam>
/// <typeparam name="TResponse">The record of the response (<see cref="Torsion.Defer.Unit"/> with <see cref="AmpSchema.Empty"/> for none).</typeparam>
public sealed class AmpCommand<TArguments, TResponse>
{
    private readonly AmpErrorCode[] _errors;

    /// <summary>A command named <paramref name="name"/> (the <c>_command</c> value, bytes one char per byte).</summary>
    /// <param name="name">The command name on the wire, e.g. "Sum".</param>
    /// <param name="arguments">The keys of the request.</param>
    /// <param name="response">The keys of the answer.</param>
    /// <param name="errors">The declared errors; the first that matches a thrown exception wins, so list subclasses first.</param>
    /// <param name="requiresAnswer">False for a command sent without <c>_ask</c>: the peer sends no answer.</param>
    public AmpCommand(string name, AmpSchema<TArguments> arguments, AmpSchema<TResponse> response, IEnumerable<AmpErrorCode>? errors = null, bool requiresAnswer = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(response);
        if (name.Length > AmpBox.MaxValueLength || name.Any(c => c > '\u00ff'))
        {
            throw new ArgumentException($"AMP command name '{name}' must be bytes, one char (U+0000..U+00FF) per byte.", nameof(name));
        }

        Name = name;
        Arguments = arguments;
        Response = response;
        _errors = errors?.ToArray() ?? [];
        var duplicate = _errors.GroupBy(e => e.Code).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Command {name} declares the error code '{duplicate.Key}' twice.", nameof(errors));
        }

        RequiresAnswer = requiresAnswer;
    }

    /// <summary>The name on the wire.</summary>
    public string Name { get; }

    /// <summary>The keys of the request.</summary>
    public AmpSchema<TArguments> Arguments { get; }

    /// <summary>The keys of the answer.</summary>
    public AmpSchema<TResponse> Response { get; }

    /// <summary>The declared errors.</summary>
    public IReadOnlyList<AmpErrorCode> Errors => _errors;

    /// <summary>False if callers do not ask for an answer (Twisted's <c>requiresAnswer</c>).</summary>
    public bool RequiresAnswer { get; }

    /// <summary>The declared error that <paramref name="error"/> travels as, or null.</summary>
    public AmpErrorCode? ErrorFor(Exception error) => Array.Find(_errors, e => e.Matches(error));

    /// <summary>The declared error with <paramref name="code"/>, or null.</summary>
    public AmpErrorCode? ErrorWithCode(string code) => Array.Find(_errors, e => e.Code == code);

    /// <inheritdoc />
    public override string ToString() => $"AMP command {Name}";
}
