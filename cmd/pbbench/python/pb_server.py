"""Twisted PB echo server for cmd/pbbench: prints "PORT <n>" once it listens on
127.0.0.1, and runs until its standard input closes. Besides echo, its root answers cpu
with the CPU time the process has used, which pb_client.py asks at both ends of its
measured window."""
import time

from twisted.internet import reactor, stdio
from twisted.internet.protocol import Protocol
from twisted.spread import pb


class Echo(pb.Root):
    def remote_echo(self, x):
        return x

    def remote_cpu(self):
        return time.process_time()


class StopOnEOF(Protocol):
    def connectionLost(self, reason):
        reactor.stop()


port = reactor.listenTCP(0, pb.PBServerFactory(Echo()), interface="127.0.0.1")
print("PORT", port.getHost().port, flush=True)
stdio.StandardIO(StopOnEOF())
reactor.run()
