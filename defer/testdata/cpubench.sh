#!/usr/bin/env bash
# CPU time per operation of the deferred benchmarks, for shared machines where wall-clock
# ns/op mostly measures the other processes. Each benchmark runs a fixed number of
# iterations with GOMAXPROCS=1; the process's user+system CPU time (which includes the
# garbage collector's) minus that of a 1-iteration run, divided by the iterations, is
# printed; best of three.
#
# Usage (from the repository root): defer/testdata/cpubench.sh
set -euo pipefail
bin=$(mktemp)
trap 'rm -f "$bin" "$bin.t" "$bin.out"' EXIT
go test -c -o "$bin" ./defer/

cpu() { # name iterations -> CPU seconds
	/usr/bin/time -f "%U %S" -o "$bin.t" "$bin" -test.run '^$' -test.cpu 1 \
		-test.bench "^Benchmark$1\$" -test.benchtime "${2}x" -test.benchmem >"$bin.out" 2>&1
	awk '{ print $1 + $2 }' "$bin.t"
}

for spec in AddCallbackAndFire:4000000 SucceedAddCallback:4000000 BaselineAllocAndCall:4000000 \
	ChainOf10Callbacks:600000 ReturnPendingDeferred:1500000 ReturnFiredDeferred:1500000 \
	ErrorToErrback:600000 InlineAwaitFired:200000 InlineAwaitFiredLoop:2000000 \
	InlineAwaitPending:200000 InlineAwaitPendingLoop:1500000 DeferredList100:20000 Gather100:20000; do
	name=${spec%%:*} n=${spec##*:}
	base=$(cpu "$name" 1)
	best=
	for _ in 1 2 3; do
		t=$(cpu "$name" "$n")
		v=$(awk -v t="$t" -v b="$base" -v n="$n" 'BEGIN { printf "%.0f", (t - b) * 1e9 / n }')
		if [ -z "$best" ] || [ "$v" -lt "$best" ]; then best=$v; fi
	done
	mem=$(awk '/^Benchmark/ { print $5, $6, $7, $8 }' "$bin.out")
	printf '%-24s %8s cpu-ns/op  %s\n' "$name" "$best" "$mem"
done
