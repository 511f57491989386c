using System.Net;
using System.Text;
using Torsion.Protocols;
using Torsion.Transports;

namespace Torsion.Testing.Tests;

public sealed class LoopbackPumpTests
{
    private class Recorder : Protocol
    {
        public StringBuilder Received { get; } = new();

        public List<int> ChunkSizes { get; } = [];

        public List<Exception> Lost { get; } = [];

        public int Made { get; private set; }

        public string? Greeting { get; init; }

        public override void ConnectionMade()
        {
            Made++;
            if (Greeting is not null)
            {
                Transport.Write(Encoding.ASCII.GetBytes(Greeting));
            }
        }

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            ChunkSizes.Add(data.Length);
            Received.Append(Encoding.ASCII.GetString(data));
        }

        public override void ConnectionLost(Exception reason) => Lost.Add(reason);
    }

    private sealed class Echo : Recorder
    {
        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            base.DataReceived(data);
            Transport.Write(data);
        }
    }

    private sealed class HalfCloser : Recorder, IHalfCloseableProtocol
    {
        public List<string> Events { get; } = [];

        public void ReadConnectionLost()
        {
            Events.Add("read-lost");
            Transport.Write("bye"u8);
            ((IHalfCloseable)Transport).LoseWriteConnection();
        }

        public void WriteConnectionLost() => Events.Add("write-lost");
    }

    private sealed class Pusher(int chunk, int total) : IPushProducer
    {
        private int _sent;

        public ITransport? Consumer { get; set; }

        public bool Paused { get; private set; }

        public int Pauses { get; private set; }

        public bool Stopped { get; private set; }

        public void PauseProducing()
        {
            Paused = true;
            Pauses++;
        }

        public void ResumeProducing()
        {
            Paused = false;
            Run();
        }

        public void StopProducing() => Stopped = true;

        public void Run()
        {
            while (!Paused && !Stopped && _sent < total)
            {
                Consumer!.Write(new byte[chunk]);
                _sent += chunk;
            }
        }
    }

    private sealed class Puller(int chunks) : IPullProducer
    {
        public ITransport? Consumer { get; set; }

        public int Pulls { get; private set; }

        public void ResumeProducing()
        {
            Pulls++;
            if (Pulls > chunks)
            {
                Consumer!.UnregisterProducer();
                Consumer.LoseConnection();
                return;
            }

            Consumer!.Write("chunk;"u8);
        }

        public void StopProducing()
        {
        }
    }

    [Fact]
    public void Greetings_are_exchanged_on_connect()
    {
        var server = new Recorder { Greeting = "hello client" };
        var client = new Recorder { Greeting = "hello server" };
        var pump = new LoopbackPump();
        pump.Connect(server, client);
        Assert.Equal(1, server.Made);
        Assert.Equal(1, client.Made);
        Assert.Equal("hello server", server.Received.ToString());
        Assert.Equal("hello client", client.Received.ToString());
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 50000), pump.ServerTransport!.Peer);
        Assert.Equal(pump.ServerTransport.Host, pump.ClientTransport!.Peer);
    }

    [Fact]
    public void Bytes_move_only_when_pumped()
    {
        var server = new Echo();
        var client = new Recorder();
        var pump = new LoopbackPump();
        pump.Connect(server, client);
        client.Transport.Write("ping"u8);
        Assert.Equal("", server.Received.ToString());
        Assert.True(pump.Pump());
        Assert.Equal("ping", server.Received.ToString());
        pump.Flush();
        Assert.Equal("ping", client.Received.ToString());
        Assert.False(pump.Pump());
    }

    [Fact]
    public void Max_chunk_size_splits_deliveries()
    {
        var server = new Recorder();
        var client = new Recorder { Greeting = "0123456789" };
        var pump = new LoopbackPump { MaxChunkSize = 3 };
        pump.Connect(server, client);
        Assert.Equal([3, 3, 3, 1], server.ChunkSizes);
        Assert.Equal("0123456789", server.Received.ToString());
    }

    [Fact]
    public void Lose_connection_closes_cleanly_after_writes_drain()
    {
        var server = new Recorder();
        var client = new Recorder();
        var pump = new LoopbackPump();
        pump.Connect(server, client);
        server.Transport.Write("last words"u8);
        server.Transport.LoseConnection();
        Assert.Empty(client.Lost);
        pump.Flush();
        Assert.Equal("last words", client.Received.ToString());
        Assert.IsType<ConnectionDoneException>(Assert.Single(client.Lost));
        Assert.IsType<ConnectionDoneException>(Assert.Single(server.Lost));
        Assert.True(pump.ClientTransport!.Closed);
    }

    [Fact]
    public void Abort_drops_pending_writes_and_is_unclean_on_both_sides()
    {
        var server = new Recorder();
        var client = new Recorder();
        var pump = new LoopbackPump();
        pump.Connect(server, client);
        server.Transport.Write("never arrives"u8);
        server.Transport.AbortConnection();
        pump.Flush();
        Assert.Equal("", client.Received.ToString());
        Assert.Contains("reset", Assert.IsType<ConnectionLostException>(Assert.Single(client.Lost)).Message);
        Assert.Contains("aborted", Assert.IsType<ConnectionLostException>(Assert.Single(server.Lost)).Message);
    }

    [Fact]
    public void Writes_after_close_are_dropped()
    {
        var server = new Recorder();
        var client = new Recorder();
        var pump = new LoopbackPump();
        pump.Connect(server, client);
        client.Transport.LoseConnection();
        pump.Flush();
        server.Transport.Write("late"u8);
        pump.Flush();
        Assert.Equal(0, pump.ServerTransport!.PendingBytes);
        Assert.Single(server.Lost);
    }

    [Fact]
    public void Half_close_lets_the_other_side_answer_then_closes_cleanly()
    {
        var server = new HalfCloser();
        var client = new HalfCloser();
        var pump = new LoopbackPump();
        pump.Connect(server, client);
        client.Transport.Write("request"u8);
        ((IHalfCloseable)client.Transport).LoseWriteConnection();
        pump.Flush();
        Assert.Equal("request", server.Received.ToString());
        Assert.Equal(["read-lost", "write-lost"], server.Events);
        Assert.Equal("bye", client.Received.ToString());
        Assert.Equal(["write-lost", "read-lost"], client.Events);
        Assert.IsType<ConnectionDoneException>(Assert.Single(client.Lost));
        Assert.IsType<ConnectionDoneException>(Assert.Single(server.Lost));
    }

    [Fact]
    public void Half_close_to_a_protocol_that_cannot_half_close_closes_the_connection()
    {
        var server = new Recorder();
        var client = new HalfCloser();
        var pump = new LoopbackPump();
        pump.Connect(server, client);
        ((IHalfCloseable)client.Transport).LoseWriteConnection();
        pump.Flush();
        Assert.IsType<ConnectionDoneException>(Assert.Single(server.Lost));
        Assert.Single(client.Lost);
    }

    [Fact]
    public void Paused_reader_keeps_bytes_buffered_until_resumed()
    {
        var server = new Recorder();
        var client = new Recorder();
        var pump = new LoopbackPump();
        pump.Connect(server, client);
        server.Transport.PauseProducing();
        client.Transport.Write("held"u8);
        pump.Flush();
        Assert.Equal("", server.Received.ToString());
        Assert.Equal(4, pump.ClientTransport!.PendingBytes);
        server.Transport.ResumeProducing();
        pump.Flush();
        Assert.Equal("held", server.Received.ToString());
    }

    [Fact]
    public void Push_producer_is_paused_above_high_water_and_resumed_when_drained()
    {
        var server = new Recorder();
        var client = new Recorder();
        var pump = new LoopbackPump { HighWaterMark = 100, LowWaterMark = 50 };
        pump.Connect(server, client);
        var producer = new Pusher(chunk: 40, total: 400) { Consumer = client.Transport };
        client.Transport.RegisterProducer(producer, streaming: true);
        producer.Run();
        Assert.True(producer.Paused);
        Assert.Equal(120, pump.ClientTransport!.PendingBytes);
        pump.Flush();
        Assert.Equal(400, server.Received.Length);
        Assert.True(producer.Pauses >= 3);
    }

    [Fact]
    public void Slow_reader_pauses_the_fast_writer()
    {
        var server = new Recorder();
        var client = new Recorder();
        var pump = new LoopbackPump { HighWaterMark = 100, LowWaterMark = 50 };
        pump.Connect(server, client);
        server.Transport.PauseProducing();
        var producer = new Pusher(chunk: 10, total: 1000) { Consumer = client.Transport };
        client.Transport.RegisterProducer(producer, streaming: true);
        producer.Run();
        pump.Flush();
        Assert.True(producer.Paused);
        Assert.Equal(110, pump.ClientTransport!.PendingBytes);
        server.Transport.ResumeProducing();
        pump.Flush();
        Assert.Equal(1000, server.Received.Length);
    }

    [Fact]
    public void Pull_producer_is_pulled_each_time_the_buffer_empties()
    {
        var server = new Recorder();
        var client = new Recorder();
        var pump = new LoopbackPump();
        pump.Connect(server, client);
        var producer = new Puller(3) { Consumer = client.Transport };
        client.Transport.RegisterProducer(producer, streaming: false);
        pump.Flush();
        Assert.Equal("chunk;chunk;chunk;", server.Received.ToString());
        Assert.Equal(4, producer.Pulls);
        Assert.IsType<ConnectionDoneException>(Assert.Single(server.Lost));
    }

    [Fact]
    public void Registered_producer_is_stopped_when_the_connection_is_lost()
    {
        var server = new Recorder();
        var client = new Recorder();
        var pump = new LoopbackPump();
        pump.Connect(server, client);
        var producer = new Pusher(1, 0) { Consumer = client.Transport };
        client.Transport.RegisterProducer(producer, streaming: true);
        server.Transport.LoseConnection();
        pump.Flush();
        Assert.True(producer.Stopped);
        Assert.Null(pump.ClientTransport!.Producer);
    }

    [Fact]
    public void Endless_conversation_makes_flush_fail_clearly()
    {
        var server = new Echo();
        var client = new Echo();
        var pump = new LoopbackPump { MaxFlushRounds = 50 };
        pump.Connect(server, client);
        client.Transport.Write("x"u8);
        var error = Assert.Throws<InvalidOperationException>(pump.Flush);
        Assert.Contains("quiescent", error.Message);
    }

    [Fact]
    public void Pump_before_connect_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => new LoopbackPump().Pump());
    }
}
