"""Capture how Twisted 22.4 words the connection errors its reactor produces, and the
lines a listening port logs.

Run with Debian's python3 (the one with Twisted):

    /usr/bin/python3 reactor/testdata/errors_probe.py > reactor/testdata/errors.json

Each entry is str(reason.value) and reason.getErrorMessage() for one way a connection
attempt or a connection ends. Most are produced for real on loopback; the rest are built
exactly as Twisted's reactor builds them (the code line is named), because provoking them
needs a network this machine may not have. Error numbers and texts are Linux's. Under
"log" are the messages a port logs while it starts and stops (port numbers and paths
replaced by placeholders).
"""
import errno
import json
import os
import socket
import sys
import tempfile

from twisted.internet import error, protocol, reactor
from twisted.python import failure

out = {}


def record(name, reason):
    if not isinstance(reason, failure.Failure):
        reason = failure.Failure(reason)
    out[name] = {
        "class": reason.type.__name__,
        "str": str(reason.value),
        "getErrorMessage": reason.getErrorMessage(),
    }


def built():
    # base.py BaseConnector.connect: the connect timeout.
    record("TimeoutError", error.TimeoutError())
    # base.py BaseConnector.stopConnecting.
    record("UserError (built)", error.UserError())
    # tcp.py BaseClient.doConnect: getConnectError((err, strerror(err))).
    for e in (errno.ETIMEDOUT, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENOENT, errno.EACCES):
        record("getConnectError %s" % errno.errorcode[e], error.getConnectError((e, os.strerror(e))))
    # tcp.py Client.createInternetSocket / bind failure: ConnectBindError(se.args[0], se.args[1]).
    record("ConnectBindError EADDRINUSE",
           error.ConnectBindError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE)))
    # _resolver.py: a name that resolves to no address.
    record("DNSLookupError", error.DNSLookupError("nosuch.invalid"))
    # posixbase.py _disconnectSelectable faildict and main.py.
    record("ConnectionDone (reactor)", error.ConnectionDone())
    record("ConnectionLost (reactor)", error.ConnectionLost())
    # base.py disconnectAll: main.CONNECTION_LOST, not remapped.
    record("ConnectionLost (shutdown)", error.ConnectionLost("Connection lost"))
    # tcp.py abortConnection.
    record("ConnectionAborted", error.ConnectionAborted())
    # posixbase.py _NO_FILEDESC, not in faildict.
    record("ConnectionFdescWentAway", error.ConnectionFdescWentAway("File descriptor lost"))


class Recorder(protocol.ClientFactory):
    def __init__(self, name, then):
        self.name, self.then = name, then

    def clientConnectionFailed(self, connector, reason):
        record(self.name, reason)
        reactor.callLater(0, self.then)


class Lost(protocol.Protocol):
    def __init__(self, name, then, action):
        self.name, self.then, self.action = name, then, action

    def connectionMade(self):
        if self.action == "abort":
            self.transport.abortConnection()
        elif self.action == "lose":
            self.transport.loseConnection()

    def connectionLost(self, reason):
        record(self.name, reason)
        reactor.callLater(0, self.then)


class RST(protocol.Protocol):
    def connectionMade(self):
        # SO_LINGER 0 makes close() send RST (abortConnection closes without shutdown):
        # the peer's read fails with ECONNRESET.
        import struct
        self.transport.getHandle().setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abortConnection()


def steps():
    tmp = tempfile.mkdtemp()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed_port = s.getsockname()[1]
    s.close()

    def refused():
        reactor.connectTCP("127.0.0.1", closed_port, Recorder("ConnectionRefusedError", unix_missing))

    def unix_missing():
        reactor.connectUNIX(os.path.join(tmp, "missing.sock"), Recorder("UNIX ENOENT", unix_refused))

    def unix_refused():
        path = os.path.join(tmp, "stale.sock")
        st = socket.socket(socket.AF_UNIX)
        st.bind(path)
        st.close()  # bound, never listening: ECONNREFUSED
        reactor.connectUNIX(path, Recorder("UNIX ECONNREFUSED", badfile))

    def badfile():
        path = os.path.join(tmp, "nolock.sock")
        reactor.connectUNIX(path, Recorder("BadFileError", user), checkPID=True)

    def user():
        c = reactor.connectTCP("127.0.0.1", closed_port, Recorder("UserError", listen_errors))
        c.stopConnecting()

    def listen_errors():
        p = reactor.listenTCP(0, protocol.Factory(), interface="127.0.0.1")
        try:
            reactor.listenTCP(p.getHost().port, protocol.Factory(), interface="127.0.0.1")
        except error.CannotListenError as e:
            record("CannotListenError TCP", e)
        try:
            reactor.listenTCP(p.getHost().port, protocol.Factory())
        except error.CannotListenError as e:
            record("CannotListenError TCP any", e)
        out["listenPort"] = str(p.getHost().port)
        path = os.path.join(tmp, "used.sock")
        u = reactor.listenUNIX(path, protocol.Factory(), wantPID=True)
        try:
            reactor.listenUNIX(path, protocol.Factory(), wantPID=True)
        except error.CannotListenError as e:
            record("CannotListenError UNIX lock", e)
        path2 = os.path.join(tmp, "used2.sock")
        u2 = reactor.listenUNIX(path2, protocol.Factory())
        try:
            reactor.listenUNIX(path2, protocol.Factory())
        except error.CannotListenError as e:
            record("CannotListenError UNIX", e)
        d = p.stopListening()
        u.stopListening()
        u2.stopListening()
        d.addCallback(lambda _: connection_ends())

    def connection_ends():
        server = protocol.Factory.forProtocol(protocol.Protocol)
        port = reactor.listenTCP(0, server, interface="127.0.0.1")
        addr = port.getHost().port
        todo = []

        def nxt():
            if todo:
                todo.pop(0)()
            else:
                port.stopListening().addCallback(lambda _: log_lines())

        def conn(name, action):
            class F(protocol.ClientFactory):
                def buildProtocol(self, a):
                    return Lost(name, nxt, action)
            reactor.connectTCP("127.0.0.1", addr, F())

        def reset():
            rst = reactor.listenTCP(0, protocol.Factory.forProtocol(RST), interface="127.0.0.1")

            class F(protocol.ClientFactory):
                def buildProtocol(self, a):
                    return Lost("reset by peer", lambda: rst.stopListening().addCallback(lambda _: nxt()), None)
            reactor.connectTCP("127.0.0.1", rst.getHost().port, F())

        todo[:] = [
            lambda: conn("LoseConnection", "lose"),
            lambda: conn("AbortConnection", "abort"),
            reset,
        ]
        nxt()

    def log_lines():
        # The lines a listening port logs, TCP then UNIX: what "starting on" and "Closed"
        # look like and in which order they come with the factory's own lines.
        from twisted.logger import formatEvent, globalLogPublisher
        lines = []

        def observer(event):
            lines.append(formatEvent(event))
        globalLogPublisher.addObserver(observer)

        class EchoFactory(protocol.Factory):
            protocol = protocol.Protocol
        f = EchoFactory()
        tcp = reactor.listenTCP(0, f, interface="127.0.0.1")
        n = tcp.getHost().port
        path = os.path.join(tmp, "log.sock")
        unx = reactor.listenUNIX(path, f)

        def done(_):
            globalLogPublisher.removeObserver(observer)
            out["log"] = [
                l.replace(str(n), "<port>").replace(path, "<path>")
                .replace(hex(id(f)), "<id>") for l in lines]
            shutdown()
        d = tcp.stopListening()
        d.addCallback(lambda _: unx.stopListening()).addCallback(done)

    def shutdown():
        server = protocol.Factory.forProtocol(protocol.Protocol)
        port = reactor.listenTCP(0, server, interface="127.0.0.1")

        class P(protocol.Protocol):
            def connectionMade(self):
                reactor.stop()

            def connectionLost(self, reason):
                record("reactor shutdown", reason)

        class F(protocol.ClientFactory):
            def buildProtocol(self, a):
                return P()
        reactor.connectTCP("127.0.0.1", port.getHost().port, F())

    reactor.callWhenRunning(refused)
    return tmp


built()
tmp = steps()
reactor.run()
# Paths and port numbers vary from run to run: the test puts its own in their place.
port = out.pop("listenPort")
for v in out.values():
    if isinstance(v, dict):
        for k in ("str", "getErrorMessage"):
            v[k] = v[k].replace(tmp, "<tmp>").replace(":%s:" % port, ":<port>:")
json.dump(out, sys.stdout, indent=1, sort_keys=True)
print()
