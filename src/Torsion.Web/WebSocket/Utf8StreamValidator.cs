using System.Text.Unicode;

namespace Torsion.Web.WebSocket;

/// <summary>
/// Validates UTF-8 that arrives in pieces (a text message split across reads and fragments): fails on the first
/// piece that holds an invalid byte, without waiting for the end of the message (RFC 6455 section 8.1).
/// </summary>
public struct Utf8StreamValidator
{
    private int _need;
    private byte _low;
    private byte _high;

    /// <summary>Whether the bytes so far end on a character boundary.</summary>
    public readonly bool IsComplete => _need == 0;

    /// <summary>Forgets the state (for the next message).</summary>
    public void Reset() => _need = 0;

    /// <summary>Feeds the next piece; false as soon as it holds a byte that cannot be valid UTF-8.</summary>
    public bool Feed(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (_need > 0 && i < data.Length)
        {
            if (!Continue(data[i++]))
            {
                return false;
            }
        }

        if (i == data.Length)
        {
            return true;
        }

        data = data[i..];

        // Split off a trailing sequence that may be incomplete; the rest is checked in one vectorised call.
        var tail = data.Length;
        for (var back = 1; back <= Math.Min(3, data.Length); back++)
        {
            var b = data[data.Length - back];
            if ((b & 0xC0) != 0x80)
            {
                var length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                if (length > back)
                {
                    tail = data.Length - back;
                }

                break;
            }
        }

        if (!Utf8.IsValid(data[..tail]))
        {
            return false;
        }

        for (var j = tail; j < data.Length; j++)
        {
            if (_need == 0 ? !Start(data[j]) : !Continue(data[j]))
            {
                return false;
            }
        }

        return true;
    }

    private bool Start(byte b)
    {
        _low = 0x80;
        _high = 0xBF;
        switch (b)
        {
            case < 0x80:
                return true;
            case >= 0xC2 and <= 0xDF:
                _need = 1;
                return true;
            case 0xE0:
                _need = 2;
                _low = 0xA0;
                return true;
            case 0xED:
                _need = 2;
                _high = 0x9F;
                return true;
            case >= 0xE1 and <= 0xEF:
                _need = 2;
                return true;
            case 0xF0:
                _need = 3;
                _low = 0x90;
                return true;
            case 0xF4:
                _need = 3;
                _high = 0x8F;
                return true;
            case >= 0xF1 and <= 0xF3:
                _need = 3;
                return true;
            default:
                return false;
        }
    }

    private bool Continue(byte b)
    {
        if (b < _low || b > _high)
        {
            return false;
        }

        _low = 0x80;
        _high = 0xBF;
        _need--;
        return true;
    }
}
