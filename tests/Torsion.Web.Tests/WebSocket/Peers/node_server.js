// Echo server on node-ws, permessage-deflate offered.  usage: node node_server.js PORT (0: any free port)
// Text commands: "extensions?" answers the negotiated extensions ("permessage-deflate..." or "none");
// "close:CODE:REASON" closes with CODE and REASON; "fragment:N:TEXT" sends TEXT back as one text message of N frames,
// split at byte offsets (inside UTF-8 sequences too). Prints "closed CODE" (the close code this server
// received, 1005 without one, 1006 without a close frame) when a connection ends. 127.0.0.1 only. Prints "port N"
// (the port it listens on) and then "ready" once listening.
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]), maxPayload: 4 << 20, perMessageDeflate: true });
wss.on('listening', () => console.log(`port ${wss.address().port}\nready`));
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    if (text === 'extensions?') {
      ws.send(ws.extensions || 'none');
    } else if (text !== null && text.startsWith('close:')) {
      const [, code, ...reason] = text.split(':');
      ws.close(Number(code), reason.join(':'));
    } else if (text !== null && text.startsWith('fragment:')) {
      const colon = data.indexOf(':', 'fragment:'.length);
      const n = Number(data.subarray('fragment:'.length, colon).toString());
      const body = data.subarray(colon + 1);
      const step = Math.max(1, Math.ceil(body.length / n));
      for (let i = 0; i < body.length; i += step) {
        ws.send(body.subarray(i, i + step), { binary: false, compress: false, fin: i + step >= body.length });
      }
    } else {
      ws.send(data, { binary: isBinary });
    }
  });
  ws.on('close', (code) => console.log(`closed ${code}`));
});
