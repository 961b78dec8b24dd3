"""Live interop peer for spread/jelly's tests: real Twisted 22.4 jelly + banana.

Run by interop_test.go with Debian's python3 and PYTHONHASHSEED=0 (so set order is the
same in every process). Reads a JSON request on stdin, writes JSON on stdout.

  gen     -> [{name, hex_pb, hex_none}]: Python jellies and bananas VALUES.
  check   <- [{name, dialect, hex}]: Go's re-encoding of a gen value. Python decodes and
             unjellies it, compares it with the original value (cycles and identity
             included) and compares the bytes with its own encoding.
             -> [{name, ok, error}]
  accept  <- [{name, hex, check, exact}]: values built in Go. Python decodes and
             unjellies them with globalSecurity, evaluates the `check` expression with the
             value bound to v, and when `exact` re-encodes and compares bytes.
             -> [{name, ok, error, repr}]
"""
import datetime
import decimal
import json
import math
import sys
import traceback

from twisted.spread import banana, jelly, pb


class Point(pb.Copyable, pb.RemoteCopy):
    """A Copyable whose wire name is interop.Point (Go registers the same name)."""

    def __init__(self, x=0, y=0):
        self.x = x
        self.y = y

    def __eq__(self, other):
        return type(other) is Point and self.__dict__ == other.__dict__


Point.__module__ = "interop"
jelly.setUnjellyableForClass("interop.Point", Point)


def values():
    shared = [1, 2]
    cyc = []
    cyc.append(cyc)
    t = ([],)
    t[0].append(t)
    d = {}
    d["self"] = d
    a, b = [1], [2]
    big = {"k%d" % i: i for i in range(100)}
    return [
        ("None", None), ("bools", [True, False]),
        ("ints", [0, 1, -1, 127, 128, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**63 - 1, 2**63, -(2**63),
                  -(2**63) - 1, 2**64, 2**448 - 1, -(2**448 - 1), 10**100]),
        ("floats", [0.0, -0.0, 1.5, -2.25, 1e300, 5e-324, math.inf, -math.inf, 0.1]),
        ("nan", math.nan),
        ("bytes", [b"", b"hello", b"remote", b"None", bytes(range(256))]),
        ("str", ["", "hello", "h\u00e9\u20ac", "\U0001f600", "copy", "list"]),
        ("list", [1, [2, [3, []]], b"x", "y"]),
        ("tuple", (1, (2,), ())),
        ("dict", {"a": 1, b"b": 2, 3: "c", (1, 2): None, frozenset([1]): [1], 1.5: 2.5}),
        ("dict of 100", big),
        ("set", {1, 2, 3}), ("set of str", {"a", "b", "c"}), ("frozenset", frozenset(["x", b"y"])),
        ("datetime", [datetime.datetime(2020, 7, 11, 1, 16, 5, 344), datetime.datetime(1, 1, 1),
                      datetime.date(2020, 2, 29), datetime.time(23, 59, 59, 999999),
                      datetime.timedelta(days=-3, seconds=7, microseconds=1), datetime.timedelta()]),
        ("decimal", [decimal.Decimal("9.95"), decimal.Decimal("-78.901"), decimal.Decimal("1E+3"),
                     decimal.Decimal("123456789012345678901234567890.123")]),
        ("shared", [shared, shared, (shared,)]),
        ("cyclic list", cyc), ("cyclic tuple", t), ("cyclic dict", d),
        ("refid order", [b, a, a, b]),
        ("copyable", Point(1, "two")),
        ("copyable shared", [Point(3, 4)] * 2),
        ("large bytes", b"\x01" * 65536),
        ("list of 1000 ints", list(range(1000))),
        ("small call", (1, 2)),
    ]


def encode(sexp, dialect):
    b = banana.Banana(isClient=1)
    b.setPrefixLimit(64)
    b.currentDialect = dialect

    class T:
        data = b""

        def write(self, x):
            T.data += x

    b.transport = T()
    b.sendEncoded(sexp)
    return T.data


def decode(data, dialect):
    b = banana.Banana(isClient=1)
    b.setPrefixLimit(64)
    b.currentDialect = dialect
    out = []
    b.expressionReceived = out.append
    b.dataReceived(data)
    if len(out) != 1:
        raise ValueError("%d expressions" % len(out))
    return out[0]


def same(a, b, seen=None):
    """Structural equality that follows identity: cycles must be cycles in both."""
    if seen is None:
        seen = {}
    if id(a) in seen:
        return seen[id(a)] is b
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, (list, tuple)):
        seen[id(a)] = b
        return len(a) == len(b) and all(same(x, y, seen) for x, y in zip(a, b))
    if isinstance(a, dict):
        seen[id(a)] = b
        if list(a.keys()) != list(b.keys()):
            return False
        return all(same(a[k], b[k], seen) for k in a)
    if isinstance(a, Point):
        seen[id(a)] = b
        return same(a.__dict__, b.__dict__, seen)
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b


def main():
    mode = sys.argv[1]
    vals = dict(values())
    out = []
    if mode == "gen":
        for name, v in values():
            sexp = jelly.jelly(v, jelly.globalSecurity)
            out.append({"name": name, "hex_pb": encode(sexp, b"pb").hex(),
                        "hex_none": encode(sexp, b"none").hex()})
    elif mode == "check":
        for req in json.load(sys.stdin):
            r = {"name": req["name"], "ok": False, "error": ""}
            try:
                dialect = req["dialect"].encode()
                data = bytes.fromhex(req["hex"])
                got = jelly.unjelly(decode(data, dialect), jelly.globalSecurity)
                want = vals[req["name"]]
                mine = encode(jelly.jelly(want, jelly.globalSecurity), dialect)
                if not same(want, got):
                    r["error"] = "value differs: %r" % (got,)
                elif mine != data:
                    r["error"] = "bytes differ: python %s" % mine.hex()
                else:
                    r["ok"] = True
            except Exception:
                r["error"] = traceback.format_exc()
            out.append(r)
    elif mode == "accept":
        for req in json.load(sys.stdin):
            r = {"name": req["name"], "ok": False, "error": "", "repr": ""}
            try:
                data = bytes.fromhex(req["hex"])
                sexp = decode(data, b"pb")
                v = jelly.unjelly(sexp, jelly.globalSecurity)
                r["repr"] = repr(v)[:300]
                if not eval(req["check"], {"v": v, "datetime": datetime, "decimal": decimal,
                                           "Point": Point, "math": math, "jelly": jelly}):
                    r["error"] = "check failed: %s" % req["check"]
                elif req.get("exact") and encode(jelly.jelly(v, jelly.globalSecurity), b"pb") != data:
                    r["error"] = "python re-encodes differently: %s" % encode(
                        jelly.jelly(v, jelly.globalSecurity), b"pb").hex()
                else:
                    r["ok"] = True
            except Exception:
                r["error"] = traceback.format_exc()
            out.append(r)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
