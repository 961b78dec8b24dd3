"""A real Twisted PB client for the interop tests: runs a fixed list of checks against a
server that serves pbinterop.InteropRoot (py_server.py, or the Go test server) and prints
one line per check, "PASS <name>" or "FAIL <name>: <why>", then "DONE <passed> <failed>".

Usage: /usr/bin/python3 py_client.py <port> [--only name,name]
"""
import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from twisted.internet import defer, reactor  # noqa: E402
from twisted.internet.task import deferLater  # noqa: E402
from twisted.python import log  # noqa: E402
from twisted.spread import flavors, pb  # noqa: E402

import pbinterop  # noqa: E402
from pbinterop import describe  # noqa: E402

RESULTS = []


def record(name, ok, why=""):
    RESULTS.append(ok)
    if ok:
        print("PASS", name, flush=True)
    else:
        print("FAIL %s: %s" % (name, why), flush=True)


def expect(name, got, want):
    record(name, got == want, "got %r, want %r" % (got, want))


def pause(t=0.05):
    return deferLater(reactor, t, lambda: None)


def failureOf(d):
    """Fires with [the Failure of d], or with [('no failure', result)]: a Failure handed
    to callback() or returned from a callback would go down the errback chain, so it
    travels boxed in a list."""
    return d.addCallbacks(lambda r: [("no failure", r)], lambda f: [f])


@defer.inlineCallbacks
def run(port):
    factory = pb.PBClientFactory()
    reactor.connectTCP("127.0.0.1", port, factory)
    root = yield factory.getRootObject()
    broker = root.broker

    # --- every jelly type, echoed: the value must come back with the same Python types
    for name, value in pbinterop.samples().items():
        got = yield root.callRemote("echo", value)
        want = describe(value)
        d = describe(got)
        record("echo/" + name, d == want, "got %.200s, want %.200s" % (d, want))
        if name == "shared":
            record("echo/shared-identity", got[0] is got[1], "shared list lost identity")

    got = yield root.callRemote("give", "dict")
    expect("give/dict", describe(got), describe(pbinterop.samples()["dict"]))
    got = yield root.callRemote("same", [1], [1])
    expect("same/distinct", got, False)
    l = [1]
    got = yield root.callRemote("same", l, l)
    expect("same/shared-args", got, True)

    got = yield root.callRemote("echoWithKeywords", "positional", kw1=1, kw2="two")
    expect("kwargs", describe(got), describe(("positional", {"kw1": 1, "kw2": "two"})))

    got = yield root.callRemote("later", 21)
    expect("deferred-result", got, 42)

    # pbanswer=False: nothing comes back, and the connection keeps working
    r = root.callRemote("echo", "no answer", pbanswer=False)
    expect("no-answer/returns-None", r, None)
    got = yield root.callRemote("add", 2, 3)
    expect("no-answer/then-call", got, 5)

    # --- errors
    f = (yield failureOf(root.callRemote("fail")))[0]
    expect("error/pb.Error-type", getattr(f, "type", None), b"twisted.spread.pb.Error")
    expect("error/pb.Error-value", getattr(f, "value", None), "a pb.Error message")
    expect("error/pb.Error-check", f.check(pb.Error) if hasattr(f, "check") else None, pb.Error)
    expect("error/traceback", getattr(f, "traceback", None), "Traceback unavailable\n")

    f = (yield failureOf(root.callRemote("crash")))[0]
    record("error/unexpected", hasattr(f, "check") and f.check(pb.Error) is None
           and f.value == "unexpected value error" and f.check(Exception) is Exception,
           "got %r" % (getattr(f, "__dict__", f),))

    f = (yield failureOf(root.callRemote("failLater")))[0]
    expect("error/deferred", (getattr(f, "type", None), getattr(f, "value", None)),
           (b"twisted.spread.pb.Error", "deferred pb.Error"))

    f = (yield failureOf(root.callRemote("myError")))[0]
    ok = hasattr(f, "trap")
    if ok:
        try:
            f.trap(pbinterop.MyError)
        except Exception as e:
            ok = False
    record("error/trap-own-class", ok and f.type == b"pbinterop.MyError"
           and f.check(pb.Error) is pb.Error, "got %r" % (getattr(f, "__dict__", f),))

    f = (yield failureOf(root.callRemote("copyError")))[0]
    record("error/copyable", hasattr(f, "value") and isinstance(f.value, pbinterop.CopyError),
           "got %r" % (f,))

    f = (yield failureOf(root.callRemote("noSuchMethod")))[0]
    record("error/no-such-method", hasattr(f, "check") and f.check(flavors.NoSuchMethod) is not None
           and f.value == "No such method: remote_noSuchMethod",
           "got %r" % (getattr(f, "__dict__", f),))

    f = (yield failureOf(root.callRemote("add", 1)))[0]
    record("error/wrong-arity", hasattr(f, "check") and f.check(TypeError) is TypeError,
           "got %r" % (getattr(f, "__dict__", f),))

    bad = pb.RemoteReference(None, broker, 999, 0)
    f = (yield failureOf(bad.callRemote("x")))[0]
    expect("error/invalid-object-id", (getattr(f, "type", None), getattr(f, "value", None)),
           (b"twisted.spread.pb.Error", "Invalid Object ID"))

    got = yield root.callRemote("add", 40, 2)
    expect("error/connection-survives", got, 42)

    # --- references both ways
    thing = yield root.callRemote("getThing")
    record("ref/remote", isinstance(thing, pb.RemoteReference), "got %r" % (thing,))
    got = yield thing.callRemote("ping", 5)
    expect("ref/call", describe(got), describe(("pong", "server-thing", 5)))
    thing2 = yield root.callRemote("getThing")
    expect("ref/same-luid", thing2.luid, thing.luid)
    got = yield root.callRemote("isMyThing", thing)
    expect("ref/local-identity", got, True)
    got = yield root.callRemote("callMeBack", pbinterop.ClientObj(), "from client")
    expect("ref/server-calls-client", got, "client got: from client")
    x, z = pbinterop.Thing("x"), pbinterop.Thing("z")
    got = yield root.callRemote("throw", x, z)
    record("ref/throw-catch", got == "caught" and getattr(x, "caught", None) is z,
           "got %r, caught %r" % (got, getattr(x, "caught", None)))
    # The server drops the references it was given (decref); ours are released here.
    yield pause(0.2)
    expect("ref/client-exports-released", len(broker.localObjects), 0)
    del thing, thing2
    gc.collect()
    got = yield root.callRemote("refCount")
    expect("ref/decref", got, 1)

    # --- copies
    c = yield root.callRemote("getCopy")
    record("copy/received", isinstance(c, pbinterop.ReceivedCopy) and c.x == 1 and c.name == "copy"
           and c.items == [1, 2, 3], "got %r" % (getattr(c, "__dict__", c),))
    orig = pbinterop.TwoWayCopy("sent", 3)
    back = yield root.callRemote("echo", orig)
    record("copy/both-ways", isinstance(back, pbinterop.TwoWayCopy) and back is not orig
           and back.label == "sent" and back.count == 3, "got %r" % (getattr(back, "__dict__", back),))
    got = yield root.callRemote("describeCopy", orig)
    expect("copy/server-sees", got, "TwoWayCopy{'count': int:3, 'label': 'sent'}")
    tw = yield root.callRemote("getTwoWay", "made", 7)
    record("copy/server-made", isinstance(tw, pbinterop.TwoWayCopy) and tw.label == "made"
           and tw.count == 7, "got %r" % (getattr(tw, "__dict__", tw),))

    # --- a reference that exists only inside a state built by getStateToCopy
    h = yield root.callRemote("getHolder", "srv")
    record("copy/state-reference", isinstance(h, pbinterop.ReceivedHolder)
           and isinstance(getattr(h, "thing", None), pb.RemoteReference),
           "got %r" % (getattr(h, "__dict__", h),))
    got = yield h.thing.callRemote("ping", 7)
    expect("copy/state-reference-call", describe(got), describe(("pong", "held-by-srv", 7)))
    got = yield root.callRemote("pingHeld", pbinterop.Holder("cli", "client-held"), 8)
    expect("copy/state-reference-sent", describe(got), describe(("cli", ("pong", "client-held", 8))))
    del h

    # --- caches
    c1 = yield root.callRemote("getCounter")
    c2 = yield root.callRemote("getCounter")
    record("cache/received", isinstance(c1, pbinterop.RemoteCounter) and c1.value == 0,
           "got %r" % (getattr(c1, "__dict__", c1),))
    expect("cache/cached-shares-state", c2.__dict__ is c1.__dict__, True)
    got = yield root.callRemote("bump")
    expect("cache/observer-update", (describe(got), c1.value, c2.value),
           (describe((1, ["ack"])), 1, 1))
    got = yield root.callRemote("isMyCounter", c1)
    expect("cache/lcache-identity", got, True)
    got = yield root.callRemote("observers")
    expect("cache/observed", got, 1)
    del c1, c2
    gc.collect()
    yield pause(0.2)
    got = yield root.callRemote("observers")
    expect("cache/stopped-observing", got, 0)
    got = yield root.callRemote("cacheCount")
    expect("cache/uncached", got, 0)
    expect("cache/client-forgot", len(broker.locallyCachedObjects), 0)

    # --- a dropped connection with calls pending
    hung = root.callRemote("hang")
    lost = (yield failureOf(root.callRemote("dropMe")))[0]
    f = (yield failureOf(hung))[0]
    record("drop/pending-call", hasattr(f, "check") and f.check(pb.PBConnectionLost) is not None,
           "got %r" % (f,))
    try:
        root.callRemote("add", 1, 2)
    except pb.DeadReferenceError:
        record("drop/dead-reference", True)
    else:
        record("drop/dead-reference", False, "callRemote did not raise")


def main():
    log.startLogging(sys.stderr, setStdout=False)
    port = int(sys.argv[1])

    def done(r):
        passed = sum(1 for x in RESULTS if x)
        print("DONE %d %d" % (passed, len(RESULTS) - passed), flush=True)
        reactor.stop()

    def crashed(f):
        print("FAIL crashed: %s" % f.getTraceback().replace("\n", " | "), flush=True)
        RESULTS.append(False)

    reactor.callWhenRunning(lambda: run(port).addErrback(crashed).addBoth(done))
    reactor.callLater(60, reactor.stop)
    reactor.run()


main()
