#!/usr/bin/env bash
# Runs every check and test gotwisted has: the command README.md gives and CI calls.
# Interop tests need Debian's python3-twisted (and twisted-doc for the example listings);
# outside CI they skip loudly without it, with CI=true they fail.
set -euo pipefail
cd "$(dirname "$0")"

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet (linux, darwin, freebsd)"
go vet ./...
GOOS=darwin go vet ./...
GOOS=freebsd go vet ./...

echo "== go test -race"
go test -race -count=1 -timeout 40m ./...

echo "== fuzz (short runs)"
# Each fuzz target gets a short run in CI; long runs are done while working on them.
for target in $(go test -list 'Fuzz.*' ./... 2>/dev/null | grep -E '^(Fuzz|ok)' | awk '
	/^Fuzz/ { names[n++] = $1 }
	/^ok/   { for (i = 0; i < n; i++) print $2 ":" names[i]; n = 0 }'); do
	pkg=${target%%:*}; name=${target##*:}
	echo "-- $pkg $name"
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "${FUZZTIME:-15s}" "$pkg"
done
echo "== all tests passed"
