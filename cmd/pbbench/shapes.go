package main

import (
	"fmt"
	"time"

	"github.com/gotwisted/twisted/spread/jelly"
)

// A shape is one workload: what each call sends (and the server echoes), over how many
// connections, with how many calls in flight on each.
type shape struct {
	name     string
	payload  string // "small", "bytes1k", "bytes64k", "list1000", "dict100"
	conns    int
	inflight int // calls in flight per connection
	// structured payloads are the ones jelly has to walk element by element; the target
	// there is 50x Twisted.
	structured bool
}

var shapes = []shape{
	{name: "sequential small calls", payload: "small", conns: 1, inflight: 1},
	{name: "100 calls in flight", payload: "small", conns: 1, inflight: 100},
	{name: "echo 1 KiB bytes", payload: "bytes1k", conns: 1, inflight: 1},
	{name: "echo 64 KiB bytes", payload: "bytes64k", conns: 1, inflight: 1},
	{name: "1000-int list", payload: "list1000", conns: 1, inflight: 1, structured: true},
	{name: "100-entry dict", payload: "dict100", conns: 1, inflight: 1, structured: true},
	{name: "50 concurrent clients", payload: "small", conns: 50, inflight: 1},
}

// The payloads. Python's pb_client.py builds the same values: "hello" (a str), bytes of
// 1024 and 65536 'x's, list(range(1000)), and {"key000": 0, ..., "key099": 99}.
const smallPayload = "hello"

func bytesPayload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return b
}

func listPayload() []int {
	l := make([]int, 1000)
	for i := range l {
		l[i] = i
	}
	return l
}

func dictKey(i int) string { return fmt.Sprintf("key%03d", i) }

// pbPayload is the value the gotwisted client sends for a shape, and check verifies an
// echoed answer, so a run counts only calls that came back intact.
func pbPayload(name string) (payload any, check func(any) error) {
	switch name {
	case "small":
		return smallPayload, func(v any) error {
			if s, ok := v.(string); !ok || s != smallPayload {
				return fmt.Errorf("echo answered %#v, want %q", v, smallPayload)
			}
			return nil
		}
	case "bytes1k", "bytes64k":
		n := 1024
		if name == "bytes64k" {
			n = 65536
		}
		return bytesPayload(n), func(v any) error {
			if b, ok := v.([]byte); !ok || len(b) != n || b[0] != 'x' || b[n-1] != 'x' {
				return fmt.Errorf("echo of %d bytes answered a %T", n, v)
			}
			return nil
		}
	case "list1000":
		return listPayload(), func(v any) error {
			l, ok := v.([]any)
			if !ok || len(l) != 1000 || l[0] != int64(0) || l[999] != int64(999) {
				return fmt.Errorf("echo of a 1000-int list answered a %T", v)
			}
			return nil
		}
	case "dict100":
		d := jelly.NewDict(100)
		for i := 0; i < 100; i++ {
			if err := d.Set(dictKey(i), i); err != nil {
				panic(err)
			}
		}
		return d, func(v any) error {
			got, ok := v.(*jelly.Dict)
			if !ok || got.Len() != 100 {
				return fmt.Errorf("echo of a 100-entry dict answered a %T", v)
			}
			if x, _ := got.Get("key099"); x != int64(99) {
				return fmt.Errorf("echo of a 100-entry dict lost key099: %v", x)
			}
			return nil
		}
	}
	panic("unknown payload " + name)
}

// A result is one system's run of one shape.
type result struct {
	calls   int64         // answers received inside the measured window
	elapsed time.Duration // length of the window
	allocs  float64       // heap allocations per call in this process (both ends for Go)
	cpu     time.Duration // CPU time of client and server processes during the window
	err     error
}

// cpuPerCall is the CPU time client and server spent per answered call.
func (r result) cpuPerCall() time.Duration {
	if r.err != nil || r.calls <= 0 {
		return 0
	}
	return r.cpu / time.Duration(r.calls)
}

func (r result) rate() float64 {
	if r.err != nil || r.elapsed <= 0 {
		return 0
	}
	return float64(r.calls) / r.elapsed.Seconds()
}
