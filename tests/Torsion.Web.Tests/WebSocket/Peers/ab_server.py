"""Echo server on autobahn + twisted, permessage-deflate accepted.  usage: ab_server.py PORT (0: any free port)

Text commands: "extensions?" answers the negotiated extensions ("permessage-deflate" or "none");
"close:CODE:REASON" closes with CODE and REASON;
"fragment:N:TEXT" sends TEXT back as one text message of N frames, split at byte offsets (inside UTF-8 sequences too). Prints "closed CODE" (the client's close code as this
server saw it, "None" without one) to stdout when a connection ends. 127.0.0.1 only. Prints "port N" (the port it
listens on) and then "ready" once listening.
"""
import sys

from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept
from twisted.internet import reactor


class Echo(WebSocketServerProtocol):
    def onMessage(self, payload, isBinary):
        if not isBinary and payload == b"extensions?":
            names = [e.EXTENSION_NAME for e in self.websocket_extensions_in_use]
            self.sendMessage((", ".join(names) or "none").encode(), False)
        elif not isBinary and payload.startswith(b"close:"):
            _, code, reason = payload.decode().split(":", 2)
            # sendClose() allows only 1000 and 3000-4999 from applications; a server may send 1008/1011 (RFC 6455 7.4.1).
            self.sendCloseFrame(int(code), reason.encode(), isReply=False)
        elif not isBinary and payload.startswith(b"fragment:"):
            _, n, text = payload.split(b":", 2)
            n = int(n)
            step = max(1, -(-len(text) // n))
            self.beginMessage(isBinary=False)
            for i in range(0, len(text), step):
                self.sendMessageFrame(text[i:i + step])
            self.endMessage()
        else:
            self.sendMessage(payload, isBinary)

    def onClose(self, wasClean, code, reason):
        # remoteCloseCode: what the client sent (code is ours when we started the close).
        print("closed", self.remoteCloseCode, flush=True)


def accept(offers):
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return PerMessageDeflateOfferAccept(offer)
    return None


port = int(sys.argv[1])
factory = WebSocketServerFactory()  # the URL is set once the listening port is known
factory.setProtocolOptions(maxMessagePayloadSize=4 * 1024 * 1024, perMessageCompressionAccept=accept)
factory.protocol = Echo
port = reactor.listenTCP(port, factory, interface="127.0.0.1").getHost().port
factory.setSessionParameters("ws://127.0.0.1:%d" % port)
print("port", port, flush=True)
print("ready", flush=True)
reactor.run()
