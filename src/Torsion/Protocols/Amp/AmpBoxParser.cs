using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Torsion.Protocols.Amp;

/// <summary>
/// Reads AMP boxes from bytes fed in any chunks (the codec, no IO). Each key and value is a 16-bit big-endian length
/// and its bytes; a zero-length key ends the box. Bad input (a key length over 255, a box over
/// <see cref="MaxBoxSize"/> or with more than <see cref="MaxKeysPerBox"/> keys) throws
/// <see cref="AmpBoxParseException"/>, after which the parser refuses more input.
/// </summary>
public sealed class AmpBoxParser
{
    /// <summary>The default <see cref="MaxBoxSize"/>: 1 MiB.</summary>
    public const int DefaultMaxBoxSize = 1024 * 1024;

    /// <summary>The default <see cref="MaxKeysPerBox"/>: 1024.</summary>
    public const int DefaultMaxKeysPerBox = 1024;

    private const int MaxElement = 2 + AmpBox.MaxValueLength;

    private byte[]? _partial;
    private int _partialCount;
    private AmpBox? _box;
    private string? _key;
    private long _boxBytes;
    private AmpBoxParseException? _failed;
    private int _maxBoxSize = DefaultMaxBoxSize;
    private int _maxKeysPerBox = DefaultMaxKeysPerBox;

    /// <summary>The largest box accepted, in wire bytes with all length prefixes (default <see cref="DefaultMaxBoxSize"/>).</summary>
    public int MaxBoxSize
    {
        get => _maxBoxSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 2);
            _maxBoxSize = value;
        }
    }

    /// <summary>The most keys one box may have (default <see cref="DefaultMaxKeysPerBox"/>).</summary>
    public int MaxKeysPerBox
    {
        get => _maxKeysPerBox;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxKeysPerBox = value;
        }
    }

    /// <summary>True if bytes of an unfinished box are held.</summary>
    public bool HasPartialBox => _partialCount > 0 || _box is not null || _key is not null;

    /// <summary>
    /// Parses <paramref name="data"/>, calling <paramref name="boxReceived"/> for each complete box; when it returns
    /// false, parsing stops and the rest of the input is dropped. A box with no keys is delivered as an empty box.
    /// </summary>
    /// <returns>False if <paramref name="boxReceived"/> stopped parsing.</returns>
    /// <exception cref="AmpBoxParseException">The input breaks the framing or a limit.</exception>
    public bool Feed(ReadOnlySpan<byte> data, Func<AmpBox, bool> boxReceived)
    {
        ArgumentNullException.ThrowIfNull(boxReceived);
        if (_failed is not null)
        {
            throw new AmpBoxParseException("The AMP parser already failed: " + _failed.Message, _failed);
        }

        try
        {
            return FeedCore(data, boxReceived);
        }
        catch (AmpBoxParseException e)
        {
            _failed = e;
            ReleasePartial();
            throw;
        }
    }

    /// <summary>Parses bytes that hold whole boxes only (as in an <c>AmpList</c> value).</summary>
    /// <exception cref="AmpBoxParseException">The bytes break the framing or end inside a box.</exception>
    public static IReadOnlyList<AmpBox> ParseAll(ReadOnlySpan<byte> data)
    {
        var parser = new AmpBoxParser { MaxBoxSize = int.MaxValue, MaxKeysPerBox = int.MaxValue };
        var boxes = new List<AmpBox>();
        parser.Feed(data, box =>
        {
            boxes.Add(box);
            return true;
        });
        if (parser.HasPartialBox)
        {
            parser.ReleasePartial();
            throw new AmpBoxParseException($"The AMP data ends inside a box ({data.Length} bytes, {boxes.Count} whole boxes).");
        }

        return boxes;
    }

    private bool FeedCore(ReadOnlySpan<byte> data, Func<AmpBox, bool> boxReceived)
    {
        if (_partialCount > 0)
        {
            // Complete the one element split across reads before parsing in place.
            var partial = _partial!;
            if (_partialCount < 2)
            {
                var take = Math.Min(2 - _partialCount, data.Length);
                data[..take].CopyTo(partial.AsSpan(_partialCount));
                _partialCount += take;
                data = data[take..];
                if (_partialCount < 2)
                {
                    return true;
                }
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(partial);
            CheckLength(length);
            var need = 2 + length - _partialCount;
            var chunk = Math.Min(need, data.Length);
            data[..chunk].CopyTo(partial.AsSpan(_partialCount));
            _partialCount += chunk;
            data = data[chunk..];
            if (chunk < need)
            {
                return true;
            }

            bool go;
            if (_key is null && length == 0)
            {
                // The box ends: release the pooled buffer before user code sees the box.
                ReleasePartial();
                go = Element(default, boxReceived);
            }
            else
            {
                go = Element(partial.AsSpan(2, length), boxReceived);
                ReleasePartial();
            }

            if (!go)
            {
                return false;
            }
        }

        while (data.Length >= 2)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(data);
            CheckLength(length);
            if (data.Length < 2 + length)
            {
                break;
            }

            if (!Element(data.Slice(2, length), boxReceived))
            {
                return false;
            }

            data = data[(2 + length)..];
        }

        if (data.Length > 0)
        {
            _partial ??= ArrayPool<byte>.Shared.Rent(MaxElement);
            data.CopyTo(_partial);
            _partialCount = data.Length;
        }

        return true;
    }

    private void CheckLength(int length)
    {
        if (_key is null && length > AmpBox.MaxKeyLength)
        {
            throw new AmpBoxParseException(
                $"AMP key length prefix {length} is more than {AmpBox.MaxKeyLength} bytes.",
                new AmpTooLongException(true, false, length, null));
        }

        if (_boxBytes + 2 + length > _maxBoxSize)
        {
            throw new AmpBoxParseException($"AMP box is larger than the limit of {_maxBoxSize} bytes (MaxBoxSize).");
        }
    }

    private bool Element(ReadOnlySpan<byte> payload, Func<AmpBox, bool> boxReceived)
    {
        if (_key is null)
        {
            if (payload.IsEmpty)
            {
                var box = _box ?? new AmpBox();
                _box = null;
                _boxBytes = 0;
                return boxReceived(box);
            }

            _box ??= new AmpBox();
            var key = KeyString(payload);
            if (_box.Count >= _maxKeysPerBox && !_box.ContainsKey(key))
            {
                throw new AmpBoxParseException($"AMP box has more than {_maxKeysPerBox} keys (MaxKeysPerBox).");
            }

            _key = key;
        }
        else
        {
            _box!.SetParsed(_key, payload.ToArray());
            _key = null;
        }

        _boxBytes += 2 + payload.Length;
        return true;
    }

    private static string KeyString(ReadOnlySpan<byte> key)
    {
        // The reserved keys come in every box: share their strings.
        if (key.SequenceEqual("_ask"u8))
        {
            return AmpBoxKeys.Ask;
        }

        if (key.SequenceEqual("_command"u8))
        {
            return AmpBoxKeys.Command;
        }

        if (key.SequenceEqual("_answer"u8))
        {
            return AmpBoxKeys.Answer;
        }

        return Encoding.Latin1.GetString(key);
    }

    private void ReleasePartial()
    {
        if (_partial is not null)
        {
            ArrayPool<byte>.Shared.Return(_partial);
            _partial = null;
        }

        _partialCount = 0;
    }
}
