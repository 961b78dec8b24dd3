#!/usr/bin/env bash
# CPU time per operation of the codec and PB benchmarks (the idea of
# defer/testdata/cpubench.sh): on a shared machine wall-clock ns/op mostly measures the
# other processes. Each benchmark runs a fixed number of iterations with GOMAXPROCS=1 (so
# the garbage collector's work lands on this process's one thread, and is counted); the
# process's user+system CPU time minus that of a 1-iteration run, divided by the
# iterations, is printed; best of three. B/op and allocs/op come from the same runs.
#
# Usage (from the repository root): spread/pb/testdata/cpubench.sh [filter]
# where filter is a regexp on the names below (default: all).
set -euo pipefail
filter=${1:-.}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go test -c -o "$dir/jelly.test" ./spread/jelly/
go test -c -o "$dir/pb.test" ./spread/pb/

cpu() { # binary name iterations -> CPU seconds
	/usr/bin/time -f "%U %S" -o "$dir/t" "$dir/$1" -test.run '^$' -test.cpu 1 \
		-test.bench "^Benchmark${2//\//\$/^}\$" -test.benchtime "${3}x" -test.benchmem >"$dir/out" 2>&1
	awk '{ print $1 + $2 }' "$dir/t"
}

for spec in \
	jelly:Encode/jelly/List1000Ints:20000 jelly:Encode/jelly/TypedList1000Ints:20000 \
	jelly:Encode/jelly/Dict100:20000 jelly:Encode/gob/TypedList1000Ints:20000 jelly:Encode/gob/Map100:20000 \
	jelly:Decode/wire/List1000Ints:10000 jelly:Decode/jelly/List1000Ints:10000 \
	jelly:Decode/wire/Dict100:10000 jelly:Decode/jelly/Dict100:10000 \
	jelly:Decode/gob/TypedList1000Ints:10000 jelly:Decode/gob/Map100:10000 \
	pb:EchoIntListInMemory:3000 pb:EchoDictInMemory:3000 \
	pb:EchoTypedIntsInMemory:3000 pb:EchoTypedMapInMemory:3000 pb:CallInMemory:50000; do
	IFS=: read -r bin name n <<<"$spec"
	[[ "$bin:$name" =~ $filter ]] || continue
	base=$(cpu "$bin.test" "$name" 1)
	best=
	for _ in 1 2 3; do
		t=$(cpu "$bin.test" "$name" "$n")
		v=$(awk -v t="$t" -v b="$base" -v n="$n" 'BEGIN { printf "%.0f", (t - b) * 1e9 / n }')
		if [ -z "$best" ] || [ "$v" -lt "$best" ]; then best=$v; fi
	done
	mem=$(awk '/^Benchmark/ { for (i = 1; i <= NF; i++) if ($i == "B/op" || $i == "allocs/op") printf "%s %s ", $(i-1), $i }' "$dir/out")
	printf '%-6s %-34s %9s cpu-ns/op  %s\n' "$bin" "$name" "$best" "$mem"
done
