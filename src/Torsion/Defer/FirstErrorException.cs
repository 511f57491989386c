namespace Torsion.Defer;

/// <summary>
/// The failure of <see cref="Deferred.Gather{T}"/> (and of a <see cref="DeferredList{T}"/> with fireOnOneErrback):
/// the Deferred at <see cref="Index"/> failed first, with <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class FirstErrorException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public FirstErrorException()
        : base("One of the gathered Deferreds failed.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public FirstErrorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the failure.</summary>
    public FirstErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for the Deferred at <paramref name="index"/> that failed with <paramref name="innerException"/>.</summary>
    public FirstErrorException(int index, Exception innerException)
        : base($"Deferred #{index} of the list failed first: {innerException?.GetType().Name}: {innerException?.Message}", innerException)
    {
        Index = index;
    }

    /// <summary>The position, in the list given, of the Deferred that failed first.</summary>
    public int Index { get; }
}
