"""Twisted PB load client for cmd/pbbench.

usage: pb_client.py PORT PAYLOAD CONNS INFLIGHT WARMUP DURATION

Opens CONNS connections to the PB server on 127.0.0.1:PORT and keeps INFLIGHT calls of
echo(payload) in flight on each; every answer is checked. After WARMUP seconds it counts
the answers received for DURATION seconds, and the CPU time both processes used meanwhile
(its own, and the server's from the server's cpu method), then prints one line:
    RESULT <calls> <seconds> <cpu seconds>
or "ERROR <message>" if a call failed or an answer was wrong.
"""
import sys
import time

from twisted.internet import defer, reactor
from twisted.spread import pb

port, payloadName = int(sys.argv[1]), sys.argv[2]
conns, inflight = int(sys.argv[3]), int(sys.argv[4])
warmup, duration = float(sys.argv[5]), float(sys.argv[6])

if payloadName == "small":
    payload = "hello"
elif payloadName == "bytes1k":
    payload = b"x" * 1024
elif payloadName == "bytes64k":
    payload = b"x" * 65536
elif payloadName == "list1000":
    payload = list(range(1000))
elif payloadName == "dict100":
    payload = {"key%03d" % i: i for i in range(100)}
else:
    raise SystemExit("unknown payload " + payloadName)


class Load:
    def __init__(self):
        self.count = 0
        self.outstanding = 0
        self.measuring = False
        self.stopped = False
        self.error = None
        self.start = time.perf_counter()
        self.t0 = self.t1 = None
        self.n0 = self.n1 = 0
        self.cpu0 = self.cpu1 = 0.0
        self.root = None

    def issue(self, root):
        self.outstanding += 1
        d = root.callRemote("echo", payload)
        d.addCallbacks(self.answered, self.failed, callbackArgs=(root,))

    def answered(self, value, root):
        self.outstanding -= 1
        if value != payload:
            self.fail("echo answered a different value: %r" % (type(value),))
        self.count += 1
        now = time.perf_counter()
        if not self.measuring and not self.stopped and now - self.start >= warmup:
            self.measuring, self.t0, self.n0 = True, now, self.count
            self.cpuMark(0)
        elif self.measuring and now - self.t0 >= duration:
            self.measuring, self.stopped, self.t1, self.n1 = False, True, now, self.count
            self.cpuMark(1)
        if not self.stopped:
            self.issue(root)
        elif self.outstanding == 0:
            self.finish()

    def cpuMark(self, which):
        # Both processes' CPU time: this one's now, the server's when its answer comes.
        own = time.process_time()
        self.outstanding += 1

        def got(server):
            self.outstanding -= 1
            if which == 0:
                self.cpu0 = own + server
            else:
                self.cpu1 = own + server
            if self.stopped and self.outstanding == 0:
                self.finish()

        self.root.callRemote("cpu").addCallbacks(got, self.failed)

    def failed(self, reason):
        self.outstanding -= 1
        self.fail(reason.getErrorMessage())
        if self.outstanding == 0:
            self.finish()

    def fail(self, message):
        if self.error is None:
            self.error = message
        self.stopped = True

    def finish(self):
        if self.error is not None:
            print("ERROR", self.error, flush=True)
        elif self.t1 is None:
            print("ERROR no measured window", flush=True)
        else:
            print("RESULT", self.n1 - self.n0, self.t1 - self.t0, self.cpu1 - self.cpu0, flush=True)
        reactor.stop()


load = Load()


def connected(roots):
    load.start = time.perf_counter()
    load.root = roots[0]
    for root in roots:
        for _ in range(inflight):
            load.issue(root)


def notConnected(reason):
    print("ERROR", reason.getErrorMessage(), flush=True)
    reactor.stop()


factories = []
for _ in range(conns):
    f = pb.PBClientFactory()
    reactor.connectTCP("127.0.0.1", port, f)
    factories.append(f)
defer.gatherResults([f.getRootObject() for f in factories]).addCallbacks(
    connected, notConnected
)
reactor.run()
