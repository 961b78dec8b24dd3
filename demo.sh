#!/bin/sh
# demo.sh: a Perspective Broker server and client talking, in Go.
#
# Builds examples/pbsimple (a PB server on port 8789 whose root object echoes what it is
# sent) and examples/pbsimpleclient (which calls echo("hello network") on it), starts the
# server, runs the client against it, and stops the server. The client prints
#
#     server echoed: hello network
#
# and the server "echoing: hello network". Either side can be swapped for Twisted's own
# pbsimple.py / pbsimpleclient.py: they speak the same wire protocol.
set -eu

cd "$(dirname "$0")"
bin=$(mktemp -d)
server=
cleanup() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	rm -rf "$bin"
}
trap cleanup EXIT INT TERM

go build -o "$bin/" ./examples/pbsimple ./examples/pbsimpleclient

"$bin/pbsimple" 2>"$bin/server.err" &
server=$!

# The server needs a moment to listen: run the client until it is not refused (up to 10
# seconds), then check what it printed.
tries=0
while :; do
	"$bin/pbsimpleclient" >"$bin/client.out" 2>"$bin/client.err" || true
	grep -q "refused" "$bin/client.out" || break
	tries=$((tries + 1))
	if [ "$tries" -ge 50 ] || ! kill -0 "$server" 2>/dev/null; then
		break
	fi
	sleep 0.2
done
cat "$bin/client.out"
if ! grep -qx "server echoed: hello network" "$bin/client.out"; then
	cat "$bin/client.err" "$bin/server.err" >&2
	echo "demo.sh: the client did not get the echo" >&2
	exit 1
fi
