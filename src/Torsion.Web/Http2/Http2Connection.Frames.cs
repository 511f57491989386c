namespace Torsion.Web.Http2;

/// <summary>Frame reading and dispatch of <see cref="Http2Connection"/>: the checks of RFC 9113 section 6 per frame type.</summary>
public abstract partial class Http2Connection
{
    private int Process(ReadOnlySpan<byte> input)
    {
        var pos = ReadPreface(input);
        while (!Closing && Http2FrameHeader.TryRead(input[pos..], out var header))
        {
            CheckFrame(header);
            Http2FrameReader.CheckHeader(header, Http2FrameReader.MinMaxFrameSize);
            if (input.Length - pos - Http2FrameHeader.Size < header.Length)
            {
                break;
            }

            var payload = input.Slice(pos + Http2FrameHeader.Size, header.Length);
            pos += Http2FrameHeader.Size + header.Length;
            try
            {
                Frame(header, payload);
            }
            catch (Http2Exception e) when (!e.IsConnectionError)
            {
                StreamError(e.StreamId, e.ErrorCode, e.Message);
            }
        }

        return pos;
    }

    private void Frame(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (!SettingsReceived && header.Type != Http2FrameType.Settings)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"The first frame is {header.Type}, not SETTINGS.");
        }

        if (_headerStreamId != 0 && (header.Type != Http2FrameType.Continuation || header.StreamId != _headerStreamId))
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"A {header.Type} frame on stream {header.StreamId} interrupts the header block of stream {_headerStreamId}.");
        }

        switch (header.Type)
        {
            case Http2FrameType.Settings:
                OnSettings(header, payload);
                break;
            case Http2FrameType.Headers:
                OnHeaders(header, payload);
                break;
            case Http2FrameType.Continuation:
                OnContinuation(header, payload);
                break;
            case Http2FrameType.Data:
                OnData(header, payload);
                break;
            case Http2FrameType.Priority:
                Http2FrameReader.CheckPriority(header, payload);
                break;
            case Http2FrameType.RstStream:
                if (header.StreamId > LastStreamId)
                {
                    throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"RST_STREAM on idle stream {header.StreamId}.");
                }

                StreamReset(header.StreamId, Http2FrameReader.RstStreamCode(payload));
                break;
            case Http2FrameType.Ping:
                if (!header.Has(Http2FrameFlags.Ack))
                {
                    CountControlFrame("PING");
                    Http2FrameWriter.WritePing(Output, payload, ack: true);
                }
                else
                {
                    PingAcknowledged(payload);
                }

                break;
            case Http2FrameType.GoAway:
                var (last, code) = Http2FrameReader.GoAway(payload);
                GoAwayReceived(last, code, payload[8..]);
                break;
            case Http2FrameType.WindowUpdate:
                OnWindowUpdate(header, payload);
                break;
        }
    }

    private void OnSettings(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.Has(Http2FrameFlags.Ack))
        {
            SettingsAcknowledged();
            return;
        }

        if (SettingsReceived)
        {
            CountControlFrame("SETTINGS");
        }

        SettingsReceived = true;
        ApplySettings(payload);
        Http2FrameWriter.WriteSettingsAck(Output);
        PumpAll();
        SettingsApplied();
    }

    private void OnHeaders(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var fragment = Http2FrameReader.HeadersPayload(header, payload);
        var id = header.StreamId;
        if (Streams.TryGetValue(id, out var existing))
        {
            if (existing.RemoteClosed)
            {
                throw Http2Exception.Connection(Http2ErrorCode.StreamClosed, $"HEADERS on stream {id}, which the peer already ended.");
            }

            StreamFrameReceived(existing);
        }
        else
        {
            CheckNewStream(id);
        }

        _headerStreamId = id;
        _headerBlockLength = 0;
        _continuations = 0;
        HeaderEndStream = header.Has(Http2FrameFlags.EndStream);
        AppendBlock(fragment);
        if (header.Has(Http2FrameFlags.EndHeaders))
        {
            BlockDone();
        }
    }

    private void OnContinuation(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (_headerStreamId == 0)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"CONTINUATION on stream {header.StreamId} without a header block in progress.");
        }

        if (++_continuations > Limits.MaxContinuationFrames)
        {
            throw Http2Exception.Connection(Http2ErrorCode.EnhanceYourCalm, $"A header block has more than {Limits.MaxContinuationFrames} CONTINUATION frames.");
        }

        AppendBlock(payload);
        if (header.Has(Http2FrameFlags.EndHeaders))
        {
            BlockDone();
        }
    }

    private void AppendBlock(ReadOnlySpan<byte> fragment)
    {
        if (fragment.Length > _headerBlock.Length - _headerBlockLength)
        {
            throw Http2Exception.Connection(Http2ErrorCode.EnhanceYourCalm, $"A header block exceeds {Limits.MaxHeaderBlockSize} bytes.");
        }

        fragment.CopyTo(_headerBlock.AsSpan(_headerBlockLength));
        _headerBlockLength += fragment.Length;
    }

    private void BlockDone()
    {
        var id = _headerStreamId;
        _headerStreamId = 0;
        HeaderBlockComplete(id, _headerBlock.AsSpan(0, _headerBlockLength));
    }

    private void OnData(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var data = Http2FrameReader.DataPayload(header, payload);
        if (header.Length > _connectionReceiveWindow)
        {
            throw Http2Exception.Connection(Http2ErrorCode.FlowControlError, $"A DATA frame of {header.Length} bytes exceeds the connection window of {_connectionReceiveWindow}.");
        }

        _connectionReceiveWindow -= header.Length;
        if (!Streams.TryGetValue(header.StreamId, out var stream))
        {
            if (header.StreamId > LastStreamId)
            {
                throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"DATA on idle stream {header.StreamId}.");
            }

            // A closed stream: the bytes still count against the connection window, which is given back at once.
            CreditConnection(header.Length);
            throw Http2Exception.Stream(Http2ErrorCode.StreamClosed, header.StreamId, $"DATA on closed stream {header.StreamId}.");
        }

        StreamFrameReceived(stream);
        if (stream.RemoteClosed)
        {
            CreditConnection(header.Length);
            throw Http2Exception.Stream(Http2ErrorCode.StreamClosed, header.StreamId, $"DATA on stream {header.StreamId} after its END_STREAM.");
        }

        if (header.Length > stream.ReceiveWindow)
        {
            CreditConnection(header.Length);
            throw Http2Exception.Stream(Http2ErrorCode.FlowControlError, header.StreamId, $"A DATA frame of {header.Length} bytes exceeds the window {stream.ReceiveWindow} of stream {header.StreamId}.");
        }

        stream.ReceiveWindow -= header.Length;
        stream.ReceivedBodyBytes += data.Length;
        if (stream.DeclaredLength >= 0 && stream.ReceivedBodyBytes > stream.DeclaredLength)
        {
            CreditConnection(header.Length);
            throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, header.StreamId, $"The body exceeds the declared content-length {stream.DeclaredLength}.");
        }

        if (stream.DiscardsData)
        {
            CreditConnection(header.Length);
        }
        else
        {
            stream.DataReceived(data, header.Length);
        }

        if (header.Has(Http2FrameFlags.EndStream))
        {
            EndOfBody(stream);
        }
    }

    private void OnWindowUpdate(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var increment = Http2FrameReader.WindowIncrement(header, payload);
        if (header.StreamId == 0)
        {
            SendWindow += increment;
            if (SendWindow > Http2FrameReader.MaxWindowSize)
            {
                throw Http2Exception.Connection(Http2ErrorCode.FlowControlError, "WINDOW_UPDATE makes the connection window exceed 2^31 - 1.");
            }

            PumpAll();
            return;
        }

        if (!Streams.TryGetValue(header.StreamId, out var stream))
        {
            if (header.StreamId > LastStreamId)
            {
                throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"WINDOW_UPDATE on idle stream {header.StreamId}.");
            }

            return;
        }

        StreamFrameReceived(stream);
        stream.SendWindow += increment;
        if (stream.SendWindow > Http2FrameReader.MaxWindowSize)
        {
            throw Http2Exception.Stream(Http2ErrorCode.FlowControlError, header.StreamId, $"WINDOW_UPDATE makes the window of stream {header.StreamId} exceed 2^31 - 1.");
        }

        stream.Pump();
    }

    private void CountControlFrame(string what)
    {
        var now = Time.Seconds();
        if (now - _controlWindowStart > Limits.ControlFrameWindow.TotalSeconds)
        {
            _controlWindowStart = now;
            _controlFrames = 0;
        }

        if (++_controlFrames > Limits.MaxControlFramesPerWindow)
        {
            throw Http2Exception.Connection(Http2ErrorCode.EnhanceYourCalm, $"More than {Limits.MaxControlFramesPerWindow} SETTINGS and PING frames within {Limits.ControlFrameWindow.TotalSeconds:0.###} s ({what} flood).");
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_pending is null || _pendingLength + data.Length > _pending.Length)
        {
            var bigger = new byte[Math.Max(_pendingLength + data.Length, Math.Max(32 * 1024, (_pending?.Length ?? 0) * 2))];
            _pending?.AsSpan(0, _pendingLength).CopyTo(bigger);
            _pending = bigger;
        }

        data.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += data.Length;
    }
}
