"""Twisted's own AMP as the peer of Torsion's AMP interop tests (AmpInteropTests.cs).

    python3 amp_peer.py server          listens on 127.0.0.1 (port chosen by the system), prints "PORT <n>"
    python3 amp_peer.py client <port>   calls a server on 127.0.0.1:<port>, prints one line per result

The commands match AmpTestCommands.cs: Sum, Divide (ZeroDivisionError as ZERO_DIVISION) and Echo.
"""
import datetime
import decimal
import sys

from twisted.internet import defer, endpoints, protocol, reactor
from twisted.protocols import amp


class Sum(amp.Command):
    arguments = [(b"a", amp.Integer()), (b"b", amp.Integer())]
    response = [(b"total", amp.Integer())]


class Divide(amp.Command):
    arguments = [(b"numerator", amp.Integer()), (b"denominator", amp.Integer())]
    response = [(b"result", amp.Float())]
    errors = {ZeroDivisionError: b"ZERO_DIVISION"}


ECHO = [
    (b"text", amp.Unicode()),
    (b"numbers", amp.ListOf(amp.Integer())),
    (b"when", amp.DateTime()),
    (b"flag", amp.Boolean()),
    (b"note", amp.Unicode(optional=True)),
    (b"amount", amp.Decimal()),
    (b"ratio", amp.Float()),
    (b"data", amp.String()),
    (b"rows", amp.AmpList([(b"name", amp.Unicode()), (b"n", amp.Integer())])),
    (b"extra", amp.Integer(optional=True)),
]


class Echo(amp.Command):
    arguments = ECHO
    response = ECHO


class Nope(amp.Command):
    arguments = []
    response = []


class Peer(amp.AMP):
    @Sum.responder
    def sum(self, a, b):
        return {"total": a + b}

    @Divide.responder
    def divide(self, numerator, denominator):
        return {"result": numerator / denominator}

    @Echo.responder
    def echo(self, **kw):
        return kw


def show(value):
    return repr(value)


@defer.inlineCallbacks
def client(port):
    point = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port, timeout=10)
    peer = yield endpoints.connectProtocol(point, Peer())
    result = yield peer.callRemote(Sum, a=13, b=81)
    print("sum", result["total"], flush=True)
    result = yield peer.callRemote(Divide, numerator=1, denominator=4)
    print("divide", result["result"], flush=True)
    try:
        yield peer.callRemote(Divide, numerator=1, denominator=0)
    except ZeroDivisionError as e:
        print("divide-zero ZeroDivisionError", e, flush=True)
    try:
        yield peer.callRemote(Nope)
    except amp.UnhandledCommand as e:
        print("nope UnhandledCommand", flush=True)
    when = datetime.datetime(2012, 1, 23, 12, 34, 56, 54321, tzinfo=amp._FixedOffsetTZInfo.fromSignHoursMinutes("-", 1, 23))
    result = yield peer.callRemote(
        Echo, text="h\u00e9llo \u2713", numbers=[1, -2, 3000000000], when=when, flag=True,
        amount=decimal.Decimal("12.50"), ratio=0.25, data=b"\x00\xff", rows=[{"name": "x", "n": 1}], extra=7)
    print("echo-text", show(result["text"]), flush=True)
    print("echo-numbers", result["numbers"], flush=True)
    print("echo-when", result["when"].isoformat(), flush=True)
    print("echo-flag", result["flag"], "note", result["note"], "extra", result["extra"], flush=True)
    print("echo-amount", result["amount"], "ratio", result["ratio"], flush=True)
    print("echo-data", result["data"].hex(), "rows", result["rows"], flush=True)
    peer.transport.loseConnection()
    print("done", flush=True)


def main():
    if sys.argv[1] == "server":
        factory = protocol.Factory.forProtocol(Peer)
        port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        print("PORT", port.getHost().port, flush=True)
        reactor.run()
    else:
        def failed(f):
            print("error", f.getErrorMessage(), flush=True)
            f.printTraceback(file=sys.stdout)

        d = client(int(sys.argv[2]))
        d.addErrback(failed)
        d.addBoth(lambda _: reactor.stop())
        reactor.run()


if __name__ == "__main__":
    main()
