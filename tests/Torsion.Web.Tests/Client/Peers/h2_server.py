#!/usr/bin/env python3
"""A strict HTTP/2 server built on python3-h2 (h2c prior knowledge) for client interop tests.

    h2_server.py PORT           (0: any free port)

Prints "port N" (the port it listens on) and then "ready" once listening on 127.0.0.1. Any protocol violation by the client makes h2 raise; the
script then sends GOAWAY with the error and prints "violation: ..." on stderr (the test reads it).
Routes:
    GET  /hello         "hello from h2" and a trailer "x-trailer: yes"
    GET  /headers       the request header list, one "name: value" line each, in order
    GET  /bytes/N       N bytes of 'a'..'z' repeating, sent as the client's windows allow
    POST /echo          the request body back (received data is acknowledged as it is read)
"""
import socket
import sys
import threading

import h2.config
import h2.connection
import h2.events
import h2.exceptions


def body_for(path):
    if path.startswith("/bytes/"):
        n = int(path[len("/bytes/"):])
        return bytes((ord("a") + i % 26) for i in range(n))
    return None


def serve(sock):
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False, validate_inbound_headers=True))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    requests = {}   # stream id -> (headers, bytearray)
    pending = {}    # stream id -> [remaining bytes, trailers]

    def pump():
        for stream_id in list(pending):
            data, trailers = pending[stream_id]
            while data:
                window = min(conn.local_flow_control_window(stream_id), conn.max_outbound_frame_size)
                if window <= 0:
                    break
                chunk, data = data[:window], data[window:]
                conn.send_data(stream_id, chunk)
            pending[stream_id][0] = data
            if not data:
                if trailers:
                    conn.send_headers(stream_id, trailers, end_stream=True)
                else:
                    conn.end_stream(stream_id)
                del pending[stream_id]

    def respond(stream_id, body, trailers=None, content_type="text/plain"):
        headers = [(":status", "200"), ("content-type", content_type), ("content-length", str(len(body)))]
        conn.send_headers(stream_id, headers)
        pending[stream_id] = [body, trailers]
        pump()

    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    requests[event.stream_id] = (event.headers, bytearray())
                elif isinstance(event, h2.events.DataReceived):
                    requests[event.stream_id][1].extend(event.data)
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    headers, body = requests.pop(event.stream_id)
                    h = {k.decode(): v.decode() for k, v in headers}
                    path = h[":path"]
                    if path == "/hello":
                        respond(event.stream_id, b"hello from h2", trailers=[("x-trailer", "yes")])
                    elif path == "/headers":
                        text = "".join(f"{k.decode()}: {v.decode()}\n" for k, v in headers)
                        respond(event.stream_id, text.encode())
                    elif path == "/echo":
                        respond(event.stream_id, bytes(body), content_type="application/octet-stream")
                    elif body_for(path) is not None:
                        respond(event.stream_id, body_for(path))
                    else:
                        conn.send_headers(event.stream_id, [(":status", "404"), ("content-length", "0")], end_stream=True)
                elif isinstance(event, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
                    pump()
                elif isinstance(event, h2.events.StreamReset):
                    pending.pop(event.stream_id, None)
                    requests.pop(event.stream_id, None)
            sock.sendall(conn.data_to_send())
    except h2.exceptions.ProtocolError as e:
        print(f"violation: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        try:
            sock.sendall(conn.data_to_send())
        except OSError:
            pass
    finally:
        sock.close()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen(16)
    print("port", listener.getsockname()[1], flush=True)
    print("ready", flush=True)
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=serve, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()
