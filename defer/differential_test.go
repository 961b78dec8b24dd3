package deferred

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/internal/twistedtest"
)

// A differential test: random programs of Deferred operations (callbacks that return
// values, fail, or return other Deferreds; firing, pausing, cancelling, cancellers that
// fire) run here and in real Twisted, and the order and arguments of every callback
// invocation must agree.

type scenario struct {
	Cancellers []string `json:"cancellers"` // per Deferred: "none", "noop", "cb:v", "eb:m"
	Ops        [][3]any `json:"ops"`        // [op, index, arg]
}

// genScenario builds a random program. Callbacks only return Deferreds with a higher
// index, so there are no cycles (Twisted stalls on cycles; the port fails a self-return).
func genScenario(r *rand.Rand) scenario {
	n := 2 + r.IntN(4)
	var sc scenario
	for range n {
		switch r.IntN(5) {
		case 0:
			sc.Cancellers = append(sc.Cancellers, "noop")
		case 1:
			sc.Cancellers = append(sc.Cancellers, fmt.Sprintf("cb:c%d", r.IntN(9)))
		case 2:
			sc.Cancellers = append(sc.Cancellers, fmt.Sprintf("eb:e%d", r.IntN(9)))
		default:
			sc.Cancellers = append(sc.Cancellers, "none")
		}
	}
	paused := make([]int, n)
	action := func(i int) string {
		switch k := r.IntN(10); {
		case k < 3:
			return fmt.Sprintf("ret:r%d", r.IntN(9))
		case k < 5:
			return fmt.Sprintf("raise:x%d", r.IntN(9))
		case k < 7 && i < n-1:
			return fmt.Sprintf("retd:%d", i+1+r.IntN(n-1-i))
		default:
			return "pass"
		}
	}
	steps := 4 + r.IntN(14)
	for range steps {
		i := r.IntN(n)
		switch k := r.IntN(20); {
		case k < 5:
			sc.Ops = append(sc.Ops, [3]any{"addcb", i, action(i)})
		case k < 8:
			sc.Ops = append(sc.Ops, [3]any{"addeb", i, action(i)})
		case k < 10:
			sc.Ops = append(sc.Ops, [3]any{"addboth", i, action(i)})
		case k < 13:
			sc.Ops = append(sc.Ops, [3]any{"callback", i, fmt.Sprintf("v%d", r.IntN(9))})
		case k < 15:
			sc.Ops = append(sc.Ops, [3]any{"errback", i, fmt.Sprintf("m%d", r.IntN(9))})
		case k < 16:
			sc.Ops = append(sc.Ops, [3]any{"pause", i, ""})
			paused[i]++
		case k < 18:
			if paused[i] > 0 {
				sc.Ops = append(sc.Ops, [3]any{"unpause", i, ""})
				paused[i]--
			}
		default:
			sc.Ops = append(sc.Ops, [3]any{"cancel", i, ""})
		}
	}
	for i := range n {
		for range paused[i] {
			sc.Ops = append(sc.Ops, [3]any{"unpause", i, ""})
		}
	}
	return sc
}

// show renders a result the way the Python side does.
func show(v any) string {
	switch r := v.(type) {
	case nil:
		return "None"
	case *failure.Failure:
		if r.Check(ErrCancelled) != nil {
			return "F:CancelledError"
		}
		return "F:" + r.Error()
	case string:
		return r
	}
	return fmt.Sprintf("?%T", v)
}

// runGo executes sc with this package and returns the trace.
func runGo(sc scenario) (trace []string) {
	ds := make([]*Deferred, len(sc.Cancellers))
	for i, c := range sc.Cancellers {
		switch {
		case c == "none":
			ds[i] = New(nil)
		case c == "noop":
			ds[i] = New(func(*Deferred) {})
		case strings.HasPrefix(c, "cb:"):
			v := c[3:]
			ds[i] = New(func(d *Deferred) { d.Callback(v) })
		default:
			m := c[3:]
			ds[i] = New(func(d *Deferred) { d.Errback(&GenericError{m}) })
		}
	}
	act := func(id int, a string, r any) (any, error) {
		trace = append(trace, fmt.Sprintf("%d:%s", id, show(r)))
		switch {
		case strings.HasPrefix(a, "ret:"):
			return a[4:], nil
		case strings.HasPrefix(a, "raise:"):
			return nil, &GenericError{a[6:]}
		case strings.HasPrefix(a, "retd:"):
			var j int
			fmt.Sscan(a[5:], &j)
			return ds[j], nil
		}
		if f, ok := r.(*failure.Failure); ok {
			return nil, f
		}
		return r, nil
	}
	for id, op := range sc.Ops {
		name, i, arg := op[0].(string), int(op[1].(float64)), op[2].(string)
		d := ds[i]
		switch name {
		case "addcb":
			d.AddCallback(func(r any) (any, error) { return act(id, arg, r) })
		case "addeb":
			d.AddErrback(func(f *failure.Failure) (any, error) { return act(id, arg, f) })
		case "addboth":
			d.AddBoth(func(r any) (any, error) { return act(id, arg, r) })
		case "callback":
			if err := d.TryCallback(arg); err != nil {
				trace = append(trace, fmt.Sprintf("ACE:%d", i))
			}
		case "errback":
			if err := d.TryErrback(&GenericError{arg}); err != nil {
				trace = append(trace, fmt.Sprintf("ACE:%d", i))
			}
		case "pause":
			d.Pause()
		case "unpause":
			d.Unpause()
		case "cancel":
			d.Cancel()
		}
	}
	for i, d := range ds {
		d.AddBoth(func(r any) (any, error) {
			trace = append(trace, fmt.Sprintf("final%d:%s", i, show(r)))
			return nil, nil
		})
	}
	return trace
}

const differentialPython = `
import sys, json
from twisted.internet import defer
from twisted.python.failure import Failure
from twisted.python import log

def show(r):
    if r is None: return "None"
    if isinstance(r, Failure):
        if r.check(defer.CancelledError): return "F:CancelledError"
        return "F:" + str(r.value)
    if isinstance(r, str): return r
    return "?" + type(r).__name__

def run(sc):
    trace = []
    ds = []
    for c in sc["cancellers"]:
        if c == "none": ds.append(defer.Deferred())
        elif c == "noop": ds.append(defer.Deferred(lambda d: None))
        elif c.startswith("cb:"): ds.append(defer.Deferred(lambda d, v=c[3:]: d.callback(v)))
        else: ds.append(defer.Deferred(lambda d, m=c[3:]: d.errback(Exception(m))))
    def act(id, a, r):
        trace.append("%d:%s" % (id, show(r)))
        if a.startswith("ret:"): return a[4:]
        if a.startswith("raise:"): raise Exception(a[6:])
        if a.startswith("retd:"): return ds[int(a[5:])]
        return r
    for id, (name, i, arg) in enumerate(sc["ops"]):
        d = ds[i]
        if name == "addcb": d.addCallback(lambda r, id=id, arg=arg: act(id, arg, r))
        elif name == "addeb": d.addErrback(lambda r, id=id, arg=arg: act(id, arg, r))
        elif name == "addboth": d.addBoth(lambda r, id=id, arg=arg: act(id, arg, r))
        elif name in ("callback", "errback"):
            try:
                if name == "callback": d.callback(arg)
                else: d.errback(Exception(arg))
            except defer.AlreadyCalledError:
                trace.append("ACE:%d" % i)
        elif name == "pause": d.pause()
        elif name == "unpause": d.unpause()
        elif name == "cancel": d.cancel()
    for i, d in enumerate(ds):
        d.addBoth(lambda r, i=i: trace.append("final%d:%s" % (i, show(r))))
    return trace

for line in sys.stdin:
    print(json.dumps(run(json.loads(line))))
    sys.stdout.flush()
`

func TestDifferentialAgainstTwisted(t *testing.T) {
	py := twistedtest.Python(t)
	const n = 2000
	r := rand.New(rand.NewPCG(2, 22))
	scs := make([]scenario, n)
	var in strings.Builder
	for i := range scs {
		scs[i] = genScenario(r)
		b, _ := json.Marshal(scs[i])
		in.Write(b)
		in.WriteByte('\n')
		// Round-trip so Go and Python read identical JSON (numbers become float64).
		scs[i] = scenario{}
		json.Unmarshal(b, &scs[i])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", differentialPython)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	i, total := 0, 0
	defer func() { t.Logf("%d trace entries", total) }()
	for sc.Scan() {
		var want []string
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		got := runGo(scs[i])
		total += len(got)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			prog, _ := json.Marshal(scs[i])
			t.Fatalf("scenario %d differs\nprogram: %s\nGo:      %v\nTwisted: %v", i, prog, got, want)
		}
		i++
	}
	if i != n {
		t.Fatalf("python answered %d of %d scenarios", i, n)
	}
}
