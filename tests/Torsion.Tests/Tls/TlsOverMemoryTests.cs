using System.Buffers;
using System.Net;
using System.Text;
using Torsion.Protocols;
using Torsion.Tls;
using Torsion.Transports;

namespace Torsion.Tests.Tls;

/// <summary>TLS over a transport that is not a socket: two in-memory ends pumped by the test, no reactor.</summary>
public sealed class TlsOverMemoryTests
{
    private static TestCertificates Certs => TestCertificates.Shared;

    [Fact]
    public async Task The_TLS_layer_runs_over_an_in_memory_transport()
    {
        var serverOptions = TlsOptions.Server(Certs.ServerEcdsa.ChainPemFile, Certs.ServerEcdsa.PrivateKeyPemFile);
        var clientOptions = TlsOptions.Client("localhost");
        clientOptions.TrustedRootsPemFile = Certs.CaFile;
        var server = new TlsEcho();
        var client = new TlsRecorder();
        var serverLayer = new TlsFactory(new Factory(_ => server), serverOptions).BuildProtocol(new IPEndPoint(IPAddress.Loopback, 1))!;
        var clientLayer = new TlsClientFactory(new ClientFactory(_ => client), clientOptions, null).BuildProtocol(new IPEndPoint(IPAddress.Loopback, 2))!;
        var pipe = new MemoryPipe(clientLayer, serverLayer);
        pipe.Connect();
        pipe.Pump();
        Assert.True(client.Handshake.Task.IsCompleted);
        Assert.True(server.Handshake.Task.IsCompleted);

        client.Transport.Write("over memory"u8);
        pipe.Pump();
        Assert.Equal("over memory", Encoding.ASCII.GetString(client.Received));

        client.Transport.LoseConnection();
        pipe.Pump();
        Assert.True(server.Lost.Task.IsCompleted);
        Assert.IsType<ConnectionDoneException>(await server.Lost.Task);
        Assert.IsType<ConnectionDoneException>(await client.Lost.Task);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(5000)]
    public void Ciphertext_delivered_in_pieces_that_split_records_is_read_whole(int piece)
    {
        var serverOptions = TlsOptions.Server(Certs.ServerEcdsa.ChainPemFile, Certs.ServerEcdsa.PrivateKeyPemFile);
        var clientOptions = TlsOptions.Client("localhost");
        clientOptions.TrustedRootsPemFile = Certs.CaFile;
        var server = new TlsEcho();
        var client = new TlsRecorder();
        var serverLayer = new TlsFactory(new Factory(_ => server), serverOptions).BuildProtocol(new IPEndPoint(IPAddress.Loopback, 1))!;
        var clientLayer = new TlsClientFactory(new ClientFactory(_ => client), clientOptions, null).BuildProtocol(new IPEndPoint(IPAddress.Loopback, 2))!;
        var pipe = new MemoryPipe(clientLayer, serverLayer) { Piece = piece };
        pipe.Connect();
        pipe.Pump();
        Assert.True(client.Handshake.Task.IsCompleted);

        // Several records (16 KiB each) whose boundaries fall anywhere in the pieces.
        var message = new byte[40_000];
        new Random(piece).NextBytes(message);
        client.Transport.Write(message);
        client.Transport.Write("tail"u8);
        pipe.Pump();
        Assert.Equal([.. message, .. "tail"u8.ToArray()], client.Received);
    }

    /// <summary>Two connected in-memory transports; bytes move only when the test pumps.</summary>
    private sealed class MemoryPipe(IProtocol a, IProtocol b)
    {
        /// <summary>The most bytes handed to DataReceived at once (0: all that is there).</summary>
        public int Piece { get; init; }

        private readonly End _a = new(a, new IPEndPoint(IPAddress.Loopback, 2), new IPEndPoint(IPAddress.Loopback, 1));
        private readonly End _b = new(b, new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2));

        public void Connect()
        {
            _b.Protocol.MakeConnection(_b);
            _a.Protocol.MakeConnection(_a);
        }

        public void Pump()
        {
            for (var round = 0; round < 1000 && (_a.Outbox.Count > 0 || _b.Outbox.Count > 0 || _a.Closing != _a.Closed || _b.Closing != _b.Closed); round++)
            {
                Move(_a, _b, Piece);
                Move(_b, _a, Piece);
            }
        }

        private static void Move(End from, End to, int piece)
        {
            if (from.Outbox.Count > 0)
            {
                var bytes = from.Outbox.ToArray();
                from.Outbox.Clear();
                for (var at = 0; at < bytes.Length && !to.Closed; at += piece > 0 ? piece : bytes.Length)
                {
                    to.Protocol.DataReceived(bytes.AsSpan(at, Math.Min(bytes.Length - at, piece > 0 ? piece : bytes.Length)));
                }
            }
            else if (from.Closing && !from.Closed)
            {
                from.Closed = true;
                from.Protocol.ConnectionLost(new ConnectionDoneException());
                if (!to.Closed)
                {
                    to.Closing = to.Closed = true;
                    to.Protocol.ConnectionLost(new ConnectionDoneException());
                }
            }
        }

        private sealed class End(IProtocol protocol, EndPoint host, EndPoint peer) : ITransport
        {
            public IProtocol Protocol => protocol;

            public List<byte> Outbox { get; } = [];

            public bool Closing { get; set; }

            public bool Closed { get; set; }

            public EndPoint Peer => peer;

            public EndPoint Host => host;

            public void Write(ReadOnlySpan<byte> data)
            {
                if (!Closing)
                {
                    Outbox.AddRange(data.ToArray());
                }
            }

            public void WriteSequence(ReadOnlySequence<byte> data) => Write(data.ToArray());

            public void LoseConnection() => Closing = true;

            public void AbortConnection()
            {
                Outbox.Clear();
                Closing = true;
            }

            public void RegisterProducer(IProducer producer, bool streaming)
            {
            }

            public void UnregisterProducer()
            {
            }

            public void PauseProducing()
            {
            }

            public void ResumeProducing()
            {
            }

            public void StopProducing() => LoseConnection();
        }
    }
}
