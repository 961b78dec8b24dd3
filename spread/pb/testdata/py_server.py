"""A real Twisted PB server for the interop tests.

Serves pbinterop.InteropRoot on 127.0.0.1 (port 0), prints one line "PORT <n>" and runs
until its standard input is closed (the Go test holds the pipe) or it is killed.
Twisted's log goes to standard error, so the Go test can show it when something fails.

Usage: /usr/bin/python3 py_server.py [--unsafe-tracebacks]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from twisted.internet import reactor, stdio  # noqa: E402
from twisted.internet.protocol import Protocol  # noqa: E402
from twisted.python import log  # noqa: E402
from twisted.spread import pb  # noqa: E402

import pbinterop  # noqa: E402


class StopOnEOF(Protocol):
    def connectionLost(self, reason):
        if reactor.running:
            reactor.stop()


def main():
    log.startLogging(sys.stderr, setStdout=False)
    factory = pb.PBServerFactory(
        pbinterop.InteropRoot(), unsafeTracebacks="--unsafe-tracebacks" in sys.argv
    )
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    stdio.StandardIO(StopOnEOF())
    print("PORT %d" % port.getHost().port, flush=True)
    reactor.run()


main()
