using System.Text;
using Microsoft.Extensions.Logging;
using Torsion.Defer;
using Torsion.Protocols.Amp;
using Torsion.Testing;
using Torsion.Transports;

namespace Torsion.Tests.Protocols.Amp;

public sealed class AmpProtocolTests
{
    internal sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message, Exception? Error)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception), exception));
    }

    private readonly ListLogger _serverLog = new();
    private readonly LoopbackPump _pump = new();
    private readonly AmpProtocol _server;
    private readonly AmpProtocol _client = new();

    public AmpProtocolTests()
    {
        _server = new AmpProtocol { Logger = _serverLog };
        _server.AddResponder(AmpTestCommands.Sum, a => new SumResult(a.A + a.B));
        _server.AddResponder(AmpTestCommands.Divide, a => a.Denominator switch
        {
            0 => throw new DivideByZeroException("division by zero"),
            -1 => throw new FatalTestException("fatal"),
            -2 => throw new InvalidOperationException("secret detail"),
            _ => new DivideResult((double)a.Numerator / a.Denominator),
        });
        _server.AddResponder(AmpTestCommands.Echo, a => a);
    }

    private static T Result<T>(Deferred<T> d) => DeferredResults.SuccessResultOf(d);

    private static TException Failure<T, TException>(Deferred<T> d)
        where TException : Exception
    {
        Assert.True(d.Called, "the Deferred has not fired");
        var error = Assert.ThrowsAny<Exception>(() => d.AsTask().GetAwaiter().GetResult());
        return Assert.IsType<TException>(error);
    }

    private void Connect() => _pump.Connect(_server, _client);

    [Fact]
    public void CallRemote_gets_the_typed_answer()
    {
        Connect();
        var d = _client.CallRemote(AmpTestCommands.Sum, new SumArgs(13, 81));
        Assert.False(d.Called);
        Assert.Equal(1, _client.PendingCallCount);
        _pump.Flush();
        Assert.Equal(94, Result(d).Total);
        Assert.Equal(0, _client.PendingCallCount);
    }

    [Fact]
    public void Every_argument_type_crosses_the_connection()
    {
        Connect();
        var sample = AmpTestCommands.SampleEcho() with { Extra = -9 };
        var d = _client.CallRemote(AmpTestCommands.Echo, sample);
        _pump.Flush();
        AmpTestCommands.AssertEchoEqual(sample, Result(d));
    }

    [Fact]
    public void Both_sides_call_each_other_on_one_connection()
    {
        _client.AddResponder(AmpTestCommands.Sum, a => new SumResult(a.A * 100 + a.B));
        Connect();
        var fromClient = _client.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 2));
        var fromServer = _server.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 2));
        _pump.Flush();
        Assert.Equal(3, Result(fromClient).Total);
        Assert.Equal(102, Result(fromServer).Total);
    }

    [Fact]
    public void Calls_are_tagged_with_a_hex_counter_and_answers_may_come_out_of_order()
    {
        var server = new AmpProtocol();
        var waiting = new Deferred<SumResult>();
        server.AddResponder(AmpTestCommands.Sum, a => a.A == 0 ? waiting : Deferred.Succeed(new SumResult(a.B)));
        _pump.Connect(server, _client);
        var calls = Enumerable.Range(0, 17).Select(i => _client.CallRemote(AmpTestCommands.Sum, new SumArgs(i, i))).ToList();
        _pump.Flush();
        Assert.False(calls[0].Called);
        Assert.Equal(16, Result(calls[16]).Total);
        waiting.Callback(new SumResult(-1));
        _pump.Flush();
        Assert.Equal(-1, Result(calls[0]).Total);
    }

    [Fact]
    public void The_request_on_the_wire_has_command_ask_and_arguments()
    {
        var transport = new StringTransport();
        transport.Connect(_client);
        _client.CallRemote(AmpTestCommands.Sum, new SumArgs(13, 81));
        _client.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 1));
        var boxes = AmpBoxParser.ParseAll(transport.Value());
        Assert.Equal("Sum", boxes[0].GetString("_command"));
        Assert.Equal("1", boxes[0].GetString("_ask"));
        Assert.Equal("13", boxes[0].GetString("a"));
        Assert.Equal("2", boxes[1].GetString("_ask"));
    }

    [Fact]
    public void A_Task_responder_answers_when_the_task_completes()
    {
        var server = new AmpProtocol();
        var source = new TaskCompletionSource<SumResult>();
        server.AddResponder(AmpTestCommands.Sum, _ => source.Task);
        _pump.Connect(server, _client);
        var d = _client.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 2));
        _pump.Flush();
        Assert.False(d.Called);
        source.SetResult(new SumResult(42));
        _pump.Flush();
        Assert.Equal(42, Result(d).Total);
    }

    [Fact]
    public void A_declared_error_arrives_as_the_mapped_exception_and_the_connection_stays()
    {
        Connect();
        var d = _client.CallRemote(AmpTestCommands.Divide, new DivideArgs(1, 0));
        _pump.Flush();
        Assert.Equal("division by zero", Failure<DivideResult, DivideByZeroException>(d).Message);
        Assert.True(_client.Connected);
        Assert.Empty(_serverLog.Entries);
        var again = _client.CallRemote(AmpTestCommands.Divide, new DivideArgs(1, 4));
        _pump.Flush();
        Assert.Equal(0.25, Result(again).Result);
    }

    [Fact]
    public void A_fatal_declared_error_is_sent_then_the_connection_closes()
    {
        Connect();
        var d = _client.CallRemote(AmpTestCommands.Divide, new DivideArgs(1, -1));
        _pump.Flush();
        Assert.Equal("fatal", Failure<DivideResult, FatalTestException>(d).Message);
        Assert.False(_client.Connected);
    }

    [Fact]
    public void An_undeclared_error_is_logged_answered_UNKNOWN_and_closes_the_connection()
    {
        Connect();
        var d = _client.CallRemote(AmpTestCommands.Divide, new DivideArgs(1, -2));
        var pending = _client.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 1));
        var error = Failure<DivideResult, UnknownRemoteErrorException>(FlushAnd(d));
        Assert.Equal("UNKNOWN", error.Code);
        Assert.Equal("Unknown Error", error.Description);
        var (level, message, logged) = Assert.Single(_serverLog.Entries);
        Assert.Equal(LogLevel.Error, level);
        Assert.StartsWith("AMP responder for Divide failed with an undeclared error", message);
        Assert.Equal("secret detail", logged!.Message);
        Assert.False(_client.Connected);
        Assert.True(pending.Called);
    }

    private Deferred<T> FlushAnd<T>(Deferred<T> d)
    {
        _pump.Flush();
        return d;
    }

    [Fact]
    public void An_unknown_command_fails_with_UnhandledCommandException_and_the_connection_stays()
    {
        Connect();
        var unknown = new AmpCommand<SumArgs, SumResult>("Nope", AmpTestCommands.Sum.Arguments, AmpTestCommands.Sum.Response);
        var error = Failure<SumResult, UnhandledCommandException>(FlushAnd(_client.CallRemote(unknown, new SumArgs(1, 2))));
        Assert.Equal("UNHANDLED", error.Code);
        Assert.Equal("Unhandled Command: 'Nope'", error.Description);
        Assert.True(_client.Connected);
    }

    [Fact]
    public void Arguments_that_do_not_match_the_schema_are_an_undeclared_error()
    {
        Connect();
        var box = new AmpBox { ["a"] = "1"u8.ToArray() };
        var error = Failure<AmpBox, UnknownRemoteErrorException>(FlushAnd(_client.CallRemoteBox("Sum", box)));
        Assert.Equal("UNKNOWN", error.Code);
        Assert.Contains(_serverLog.Entries, e => e.Error is AmpArgumentException { Message: "AMP box lacks the required key 'b' (Integer)." });
    }

    [Fact]
    public void An_answer_missing_a_response_key_fails_the_call_with_AmpArgumentException()
    {
        var server = new AmpProtocol();
        var transport = new StringTransport();
        transport.Connect(_client);
        var d = _client.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 2));
        _client.DataReceived(new AmpBox { ["_answer"] = "1"u8.ToArray() }.ToArray());
        Assert.Equal("AMP box lacks the required key 'total' (Integer).", Failure<SumResult, AmpArgumentException>(d).Message);
        Assert.False(transport.Disconnecting);
        _ = server;
    }

    [Fact]
    public void An_error_code_the_command_does_not_declare_arrives_as_UnknownRemoteErrorException_with_the_code()
    {
        var transport = new StringTransport();
        transport.Connect(_client);
        var d = _client.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 2));
        _client.DataReceived(new AmpBox { ["_error"] = "1"u8.ToArray(), ["_error_code"] = "OOPS"u8.ToArray(), ["_error_description"] = "bad ✓"u8.ToArray() }.ToArray());
        var error = Failure<SumResult, UnknownRemoteErrorException>(d);
        Assert.Equal("OOPS", error.Code);
        Assert.Equal("bad ✓", error.Description);
    }

    [Fact]
    public void A_command_without_answer_runs_and_nothing_is_sent_back()
    {
        var server = new AmpProtocol();
        var seen = new List<long>();
        server.AddResponder(AmpTestCommands.Notify, a =>
        {
            seen.Add(a.A + a.B);
            return Unit.Value;
        });
        var transport = new StringTransport();
        transport.Connect(server);
        var client = new AmpProtocol();
        var clientTransport = new StringTransport();
        clientTransport.Connect(client);
        client.CallRemoteNoAnswer(AmpTestCommands.Notify, new SumArgs(2, 3));
        var box = Assert.Single(AmpBoxParser.ParseAll(clientTransport.Value()));
        Assert.False(box.ContainsKey("_ask"));
        server.DataReceived(clientTransport.Value());
        Assert.Equal([5L], seen);
        Assert.Empty(transport.Value());
        Assert.Throws<InvalidOperationException>(() => client.CallRemote(AmpTestCommands.Notify, new SumArgs(1, 1)));
    }

    [Fact]
    public void A_failing_command_without_answer_is_logged_and_closes_the_connection()
    {
        var transport = new StringTransport();
        transport.Connect(_server);
        _server.DataReceived(new AmpBox { ["_command"] = "Nope"u8.ToArray() }.ToArray());
        Assert.True(transport.Disconnecting);
        Assert.Empty(transport.Value());
        Assert.IsType<UnhandledCommandException>(Assert.Single(_serverLog.Entries).Error);
    }

    [Fact]
    public void Pending_calls_fail_with_the_connection_lost_reason_and_later_calls_fail_at_once()
    {
        var transport = new StringTransport();
        transport.Connect(_client);
        var d = _client.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 2));
        var reason = new ConnectionLostException("cable cut");
        transport.DeliverConnectionLost(reason);
        Assert.Same(reason, Failure<SumResult, ConnectionLostException>(d));
        Assert.Same(reason, Failure<SumResult, ConnectionLostException>(_client.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 2))));
        Assert.Throws<InvalidOperationException>(() => _client.SendBox(new AmpBox { ["x"] = [] }));
    }

    [Fact]
    public void A_clean_close_fails_pending_calls_with_ConnectionDoneException()
    {
        Connect();
        var d = _client.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 2));
        _client.Transport.LoseConnection();
        _pump.Flush();
        Assert.True(d.Called);
        _ = Assert.ThrowsAny<Exception>(() => d.AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public void Arguments_too_long_fail_the_call_without_sending()
    {
        var transport = new StringTransport();
        transport.Connect(_client);
        var d = _client.CallRemote(AmpTestCommands.Echo, AmpTestCommands.SampleEcho() with { Data = new byte[70000] });
        Assert.Equal("data", Failure<EchoArgs, AmpTooLongException>(d).KeyName);
        Assert.Empty(transport.Value());
        Assert.Equal(0, _client.PendingCallCount);
    }

    [Fact]
    public void A_responder_returning_an_unencodable_value_answers_UNKNOWN()
    {
        var server = new AmpProtocol { Logger = _serverLog };
        server.AddResponder(AmpTestCommands.Echo, a => a with { Text = null! });
        _pump.Connect(server, _client);
        var error = Failure<EchoArgs, UnknownRemoteErrorException>(FlushAnd(_client.CallRemote(AmpTestCommands.Echo, AmpTestCommands.SampleEcho())));
        Assert.Equal("UNKNOWN", error.Code);
        Assert.StartsWith("The responder for AMP command Echo returned a value that cannot be encoded", Assert.Single(_serverLog.Entries).Error!.Message);
    }

    [Fact]
    public void A_second_responder_for_one_command_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => _server.AddResponder(AmpTestCommands.Sum, a => new SumResult(0)));
        Assert.StartsWith("AMP command Sum already has a responder.", error.Message);
    }

    [Fact]
    public void A_key_length_over_255_logs_and_closes_only_that_connection_and_fails_pending_calls_with_the_error()
    {
        var transport = new StringTransport();
        transport.Connect(_server);
        var d = _server.CallRemote(AmpTestCommands.Sum, new SumArgs(1, 2));
        _server.DataReceived([0x01, 0x00]);
        Assert.True(transport.Disconnecting);
        var (level, message, error) = Assert.Single(_serverLog.Entries);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Equal("AmpProtocol closes the connection from 127.0.0.1:50000: AMP key length prefix 256 is more than 255 bytes.", message);
        Assert.Same(_server.ProtocolError, error);
        _server.DataReceived(new AmpBox { ["_command"] = "Sum"u8.ToArray(), ["_ask"] = "1"u8.ToArray(), ["a"] = "1"u8.ToArray(), ["b"] = "1"u8.ToArray() }.ToArray());
        transport.DeliverConnectionLost(new ConnectionDoneException());
        Assert.IsType<AmpBoxParseException>(Assert.ThrowsAny<Exception>(() => d.AsTask().GetAwaiter().GetResult()));
        Assert.DoesNotContain("_answer", transport.ValueString());
    }

    [Fact]
    public void A_box_over_MaxBoxSize_closes_the_connection()
    {
        var transport = new StringTransport();
        _server.MaxBoxSize = 64;
        transport.Connect(_server);
        _server.DataReceived(new AmpBox { ["_command"] = "Sum"u8.ToArray(), ["a"] = new byte[100] }.ToArray());
        Assert.True(transport.Disconnecting);
        Assert.Equal("AMP box is larger than the limit of 64 bytes (MaxBoxSize).", _server.ProtocolError!.Message);
    }

    [Fact]
    public void A_box_with_too_many_keys_closes_the_connection()
    {
        var transport = new StringTransport();
        _server.MaxKeysPerBox = 3;
        transport.Connect(_server);
        _server.DataReceived(new AmpBox { ["_command"] = "Sum"u8.ToArray(), ["a"] = [], ["b"] = [], ["c"] = [] }.ToArray());
        Assert.True(transport.Disconnecting);
        Assert.Equal("AMP box has more than 3 keys (MaxKeysPerBox).", _server.ProtocolError!.Message);
    }

    [Fact]
    public void An_empty_box_closes_the_connection()
    {
        var transport = new StringTransport();
        transport.Connect(_server);
        _server.DataReceived([0, 0]);
        Assert.True(transport.Disconnecting);
        Assert.Equal("AMP box has none of _answer, _error and _command (Twisted's NoEmptyBoxes): AmpBox{}", _server.ProtocolError!.Message);
    }

    [Fact]
    public void An_answer_for_an_unknown_tag_closes_the_connection()
    {
        var transport = new StringTransport();
        transport.Connect(_server);
        _server.DataReceived(new AmpBox { ["_answer"] = "7"u8.ToArray() }.ToArray());
        Assert.True(transport.Disconnecting);
        Assert.StartsWith("AMP answer for the unknown tag '7'", _server.ProtocolError!.Message);
    }

    [Fact]
    public void An_error_for_an_unknown_tag_closes_the_connection()
    {
        var transport = new StringTransport();
        transport.Connect(_server);
        _server.DataReceived(new AmpBox { ["_error"] = "9"u8.ToArray(), ["_error_code"] = "X"u8.ToArray() }.ToArray());
        Assert.True(transport.Disconnecting);
        Assert.StartsWith("AMP error for the unknown tag '9'", _server.ProtocolError!.Message);
    }

    [Fact]
    public void Boxes_split_into_single_bytes_are_answered()
    {
        var pump = new LoopbackPump { MaxChunkSize = 1 };
        pump.Connect(_server, _client);
        var d = _client.CallRemote(AmpTestCommands.Echo, AmpTestCommands.SampleEcho());
        pump.Flush();
        AmpTestCommands.AssertEchoEqual(AmpTestCommands.SampleEcho(), Result(d));
    }

    [Fact]
    public void The_description_of_a_declared_error_is_sent_as_UTF8()
    {
        var transport = new StringTransport();
        transport.Connect(_server);
        _server.DataReceived(new AmpBox { ["_command"] = "Divide"u8.ToArray(), ["_ask"] = "a"u8.ToArray(), ["numerator"] = "1"u8.ToArray(), ["denominator"] = "0"u8.ToArray() }.ToArray());
        var box = Assert.Single(AmpBoxParser.ParseAll(transport.Value()));
        Assert.Equal("a", box.GetString("_error"));
        Assert.Equal("ZERO_DIVISION", box.GetString("_error_code"));
        Assert.Equal("division by zero", Encoding.UTF8.GetString(box["_error_description"]));
    }
}
