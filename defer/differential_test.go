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
		case k == 15 && r.IntN(2) == 0:
			// A DeferredList over some of the Deferreds: flags (bit 0 fireOnOneCallback,
			// bit 1 fireOnOneErrback, bit 2 consumeErrors, bit 3 gatherResults), then
			// the indices.
			var idx []string
			for range r.IntN(4) {
				idx = append(idx, fmt.Sprint(r.IntN(n)))
			}
			sc.Ops = append(sc.Ops, [3]any{"dlist", r.IntN(16), strings.Join(idx, ",")})
		case k == 16 && r.IntN(2) == 0:
			sc.Ops = append(sc.Ops, [3]any{"cancellist", r.IntN(3), ""})
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
		if s, ok := showFirstError(r); ok {
			return s
		}
		if r.Check(ErrCancelled) != nil {
			return "F:CancelledError"
		}
		return "F:" + r.Error()
	case string:
		return r
	case []Result:
		parts := make([]string, len(r))
		for i, x := range r {
			if x.OK {
				parts[i] = "(True, " + show(x.Value) + ")"
			} else {
				parts[i] = "(False, " + show(x.Failure) + ")"
			}
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []any:
		parts := make([]string, len(r))
		for i, x := range r {
			parts[i] = show(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case FirstResult:
		return fmt.Sprintf("(%s, %d)", show(r.Value), r.Index)
	}
	return fmt.Sprintf("?%T", v)
}

// showFailure adds FirstError's contents to show.
func init() {
	showFirstError = func(f *failure.Failure) (string, bool) {
		if fe, ok := f.Value.(*FirstError); ok {
			return fmt.Sprintf("F:FirstError[%d, %s]", fe.Index, show(fe.SubFailure)), true
		}
		return "", false
	}
}

var showFirstError func(*failure.Failure) (string, bool)

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
	var lists []*Deferred
	for id, op := range sc.Ops {
		name, i, arg := op[0].(string), int(op[1].(float64)), op[2].(string)
		switch name {
		case "dlist":
			var in []*Deferred
			if arg != "" {
				for _, x := range strings.Split(arg, ",") {
					var j int
					fmt.Sscan(x, &j)
					in = append(in, ds[j])
				}
			}
			var opts []ListOption
			if i&4 != 0 {
				opts = append(opts, ConsumeErrors)
			}
			if i&8 != 0 {
				lists = append(lists, Gather(in, opts...))
				continue
			}
			if i&1 != 0 {
				opts = append(opts, FireOnOneCallback)
			}
			if i&2 != 0 {
				opts = append(opts, FireOnOneErrback)
			}
			lists = append(lists, NewDeferredList(in, opts...).Deferred)
			continue
		case "cancellist":
			if i < len(lists) {
				lists[i].Cancel()
			}
			continue
		}
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
	for i, l := range lists {
		trace = append(trace, fmt.Sprintf("list%d:called=%v", i, l.Called()))
		l.AddBoth(func(r any) (any, error) {
			trace = append(trace, fmt.Sprintf("list%d:%s", i, show(r)))
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
        if r.check(defer.FirstError):
            return "F:FirstError[%d, %s]" % (r.value.index, show(r.value.subFailure))
        if r.check(defer.CancelledError): return "F:CancelledError"
        return "F:" + str(r.value)
    if isinstance(r, str): return r
    if isinstance(r, list):
        return "[" + ", ".join(show(x) if not isinstance(x, tuple) else "(%s, %s)" % (x[0], show(x[1])) for x in r) + "]"
    if isinstance(r, tuple):
        return "(%s, %d)" % (show(r[0]), r[1])
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
    lists = []
    for id, (name, i, arg) in enumerate(sc["ops"]):
        if name == "dlist":
            ins = [ds[int(x)] for x in arg.split(",")] if arg else []
            if i & 8:
                lists.append(defer.gatherResults(ins, consumeErrors=bool(i & 4)))
            else:
                lists.append(defer.DeferredList(ins, fireOnOneCallback=bool(i & 1),
                    fireOnOneErrback=bool(i & 2), consumeErrors=bool(i & 4)))
            continue
        if name == "cancellist":
            if i < len(lists): lists[i].cancel()
            continue
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
    for i, l in enumerate(lists):
        trace.append("list%d:called=%s" % (i, "true" if l.called else "false"))
        l.addBoth(lambda r, i=i: trace.append("list%d:%s" % (i, show(r))))
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
