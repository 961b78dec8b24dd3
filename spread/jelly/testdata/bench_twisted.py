"""Twisted 22.4's own jelly+banana speed on the shapes of spread/jelly's benchmarks.

    /usr/bin/python3 spread/jelly/testdata/bench_twisted.py

For each shape prints operations per second for encode (jelly.jelly then banana
encoding, dialect pb, as a Broker does) and decode (banana decoding then jelly.unjelly
with globalSecurity), by wall clock and by process CPU time (the machine is shared, CPU
time is the steadier figure). Compare with `go test -bench . ./spread/jelly`, whose
cpu-ns/op column is measured the same way.
"""
import time

from twisted.spread import banana, jelly


def make_banana():
    b = banana.Banana(isClient=1)
    b.setPrefixLimit(64)
    b.currentDialect = b"pb"
    out = []

    class T:
        def write(self, data):
            out.append(data)

    b.transport = T()
    got = []
    b.expressionReceived = got.append
    return b, out, got


SHAPES = [
    ("SmallCall", (1, 2)),
    ("Bytes1K", b"x" * 1024),
    ("Bytes64K", b"y" * 65536),
    ("List1000Ints", list(range(1000))),
    ("Dict100", {"key%03d" % i: i for i in range(100)}),
]


def bench(fn, min_time=1.0):
    n = 1
    while True:
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n):
            fn()
        w, c = time.perf_counter() - w0, time.process_time() - c0
        if w >= min_time:
            return n / w, n / max(c, 1e-9)
        n *= 2


def main():
    print("%-14s %14s %14s %14s %14s" % ("shape", "enc ops/s", "enc ops/cpu-s", "dec ops/s", "dec ops/cpu-s"))
    for name, value in SHAPES:
        b, out, got = make_banana()

        def enc():
            out.clear()
            b.sendEncoded(jelly.jelly(value, jelly.globalSecurity))

        enc()
        wire = out[0]

        def dec():
            got.clear()
            b.dataReceived(wire)
            jelly.unjelly(got[0], jelly.globalSecurity)

        ew, ec = bench(enc)
        dw, dc = bench(dec)
        print("%-14s %14.0f %14.0f %14.0f %14.0f" % (name, ew, ec, dw, dc))


if __name__ == "__main__":
    main()
