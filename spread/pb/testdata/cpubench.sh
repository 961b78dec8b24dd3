#!/usr/bin/env bash
# CPU time per operation of the codec and PB benchmarks (the idea of
# defer/testdata/cpubench.sh): on a shared machine wall-clock ns/op mostly measures the
# other processes. Each benchmark runs a fixed number of iterations with GOMAXPROCS=1 (so
# the garbage collector's work lands on this process's one thread, and is counted); the
# process's user+system CPU time minus that of a 1-iteration run, divided by the
# iterations, is printed; best of three. B/op and allocs/op come from the same runs.
#
# Usage (from the repository root): spread/pb/testdata/cpubench.sh [filter]
# where filter is a regexp on the names below (default: all). With BEFORE=<dir>, a
# checkout of another commit (with this commit's benchmark files copied in where it
# lacks them), the same benchmarks are built there too and the two are run in turn,
# so both columns see the same load.
set -euo pipefail
filter=${1:-.}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for pkg in banana jelly pb; do
	go test -c -o "$dir/a_$pkg.test" "./spread/$pkg/"
	if [ -n "${BEFORE:-}" ]; then
		(cd "$BEFORE" && go test -c -o "$dir/b_$pkg.test" "./spread/$pkg/")
	fi
done

cpu() { # binary name iterations -> CPU seconds
	/usr/bin/time -f "%U %S" -o "$dir/t" "$dir/$1" -test.run '^$' -test.cpu 1 \
		-test.bench "^Benchmark${2//\//\$/^}\$" -test.benchtime "${3}x" -test.benchmem >"$dir/out" 2>&1
	awk '{ print $1 + $2 }' "$dir/t"
}

mem() { awk '/^Benchmark/ { for (i = 1; i <= NF; i++) if ($i == "B/op" || $i == "allocs/op") printf "%s %s ", $(i-1), $i }' "$dir/out"; }

sides=a
[ -n "${BEFORE:-}" ] && sides="b a"
# Iterations: about a second of CPU for the faster side (the clock ticks every 10 ms).
for spec in \
	banana:FeedRaw/List1000Ints:150000 banana:FeedRaw/Dict100:200000 \
	jelly:Encode/jelly/List1000Ints:400000 jelly:Encode/jelly/TypedList1000Ints:400000 \
	jelly:Encode/jelly/Dict100:300000 jelly:Encode/gob/TypedList1000Ints:100000 jelly:Encode/gob/Map100:70000 \
	jelly:Decode/wire/List1000Ints:70000 jelly:Decode/jelly/List1000Ints:30000 \
	jelly:Decode/wire/Dict100:100000 jelly:Decode/jelly/Dict100:15000 \
	jelly:Decode/gob/TypedList1000Ints:100000 jelly:Decode/gob/Map100:70000 \
	pb:EchoIntListInMemory:25000 pb:EchoDictInMemory:25000 \
	pb:EchoTypedIntsInMemory:25000 pb:EchoTypedMapInMemory:25000 pb:CallInMemory:300000; do
	IFS=: read -r pkg name n <<<"$spec"
	[[ "$pkg:$name" =~ $filter ]] || continue
	line=$(printf '%-6s %-34s' "$pkg" "$name")
	for side in $sides; do
		base=$(cpu "${side}_$pkg.test" "$name" 1)
		best=
		for _ in 1 2 3; do
			t=$(cpu "${side}_$pkg.test" "$name" "$n")
			v=$(awk -v t="$t" -v b="$base" -v n="$n" 'BEGIN { printf "%.0f", (t - b) * 1e9 / n }')
			if [ -z "$best" ] || [ "$v" -lt "$best" ]; then best=$v; fi
		done
		[ "$side" = b ] && label=before || label=after
		[ -z "${BEFORE:-}" ] && label=
		line="$line  ${label:+$label: }$(printf '%8s cpu-ns/op  %s' "$best" "$(mem)")"
	done
	echo "$line"
done
