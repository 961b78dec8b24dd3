"""Twisted peer for protocol/basic's interop tests (run with Debian's python3).

    twisted_peer.py server KIND        listen on 127.0.0.1:0, print the port, serve one client
    twisted_peer.py client KIND PORT   connect, send the test messages, print what comes back
    twisted_peer.py client-long line PORT   send one line longer than MAX_LENGTH

KIND is line, netstring or int32. The server answers each message M with b"echo: " + M and
closes the connection after a message b"quit". The client sends MESSAGES then b"quit", and
prints every reply with repr(), then "lost: <reason>" when the connection ends.
"""
import sys

from twisted.internet import protocol, reactor
from twisted.protocols import basic

MESSAGES = [b"hello", b"", b"with spaces and : commas,", b"\x00\x01binary\xff", b"x" * 3000]

KINDS = {
    "line": (basic.LineReceiver, "lineReceived", "sendLine"),
    "netstring": (basic.NetstringReceiver, "stringReceived", "sendString"),
    "int32": (basic.Int32StringReceiver, "stringReceived", "sendString"),
}


def make(kind, role):
    base, recv, send = KINDS[kind]

    def received(self, msg):
        if role == "server":
            if msg == b"quit":
                self.transport.loseConnection()
            else:
                getattr(self, send)(b"echo: " + msg)
        else:
            print(repr(msg), flush=True)

    def connectionMade(self):
        if role == "client":
            for m in MESSAGES + [b"quit"]:
                getattr(self, send)(m)
        elif role == "client-long":
            # One line over LineReceiver.MAX_LENGTH: the server must drop the connection.
            self.sendLine(b"y" * 20000)

    def connectionLost(self, reason):
        print("lost:", reason.type.__name__, flush=True)
        if reactor.running:
            reactor.stop()

    return type("Peer", (base,), {recv: received, "connectionMade": connectionMade,
                                   "connectionLost": connectionLost})


def main():
    role, kind = sys.argv[1], sys.argv[2]
    f = protocol.Factory.forProtocol(make(kind, role)) if role == "server" else \
        protocol.ClientFactory.forProtocol(make(kind, role))
    if role == "server":
        port = reactor.listenTCP(0, f, interface="127.0.0.1")
        print(port.getHost().port, flush=True)
    else:
        f.clientConnectionFailed = lambda c, r: (print("failed:", r.getErrorMessage()), reactor.stop())
        reactor.connectTCP("127.0.0.1", int(sys.argv[3]), f)
    reactor.callLater(30, reactor.stop)
    reactor.run()


if __name__ == "__main__":
    main()
