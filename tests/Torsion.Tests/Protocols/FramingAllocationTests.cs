using Torsion.Protocols;
using Torsion.Testing;

namespace Torsion.Tests.Protocols;

/// <summary>Messages that arrive whole in one read are delivered from the read buffer: no allocation per message.</summary>
public sealed class FramingAllocationTests
{
    private sealed class CountingLines : LineReceiver
    {
        public int Count { get; private set; }

        public override void LineReceived(ReadOnlySpan<byte> line) => Count++;
    }

    private sealed class CountingNetstrings : NetstringReceiver
    {
        public int Count { get; private set; }

        public override void StringReceived(ReadOnlySpan<byte> data) => Count++;
    }

    private sealed class CountingInt32 : Int32StringReceiver
    {
        public int Count { get; private set; }

        public override void StringReceived(ReadOnlySpan<byte> data) => Count++;
    }

    private static long Allocated(Action action) => Allocations.LeastAllocatedBytes(action);

    [Fact]
    public void Whole_lines_are_delivered_without_allocating()
    {
        var input = string.Concat(Enumerable.Repeat("GET /index.html HTTP/1.1\r\n", 1000)).Select(c => (byte)c).ToArray();
        var p = new CountingLines();
        new StringTransport().Connect(p);
        Assert.Equal(0, Allocated(() => p.DataReceived(input)));
        Assert.Equal(4000, p.Count); // a warm-up run and three measured ones
    }

    [Fact]
    public void Partial_lines_use_the_pool_and_do_not_allocate_in_steady_state()
    {
        var input = string.Concat(Enumerable.Repeat("GET /index.html HTTP/1.1\r\n", 100)).Select(c => (byte)c).ToArray();
        var p = new CountingLines();
        new StringTransport().Connect(p);
        Assert.Equal(0, Allocated(() =>
        {
            for (var i = 0; i < input.Length; i += 7)
            {
                p.DataReceived(input.AsSpan(i, Math.Min(7, input.Length - i)));
            }
        }));
        Assert.Equal(400, p.Count);
    }

    [Fact]
    public void Whole_netstrings_and_prefixed_strings_are_delivered_without_allocating()
    {
        var netstrings = string.Concat(Enumerable.Repeat("5:hello,", 1000)).Select(c => (byte)c).ToArray();
        var n = new CountingNetstrings();
        new StringTransport().Connect(n);
        Assert.Equal(0, Allocated(() => n.DataReceived(netstrings)));

        var prefixed = Enumerable.Repeat(new byte[] { 0, 0, 0, 3, 1, 2, 3 }, 1000).SelectMany(b => b).ToArray();
        var i = new CountingInt32();
        new StringTransport().Connect(i);
        Assert.Equal(0, Allocated(() => i.DataReceived(prefixed)));
        Assert.Equal(4000, i.Count);
    }
}
