"""Regenerate this directory's golden vectors from real Twisted (Debian's python3-twisted 22.4).

    /usr/bin/python3 spread/jelly/testdata/gen_golden.py

Writes, next to this script:

golden_jelly.json  Python value -> jelly s-expression -> banana hex in the "pb" and "none"
                   dialects, for every value PB can send, and whether the default PB
                   unjellier (globalSecurity) accepts the s-expression. The first 61 entries
                   are exactly ../../../../shared/reference/golden/golden_jelly.json.
golden_extra.json  more shapes captured for the Go tests (cycles through tuples and dicts,
                   nested containers, sets inside dicts, unicode keys, big negatives...).

Each entry: name, python (repr), sexp (readable), hex_pb, hex_none, accepted_by_globalSecurity.
"""
import datetime
import decimal
import json
import math
import os
import re
import sys
import types
from io import BytesIO

from twisted.spread import banana, jelly, pb
from twisted.test.proto_helpers import StringTransport

HERE = os.path.dirname(os.path.abspath(__file__))

# The classes the reference vectors were captured with live in a module named "pbtypes";
# their qualified names are on the wire, so recreate that module.
pbtypes = types.ModuleType("pbtypes")
sys.modules["pbtypes"] = pbtypes


def _in_pbtypes(cls):
    cls.__module__ = "pbtypes"
    setattr(pbtypes, cls.__name__, cls)
    return cls


@_in_pbtypes
class ServerThing(pb.Referenceable):
    def __init__(self, name):
        self.name = name


@_in_pbtypes
class SimpleCopy(pb.Copyable):
    def __init__(self):
        self.x = 1
        self.name = "copy"


@_in_pbtypes
class SimpleRemoteCopy(pb.RemoteCopy):
    pass


pb.setUnjellyableForClass(SimpleCopy, SimpleRemoteCopy)


@_in_pbtypes
class Counter(pb.Cacheable):
    def __init__(self):
        self.value = 0
        self.observers = []

    def getStateToCacheAndObserveFor(self, perspective, observer):
        self.observers.append(observer)
        return {"value": self.value}


@_in_pbtypes
class RemoteCounter(pb.RemoteCache):
    pass


pb.setUnjellyableForClass(Counter, RemoteCounter)


@_in_pbtypes
class _Plain:
    def __init__(self):
        self.a = 1


class _T:
    def __init__(self):
        self.buf = BytesIO()

    def write(self, b):
        self.buf.write(b)


def banana_encode(obj, dialect):
    b = banana.Banana(isClient=1)
    b.setPrefixLimit(64)
    b.currentDialect = dialect
    t = _T()
    b.transport = t
    b.sendEncoded(obj)
    return t.buf.getvalue()


def make_broker():
    br = pb.Broker(isClient=1)
    br.makeConnection(StringTransport())
    br.currentDialect = b"pb"
    return br


def fmt_sexp(x):
    if isinstance(x, list):
        return "[" + ", ".join(fmt_sexp(i) for i in x) + "]"
    if isinstance(x, bytes):
        return repr(x)[1:]
    return repr(x)


def entry(name, value, invoker=None):
    sexp = invoker.serialize(value) if invoker is not None else jelly.jelly(value, jelly.globalSecurity)
    # Object addresses change from run to run; keep the file stable.
    r = re.sub(r" at 0x[0-9a-f]+", "", repr(value))
    e = {"name": name, "python": r if len(r) < 200 else r[:200] + "...",
         "sexp": fmt_sexp(sexp),
         "hex_pb": banana_encode(sexp, b"pb").hex(" "),
         "hex_none": banana_encode(sexp, b"none").hex(" ")}
    try:
        jelly.unjelly(sexp, jelly.globalSecurity, None, make_broker())
        e["accepted_by_globalSecurity"] = True
    except Exception as ex:
        e["accepted_by_globalSecurity"] = "%s: %s" % (type(ex).__name__, ex)
    return e


def reference_values():
    shared = [1, 2]
    cyc = []
    cyc.append(cyc)
    a, b = [1], [2]
    return [
        ("None", None), ("True", True), ("False", False),
        ("int 0", 0), ("int 1", 1), ("int 127", 127), ("int 128", 128), ("int 300", 300),
        ("int 2**31-1", 2**31 - 1), ("int 2**31", 2**31), ("int 2**63", 2**63), ("int 2**64", 2**64),
        ("int 2**448-1", 2**448 - 1),
        ("int -1", -1), ("int -128", -128), ("int -2**31", -(2**31)), ("int -2**31-1", -(2**31) - 1),
        ("int -(2**448-1)", -(2**448 - 1)),
        ("float 0.0", 0.0), ("float -0.0", -0.0), ("float 1.5", 1.5), ("float -2.25", -2.25),
        ("float inf", math.inf), ("float -inf", -math.inf), ("float nan", math.nan), ("float 0.1", 0.1),
        ("bytes empty", b""), ("bytes hello", b"hello"), ("bytes equal to vocab 'remote'", b"remote"),
        ("bytes high", bytes([0x80, 0xff])),
        ("str hello", "hello"), ("str empty", ""), ("str non-ascii", "h\u00e9\u20ac"),
        ("str equal to vocab 'copy'", "copy"),
        ("list empty", []), ("list mixed", [1, b"a", "b", None]),
        ("tuple empty", ()), ("tuple (1,2)", (1, 2)),
        ("dict empty", {}), ("dict str/bytes/int keys", {"a": 1, b"b": 2, 3: "c"}),
        ("set {1,2,3}", {1, 2, 3}), ("frozenset {1}", frozenset([1])), ("frozenset empty", frozenset()),
        ("datetime", datetime.datetime(2020, 7, 11, 1, 16, 5, 344)),
        ("date", datetime.date(2020, 7, 11)), ("time", datetime.time(1, 16, 5, 344)),
        ("timedelta", datetime.timedelta(days=8, seconds=4565, microseconds=344)),
        ("timedelta negative", datetime.timedelta(days=-1, seconds=5)),
        ("decimal 9.95", decimal.Decimal("9.95")), ("decimal -78.901", decimal.Decimal("-78.901")),
        ("decimal 0", decimal.Decimal(0)), ("decimal 1E+3", decimal.Decimal("1E+3")),
        ("shared list [l, l]", [shared, shared]), ("cyclic list l=[l]", cyc),
        ("refid order [b, a, a, b]", [b, a, a, b]),
        ("unregistered instance", _Plain()),
    ]


def extra_values():
    t = ([],)
    t[0].append(t)
    d = {}
    d["self"] = d
    inner = {"k": [1, 2]}
    r = []
    stress = ({"list": r}, r)
    r.append(stress)
    x = []
    x.append(x)
    x.append(x)
    e = []
    return [
        ("tuple cycle t=([t],)", t),
        ("dict cycle d={'self': d}", d),
        ("identity x=[x, x]", x),
        ("stress references ({'list': r}, r), r=[that]", stress),
        ("shared empty list [e, e]", [e, e]),
        ("shared dict in tuple (i, i)", (inner, inner)),
        ("nested list", [1, 2, [3, 4], [30.5, 40.2], 5, [b"six", b"seven", [b"eight", 9]], [10], []]),
        ("small call args (1, 2)", (1, 2)),
        ("kwargs dict", {"keyword1": "one", "keyword2": "two"}),
        ("set of str", {"a"}),
        ("dict with tuple key", {(1, 2): b"x"}),
        ("dict with frozenset key", {frozenset([1]): None}),
        ("dict with None/bool/float values", {"n": None, "t": True, "f": 1.25}),
        ("list of vocab bytes", [b"None", b"list", b"message", b"uncache", b"lcache"]),
        ("int 2**62", 2**62), ("int -2**63", -(2**63)), ("int -2**63-1", -(2**63) - 1),
        ("int -2**64", -(2**64)), ("int 10151", 10151), ("int -1015", -1015),
        ("float 1015.0", 1015.0), ("float 1e300", 1e300), ("float -nan", -math.nan),
        ("str 4-byte utf8", "\U0001f600"),
        ("decimal 123456", decimal.Decimal("123456")), ("decimal 1.000", decimal.Decimal("1.000")),
        ("decimal big", decimal.Decimal("123456789012345678901234567890.5")),
        ("datetime midnight", datetime.datetime(2020, 1, 1)),
        ("datetime min", datetime.datetime(1, 1, 1)),
        ("datetime max", datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)),
        ("time zero", datetime.time()),
        ("timedelta zero", datetime.timedelta()),
        ("timedelta micro -1", datetime.timedelta(microseconds=-1)),
        ("timedelta max", datetime.timedelta.max),
        ("list of 20 ints", list(range(20))),
        ("bytes 200", bytes(range(200))),
    ]


def main():
    ref = [entry(n, v) for n, v in reference_values()]
    br = make_broker()
    ref.append(entry("Copyable pbtypes.SimpleCopy (via Broker.serialize)", SimpleCopy(), br))
    ref.append(entry("Referenceable first (via Broker.serialize)", ServerThing("x"), br))
    c = Counter()
    ref.append(entry("Cacheable first (via Broker.serialize)", c, br))
    ref.append(entry("Cacheable again (via Broker.serialize)", c, br))
    rr = pb.RemoteReference(None, br, 7, 0)
    ref.append(entry("RemoteReference back to its broker", rr, br))
    with open(os.path.join(HERE, "golden_jelly.json"), "w") as f:
        json.dump(ref, f, indent=1)
    extra = [entry(n, v) for n, v in extra_values()]
    with open(os.path.join(HERE, "golden_extra.json"), "w") as f:
        json.dump(extra, f, indent=1)
    for e in ref + extra:
        print("%-45s %-60s %s" % (e["name"], e["sexp"][:60], e["hex_pb"][:60]))


if __name__ == "__main__":
    main()
