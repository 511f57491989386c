namespace Torsion.Protocols.Amp;

/// <summary>
/// An error a command declares (an entry of Twisted's <c>errors</c> or <c>fatalErrors</c>): a responder that throws a
/// matching exception sends <c>_error</c> with <see cref="Code"/> and the exception's message; the caller gets the
/// exception <see cref="Create"/> makes from that message.
/// </summary>
public sealed class AmpErrorCode
{
    private readonly Func<Exception, bool> _matches;
    private readonly Func<string, Exception> _create;

    private AmpErrorCode(string code, bool fatal, Type exceptionType, Func<Exception, bool> matches, Func<string, Exception> create)
    {
        Code = code;
        Fatal = fatal;
        ExceptionType = exceptionType;
        _matches = matches;
        _create = create;
    }

    /// <summary>The code on the wire (bytes, one char per byte), e.g. "ZERO_DIVISION".</summary>
    public string Code { get; }

    /// <summary>True if sending this error also closes the connection (Twisted's <c>fatalErrors</c>).</summary>
    public bool Fatal { get; }

    /// <summary>The exception type this code stands for (subclasses match too).</summary>
    public Type ExceptionType { get; }

    /// <summary>
    /// Declares that <typeparamref name="TException"/> (and its subclasses) travels as <paramref name="code"/>;
    /// <paramref name="create"/> rebuilds it from the description on the caller's side.
    /// </summary>
    public static AmpErrorCode For<TException>(string code, Func<string, TException> create, bool fatal = false)
        where TException : Exception
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        ArgumentNullException.ThrowIfNull(create);
        if (code.Length > AmpBox.MaxValueLength || code.Any(c => c > '\u00ff'))
        {
            throw new ArgumentException($"AMP error code '{code}' must be bytes, one char (U+0000..U+00FF) per byte.", nameof(code));
        }

        if (code is AmpBoxKeys.UnknownErrorCode or AmpBoxKeys.UnhandledErrorCode)
        {
            throw new ArgumentException($"AMP error code '{code}' is reserved by the protocol.", nameof(code));
        }

        return new AmpErrorCode(code, fatal, typeof(TException), e => e is TException, d => create(d));
    }

    /// <summary>True if <paramref name="error"/> is of <see cref="ExceptionType"/>.</summary>
    public bool Matches(Exception error) => _matches(error);

    /// <summary>The exception the caller gets for this code with the peer's <paramref name="description"/>.</summary>
    public Exception Create(string description) => _create(description);
}
