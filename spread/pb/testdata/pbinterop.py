"""Classes shared by the PB interop peers (py_server.py, py_client.py).

Importing this module as 'pbinterop' makes the wire type names 'pbinterop.<Class>'; the Go
side of the interop tests declares exactly these names. The root object is the same
whichever side serves it: the Go test server implements the same remote methods, so
py_client.py can be run against both (it is run against py_server.py first, to check the
script itself against real Twisted).
"""
import datetime
import decimal

from twisted.internet import defer, reactor
from twisted.internet.task import deferLater
from twisted.spread import jelly, pb


class Thing(pb.Referenceable):
    def __init__(self, name):
        self.name = name

    def remote_ping(self, x):
        return ("pong", self.name, x)

    def remote_catch(self, x):
        self.caught = x
        return "caught"


class SimpleCopy(pb.Copyable):
    def __init__(self):
        self.x = 1
        self.name = "copy"
        self.items = [1, 2, 3]


class ReceivedCopy(pb.RemoteCopy):
    pass


pb.setUnjellyableForClass(SimpleCopy, ReceivedCopy)


class TwoWayCopy(pb.Copyable, pb.RemoteCopy):
    """Travels in both directions under the same name."""

    def __init__(self, label="", count=0):
        self.label = label
        self.count = count


pb.setUnjellyableForClass(TwoWayCopy, TwoWayCopy)


class MyError(pb.Error):
    """An expected error with a name of its own: pbinterop.MyError."""


class CopyError(pb.Error, pb.Copyable, pb.RemoteCopy):
    """A pb.Error that is also Copyable: sent as itself, not as a failure."""


pb.setUnjellyableForClass(CopyError, CopyError)


class Counter(pb.Cacheable):
    def __init__(self):
        self.value = 0
        self.observers = []

    def getStateToCacheAndObserveFor(self, perspective, observer):
        self.observers.append(observer)
        return {"value": self.value}

    def stoppedObserving(self, perspective, observer):
        self.observers.remove(observer)

    def bump(self):
        self.value += 1
        return defer.gatherResults(
            [o.callRemote("setValue", self.value) for o in self.observers]
        )


class RemoteCounter(pb.RemoteCache):
    def observe_setValue(self, v):
        self.value = v
        return "ack"


pb.setUnjellyableForClass(Counter, RemoteCounter)


class Holder(pb.Copyable):
    """A copy whose state, built by getStateToCopy, holds a Referenceable that is not
    among its attributes: it must arrive as a working RemoteReference."""

    def __init__(self, label, thing_name):
        self.label = label
        self._thing_name = thing_name

    def getStateToCopy(self):
        return {"label": self.label, "thing": Thing(self._thing_name)}


class ReceivedHolder(pb.RemoteCopy):
    pass


pb.setUnjellyableForClass(Holder, ReceivedHolder)


class ClientObj(pb.Referenceable):
    def remote_hello(self, msg):
        return "client got: " + msg


def describe(v):
    """A canonical, type-exact description of a Python value (sets sorted)."""
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, int):
        return "int:%d" % v
    if isinstance(v, float):
        return "float:%r" % v
    if isinstance(v, (bytes, str, datetime.date, datetime.time, datetime.timedelta, decimal.Decimal)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(describe(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ", ".join(describe(x) for x in v) + ")"
    if isinstance(v, dict):
        return "{" + ", ".join(describe(k) + ": " + describe(x) for k, x in v.items()) + "}"
    if isinstance(v, (set, frozenset)):
        return type(v).__name__ + "(" + ", ".join(sorted(describe(x) for x in v)) + ")"
    if isinstance(v, pb.RemoteReference):
        return "<RemoteReference>"
    if isinstance(v, jelly.Unpersistable):
        return "Unpersistable"
    if isinstance(v, (pb.RemoteCopy, pb.Copyable)):
        return type(v).__name__ + describe(dict(sorted(v.__dict__.items())))
    return "<%s>" % type(v).__name__


# Values the server hands out with give(name), and the client echoes: the same table on
# both sides of the interop matrix.
def samples():
    shared = [1, 2]
    return {
        "zero": 0,
        "int": 42,
        "negative": -1015,
        "int32max": 2**31 - 1,
        "int32overflow": 2**31,
        "int32min": -(2**31),
        "int32underflow": -(2**31) - 1,
        "int40": 2**40,
        "neg40": -(2**40),
        "int64max": 2**63 - 1,
        "int64min": -(2**63),
        "bigint": 2**100,
        "negbigint": -(2**100),
        "float": 1.5,
        "negfloat": -1015.25,
        "float_big": 1e308,
        "bytes": b"raw bytes",
        "emptybytes": b"",
        "vocabbytes": b"remote",
        "allbytes": bytes(range(256)),
        "text": "unicode str",
        "emptytext": "",
        "nonascii": "h\u00e9llo \u2603",
        "vocabtext": "copy",
        "none": None,
        "true": True,
        "false": False,
        "emptylist": [],
        "list": [1, "a", b"b", None, 2.5],
        "nested": [1, [2, [3, [4]]], (5, 6)],
        "emptytuple": (),
        "tuple": (1, 2),
        "emptydict": {},
        "dict": {"key": "value", 7: b"seven"},
        "bytesdict": {b"k": 1},
        "set": {1, 2, 3},
        "frozenset": frozenset([1]),
        "emptyfrozenset": frozenset(),
        "datetime": datetime.datetime(2020, 7, 11, 1, 16, 5, 344),
        "date": datetime.date(2020, 7, 11),
        "time": datetime.time(1, 16, 5, 344),
        "timedelta": datetime.timedelta(-1, 5),
        "decimal": decimal.Decimal("9.95"),
        "negdecimal": decimal.Decimal("-78.901"),
        "shared": [shared, shared],
    }


class InteropRoot(pb.Root):
    """The root both interop servers serve; one per connection (rootObject)."""

    def __init__(self, broker=None):
        self.broker = broker
        self.thing = Thing("server-thing")
        self.counter = Counter()
        self.hung = []

    def rootObject(self, broker):
        return InteropRoot(broker)

    # --- values
    def remote_echo(self, x):
        return x

    def remote_echoWithKeywords(self, x, **kw):
        return (x, kw)

    def remote_describe(self, *args, **kw):
        out = describe(args)
        if kw:
            out += " " + describe(kw)
        return out

    def remote_give(self, name):
        if isinstance(name, bytes):
            name = name.decode()
        return samples()[name]

    def remote_same(self, a, b):
        return a is b

    def remote_later(self, x):
        return deferLater(reactor, 0.01, lambda: x * 2)

    def remote_add(self, a, b):
        return a + b

    # --- errors
    def remote_fail(self):
        raise pb.Error("a pb.Error message")

    def remote_crash(self):
        raise ValueError("unexpected value error")

    def remote_failLater(self):
        return defer.fail(pb.Error("deferred pb.Error"))

    def remote_myError(self):
        raise MyError("my error")

    def remote_copyError(self):
        raise CopyError("copyable error")

    # --- references
    def remote_getThing(self):
        return self.thing

    def remote_isMyThing(self, obj):
        return obj is self.thing

    def remote_callMeBack(self, ref, msg):
        return ref.callRemote("hello", msg)

    def remote_throw(self, a, b):
        # test_pb BrokerTests.test_reference: the client's b comes back to it as itself.
        return a.callRemote("catch", b)

    def remote_refCount(self):
        """How many objects this connection exports (root included)."""
        return len(self.broker.localObjects)

    # --- copies
    def remote_getCopy(self):
        return SimpleCopy()

    def remote_getTwoWay(self, label, count):
        return TwoWayCopy(label, count)

    def remote_describeCopy(self, c):
        return describe(c)

    def remote_getHolder(self, label):
        return Holder(label, "held-by-" + label)

    def remote_pingHeld(self, h, x):
        """Calls the reference inside a ReceivedHolder the client sent."""
        return h.thing.callRemote("ping", x).addCallback(lambda r: (h.label, r))

    # --- caches
    def remote_getCounter(self):
        return self.counter

    def remote_bump(self):
        d = self.counter.bump()
        d.addCallback(lambda acks: (self.counter.value, acks))
        return d

    def remote_isMyCounter(self, c):
        return c is self.counter

    def remote_observers(self):
        return len(self.counter.observers)

    def remote_cacheCount(self):
        return len(self.broker.remotelyCachedObjects)

    # --- connection loss
    def remote_hang(self):
        d = defer.Deferred()
        self.hung.append(d)
        return d

    def remote_dropMe(self):
        self.broker.transport.loseConnection()
        return None
