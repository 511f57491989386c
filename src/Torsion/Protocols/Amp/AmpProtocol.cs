using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Torsion.Defer;

namespace Torsion.Protocols.Amp;

/// <summary>
/// One AMP connection, both directions at once (Twisted's <c>twisted.protocols.amp.AMP</c>): <see cref="CallRemote{TArguments, TResponse}"/>
/// sends a command tagged with <c>_ask</c> and gives a Deferred of its answer; responders added with
/// <c>AddResponder</c> answer the peer's commands with a value, a Deferred or a Task. Declared errors travel as
/// their codes; an undeclared failure is logged, answered with <c>UNKNOWN</c> and closes the connection, as in
/// Twisted. Malformed input is logged and closes only this connection. Subclass it to add responders in the
/// constructor, or add them to an instance before it is connected.
/// </summary>
public class AmpProtocol : Protocol
{
    private readonly AmpBoxParser _parser = new();
    private readonly Dictionary<string, Responder> _responders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingCall> _pending = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _output = new();
    private readonly Func<AmpBox, bool> _onBox;
    private long _lastTag;
    private Exception? _lostReason;

    /// <summary>An AMP connection with no responders yet.</summary>
    public AmpProtocol()
    {
        _onBox = BoxReceived;
    }

    /// <summary>Where protocol errors and failed responders are logged (nothing is logged when null).</summary>
    public ILogger? Logger { get; set; }

    /// <summary>The largest box accepted from the peer, in wire bytes (default <see cref="AmpBoxParser.DefaultMaxBoxSize"/>).</summary>
    public int MaxBoxSize
    {
        get => _parser.MaxBoxSize;
        set => _parser.MaxBoxSize = value;
    }

    /// <summary>The most keys a box from the peer may have (default <see cref="AmpBoxParser.DefaultMaxKeysPerBox"/>).</summary>
    public int MaxKeysPerBox
    {
        get => _parser.MaxKeysPerBox;
        set => _parser.MaxKeysPerBox = value;
    }

    /// <summary>The protocol error that closed this connection, if one did.</summary>
    public Exception? ProtocolError { get; private set; }

    /// <summary>How many calls wait for their answer.</summary>
    public int PendingCallCount => _pending.Count;

    /// <summary>Answers <paramref name="command"/> with the value <paramref name="responder"/> returns.</summary>
    /// <exception cref="ArgumentException">The command already has a responder.</exception>
    public void AddResponder<TArguments, TResponse>(AmpCommand<TArguments, TResponse> command, Func<TArguments, TResponse> responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        Register(command, args => Deferred.Succeed(responder(args)));
    }

    /// <summary>Answers <paramref name="command"/> when the Deferred <paramref name="responder"/> returns fires.</summary>
    /// <exception cref="ArgumentException">The command already has a responder.</exception>
    public void AddResponder<TArguments, TResponse>(AmpCommand<TArguments, TResponse> command, Func<TArguments, Deferred<TResponse>> responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        Register(command, responder);
    }

    /// <summary>Answers <paramref name="command"/> when the Task <paramref name="responder"/> returns completes.</summary>
    /// <exception cref="ArgumentException">The command already has a responder.</exception>
    public void AddResponder<TArguments, TResponse>(AmpCommand<TArguments, TResponse> command, Func<TArguments, Task<TResponse>> responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        Register(command, args => Deferred.FromTask(responder(args)));
    }

    /// <summary>
    /// Sends <paramref name="command"/> with <paramref name="arguments"/> and a fresh <c>_ask</c> tag. The Deferred
    /// fires with the decoded answer, or fails with the command's declared exception, <see cref="UnhandledCommandException"/>,
    /// <see cref="UnknownRemoteErrorException"/>, <see cref="AmpArgumentException"/> (an answer that does not match the
    /// schema), an encoding error of the arguments, or the reason the connection was lost.
    /// </summary>
    /// <exception cref="InvalidOperationException">The command does not require an answer: use <see cref="CallRemoteNoAnswer{TArguments, TResponse}"/>.</exception>
    public Deferred<TResponse> CallRemote<TArguments, TResponse>(AmpCommand<TArguments, TResponse> command, TArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!command.RequiresAnswer)
        {
            throw new InvalidOperationException($"AMP command {command.Name} does not require an answer: send it with CallRemoteNoAnswer.");
        }

        if (_lostReason is not null)
        {
            return Deferred.Fail<TResponse>(_lostReason);
        }

        var box = new AmpBox();
        try
        {
            command.Arguments.Write(arguments, box);
        }
        catch (Exception e) when (e is ArgumentException or AmpTooLongException)
        {
            return Deferred.Fail<TResponse>(e);
        }

        var call = new PendingCall<TArguments, TResponse>(command);
        Ask(command.Name, box, call);
        return call.Result;
    }

    /// <summary>Sends <paramref name="command"/> without <c>_ask</c>: the peer runs it and sends no answer.</summary>
    /// <exception cref="ArgumentException">An argument cannot be encoded (the message names it).</exception>
    /// <exception cref="AmpTooLongException">An encoded argument is over 65535 bytes.</exception>
    /// <exception cref="InvalidOperationException">The connection is lost.</exception>
    public void CallRemoteNoAnswer<TArguments, TResponse>(AmpCommand<TArguments, TResponse> command, TArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(command);
        var box = new AmpBox();
        command.Arguments.Write(arguments, box);
        box[AmpBoxKeys.Command] = Encoding.Latin1.GetBytes(command.Name);
        SendBox(box);
    }

    /// <summary>
    /// Sends a command built by hand (Twisted's <c>callRemoteString</c>): <paramref name="arguments"/> get
    /// <c>_command</c> and <c>_ask</c>; the Deferred fires with the raw answer box or fails with
    /// <see cref="AmpRemoteException"/> (<see cref="UnhandledCommandException"/> for <c>UNHANDLED</c>,
    /// <see cref="UnknownRemoteErrorException"/> for <c>UNKNOWN</c>).
    /// </summary>
    public Deferred<AmpBox> CallRemoteBox(string command, AmpBox arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ArgumentNullException.ThrowIfNull(arguments);
        if (_lostReason is not null)
        {
            return Deferred.Fail<AmpBox>(_lostReason);
        }

        var call = new PendingBoxCall();
        Ask(command, arguments, call);
        return call.Result;
    }

    /// <summary>Writes <paramref name="box"/> as it is (Twisted's <c>sendBox</c>).</summary>
    /// <exception cref="InvalidOperationException">The connection is lost.</exception>
    public void SendBox(AmpBox box)
    {
        ArgumentNullException.ThrowIfNull(box);
        if (_lostReason is not null)
        {
            throw new InvalidOperationException($"Cannot send an AMP box: the connection is lost ({_lostReason.Message}).", _lostReason);
        }

        _output.ResetWrittenCount();
        box.WriteTo(_output);
        Transport.Write(_output.WrittenSpan);
    }

    /// <inheritdoc />
    public sealed override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (ProtocolError is not null || _lostReason is not null)
        {
            return;
        }

        try
        {
            _parser.Feed(data, _onBox);
        }
        catch (AmpBoxParseException e)
        {
            Fail(e);
        }
    }

    /// <summary>Fails every pending call with <paramref name="reason"/> (or the protocol error that closed the connection). Overrides must call it.</summary>
    public override void ConnectionLost(Exception reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        _lostReason = ProtocolError ?? reason;
        var pending = _pending.Values.ToArray();
        _pending.Clear();
        foreach (var call in pending)
        {
            call.Fail(_lostReason);
        }
    }

    private void Register<TArguments, TResponse>(AmpCommand<TArguments, TResponse> command, Func<TArguments, Deferred<TResponse>> responder)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!_responders.TryAdd(command.Name, new Responder<TArguments, TResponse>(command, responder)))
        {
            throw new ArgumentException($"AMP command {command.Name} already has a responder.", nameof(command));
        }
    }

    private void Ask(string command, AmpBox box, PendingCall call)
    {
        // Twisted's tags: a per-connection counter in hex.
        var tag = (++_lastTag).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        box[AmpBoxKeys.Command] = Encoding.Latin1.GetBytes(command);
        box[AmpBoxKeys.Ask] = Encoding.ASCII.GetBytes(tag);
        _pending[tag] = call;
        SendBox(box);
    }

    private bool BoxReceived(AmpBox box)
    {
        if (box.TryGetValue(AmpBoxKeys.Answer, out var answer))
        {
            if (!_pending.Remove(Encoding.Latin1.GetString(answer), out var call))
            {
                Fail(new AmpBoxParseException($"AMP answer for the unknown tag '{Encoding.Latin1.GetString(answer)}': {box}"));
                return false;
            }

            call.Answered(box);
        }
        else if (box.TryGetValue(AmpBoxKeys.Error, out var error))
        {
            if (!_pending.Remove(Encoding.Latin1.GetString(error), out var call))
            {
                Fail(new AmpBoxParseException($"AMP error for the unknown tag '{Encoding.Latin1.GetString(error)}': {box}"));
                return false;
            }

            var code = box.TryGetValue(AmpBoxKeys.ErrorCode, out var c) ? Encoding.Latin1.GetString(c) : AmpBoxKeys.UnknownErrorCode;
            var description = box.TryGetValue(AmpBoxKeys.ErrorDescription, out var d) ? Encoding.UTF8.GetString(d) : "";
            call.ErrorReceived(code, description);
        }
        else if (box.TryGetValue(AmpBoxKeys.Command, out var command))
        {
            CommandReceived(Encoding.Latin1.GetString(command), box);
        }
        else
        {
            Fail(new AmpBoxParseException($"AMP box has none of _answer, _error and _command (Twisted's NoEmptyBoxes): {box}"));
            return false;
        }

        return ProtocolError is null && _lostReason is null;
    }

    private void CommandReceived(string name, AmpBox box)
    {
        var ask = box.TryGetValue(AmpBoxKeys.Ask, out var a) ? a : null;
        Deferred<AmpBox> result;
        if (!_responders.TryGetValue(name, out var responder))
        {
            result = Deferred.Fail<AmpBox>(new UnhandledCommandException($"Unhandled Command: '{name}'"));
        }
        else
        {
            try
            {
                result = responder.Invoke(box);
            }
            catch (Exception e)
            {
                result = Deferred.Fail<AmpBox>(e);
            }
        }

        result.AddBoth(r => Respond(name, ask, r));
    }

    private void Respond(string command, byte[]? ask, DeferredResult<AmpBox> result)
    {
        if (ask is null)
        {
            if (!result.Success)
            {
                // Nobody can hear of it: as Twisted does, log it and drop the connection.
                Logger?.LogError(result.Error, "AMP command {Command} sent without _ask failed; closing the connection from {Peer}", command, PeerName);
                Close();
            }

            return;
        }

        AmpBox reply;
        var close = false;
        if (result.Success)
        {
            reply = result.Value;
            reply[AmpBoxKeys.Answer] = ask;
        }
        else
        {
            string code, description;
            switch (result.Error)
            {
                case DeclaredError declared:
                    code = declared.Code.Code;
                    description = declared.InnerException!.Message;
                    close = declared.Code.Fatal;
                    break;
                case UnhandledCommandException unhandled:
                    code = AmpBoxKeys.UnhandledErrorCode;
                    description = unhandled.Description;
                    break;
                default:
                    Logger?.LogError(result.Error, "AMP responder for {Command} failed with an undeclared error; answering UNKNOWN and closing the connection from {Peer}", command, PeerName);
                    code = AmpBoxKeys.UnknownErrorCode;
                    description = "Unknown Error";
                    close = true;
                    break;
            }

            reply = new AmpBox
            {
                [AmpBoxKeys.Error] = ask,
                [AmpBoxKeys.ErrorCode] = Encoding.Latin1.GetBytes(code),
                [AmpBoxKeys.ErrorDescription] = Utf8Truncated(description),
            };
        }

        if (_lostReason is null && ProtocolError is null)
        {
            SendBox(reply);
            if (close)
            {
                Close();
            }
        }
    }

    private string PeerName => HasTransport ? Transport.Peer.ToString() ?? "?" : "(not connected)";

    private void Close()
    {
        if (HasTransport && _lostReason is null)
        {
            Transport.LoseConnection();
        }
    }

    private void Fail(Exception error)
    {
        ProtocolError = error;
        FramingError.Close(this, Logger, error);
    }

    private static byte[] Utf8Truncated(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= AmpBox.MaxValueLength)
        {
            return bytes;
        }

        var end = AmpBox.MaxValueLength;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80)
        {
            end--;
        }

        return bytes[..end];
    }

    /// <summary>A declared error on its way to the wire.</summary>
    private sealed class DeclaredError(AmpErrorCode code, Exception error) : Exception(error.Message, error)
    {
        public AmpErrorCode Code { get; } = code;
    }

    private abstract class Responder
    {
        public abstract Deferred<AmpBox> Invoke(AmpBox box);
    }

    private sealed class Responder<TArguments, TResponse>(AmpCommand<TArguments, TResponse> command, Func<TArguments, Deferred<TResponse>> function)
        : Responder
    {
        public override Deferred<AmpBox> Invoke(AmpBox box)
        {
            // A box that does not match the schema is an undeclared error, as in Twisted.
            var arguments = command.Arguments.Read(box);
            return Deferred.MaybeDeferred(() => function(arguments)).AddCallbacks(
                value =>
                {
                    var answer = new AmpBox();
                    try
                    {
                        command.Response.Write(value, answer);
                    }
                    catch (Exception e)
                    {
                        return Deferred.Fail<AmpBox>(new AmpException($"The responder for AMP command {command.Name} returned a value that cannot be encoded: {e.Message}", e));
                    }

                    return Deferred.Succeed(answer);
                },
                error => Deferred.Fail<AmpBox>(command.ErrorFor(error) is { } code ? new DeclaredError(code, error) : error));
        }
    }

    private abstract class PendingCall
    {
        public abstract void Answered(AmpBox box);

        public abstract void ErrorReceived(string code, string description);

        public abstract void Fail(Exception reason);
    }

    private sealed class PendingCall<TArguments, TResponse>(AmpCommand<TArguments, TResponse> command) : PendingCall
    {
        public Deferred<TResponse> Result { get; } = new();

        public override void Answered(AmpBox box)
        {
            TResponse value;
            try
            {
                value = command.Response.Read(box);
            }
            catch (AmpArgumentException e)
            {
                Result.Errback(e);
                return;
            }

            Result.Callback(value);
        }

        public override void ErrorReceived(string code, string description)
        {
            Exception error;
            if (code == AmpBoxKeys.UnhandledErrorCode)
            {
                error = new UnhandledCommandException(description);
            }
            else if (command.ErrorWithCode(code) is { } declared)
            {
                try
                {
                    error = declared.Create(description);
                }
                catch (Exception e)
                {
                    error = new AmpException($"Creating the exception for AMP error code {code} of {command.Name} failed: {e.Message}", e);
                }
            }
            else
            {
                error = new UnknownRemoteErrorException(code, description);
            }

            Result.Errback(error);
        }

        public override void Fail(Exception reason) => Result.Errback(reason);
    }

    private sealed class PendingBoxCall : PendingCall
    {
        public Deferred<AmpBox> Result { get; } = new();

        public override void Answered(AmpBox box) => Result.Callback(box);

        public override void ErrorReceived(string code, string description) =>
            Result.Errback(code switch
            {
                AmpBoxKeys.UnhandledErrorCode => new UnhandledCommandException(description),
                AmpBoxKeys.UnknownErrorCode => new UnknownRemoteErrorException(code, description),
                _ => new AmpRemoteException(code, description),
            });

        public override void Fail(Exception reason) => Result.Errback(reason);
    }
}
