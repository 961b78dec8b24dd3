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

// The differential test for Inline against @inlineCallbacks: a body awaits Deferreds in a
// random order, catching some failures; Deferreds are fired before the call or after, and
// the returned Deferred may be cancelled. Both sides must record the same events.

type inlineScenario struct {
	Cancellers []string    `json:"cancellers"` // "none", "noop", "cb:v", "eb:m"
	Pre        [][2]string `json:"pre"`        // ["callback"|"errback", "j:arg"] before the call
	Steps      [][2]int    `json:"steps"`      // [j, catch] awaited in order
	Post       [][2]string `json:"post"`       // after the call; "cancel" cancels the result
}

func genInlineScenario(r *rand.Rand) inlineScenario {
	n := 1 + r.IntN(4)
	var sc inlineScenario
	for range n {
		switch r.IntN(4) {
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
	fire := func() [2]string {
		j := r.IntN(n)
		if r.IntN(3) == 0 {
			return [2]string{"errback", fmt.Sprintf("%d:m%d", j, r.IntN(9))}
		}
		return [2]string{"callback", fmt.Sprintf("%d:v%d", j, r.IntN(9))}
	}
	for range r.IntN(3) {
		sc.Pre = append(sc.Pre, fire())
	}
	for range 1 + r.IntN(5) {
		sc.Steps = append(sc.Steps, [2]int{r.IntN(n), r.IntN(2)})
	}
	for range r.IntN(6) {
		if r.IntN(4) == 0 {
			sc.Post = append(sc.Post, [2]string{"cancel", ""})
		} else {
			sc.Post = append(sc.Post, fire())
		}
	}
	return sc
}

func runInlineGo(sc inlineScenario) (trace []string) {
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
	fire := func(op [2]string) {
		var j int
		var arg string
		fmt.Sscanf(op[1], "%d:%s", &j, &arg)
		var err error
		if op[0] == "callback" {
			err = ds[j].TryCallback(arg)
		} else {
			err = ds[j].TryErrback(&GenericError{arg})
		}
		if err != nil {
			trace = append(trace, fmt.Sprintf("ACE:%d", j))
		}
	}
	for _, op := range sc.Pre {
		fire(op)
	}
	var co *Co
	d := Inline(func(c *Co) (any, error) {
		co = c
		for _, st := range sc.Steps {
			v, err := c.Await(ds[st[0]])
			if err != nil {
				trace = append(trace, fmt.Sprintf("err%d:%s", st[0], show(err.(*failure.Failure))))
				if st[1] == 0 {
					return nil, err
				}
				continue
			}
			trace = append(trace, fmt.Sprintf("got%d:%s", st[0], show(v)))
		}
		return "done", nil
	})
	trace = append(trace, "returned")
	for _, op := range sc.Post {
		if op[0] == "cancel" {
			d.Cancel()
		} else {
			fire(op)
		}
	}
	d.AddBoth(func(r any) (any, error) {
		trace = append(trace, "result:"+show(r))
		return nil, nil
	})
	for _, x := range ds {
		x.AddBoth(func(any) (any, error) { return nil, nil }) // consume leftovers
	}
	out := append([]string(nil), trace...)
	co.Stop() // a body still waiting would otherwise keep its goroutine for ever
	return out
}

const differentialInlinePython = `
import sys, json
from twisted.internet import defer
from twisted.python.failure import Failure

def show(r):
    if r is None: return "None"
    if isinstance(r, Failure):
        if r.check(defer.CancelledError): return "F:CancelledError"
        return "F:" + str(r.value)
    if isinstance(r, BaseException):
        return show(Failure(r))
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
    def fire(op):
        j, arg = op[1].split(":", 1)
        j = int(j)
        try:
            if op[0] == "callback": ds[j].callback(arg)
            else: ds[j].errback(Exception(arg))
        except defer.AlreadyCalledError:
            trace.append("ACE:%d" % j)
    for op in sc["pre"] or []: fire(op)
    @defer.inlineCallbacks
    def body():
        for j, catch in sc["steps"]:
            try:
                v = yield ds[j]
            except BaseException as e:
                trace.append("err%d:%s" % (j, show(e)))
                if not catch: raise
                continue
            trace.append("got%d:%s" % (j, show(v)))
        return "done"
    d = body()
    trace.append("returned")
    for op in sc["post"] or []:
        if op[0] == "cancel": d.cancel()
        else: fire(op)
    d.addBoth(lambda r: trace.append("result:" + show(r)))
    for x in ds: x.addBoth(lambda r: None)
    return trace

for line in sys.stdin:
    print(json.dumps(run(json.loads(line))))
    sys.stdout.flush()
`

func TestDifferentialInlineAgainstTwisted(t *testing.T) {
	py := twistedtest.Python(t)
	const n = 1500
	r := rand.New(rand.NewPCG(7, 77))
	scs := make([]inlineScenario, n)
	var in strings.Builder
	for i := range scs {
		scs[i] = genInlineScenario(r)
		b, _ := json.Marshal(scs[i])
		in.Write(b)
		in.WriteByte('\n')
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", differentialInlinePython)
	cmd.Stdin = strings.NewReader(in.String())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	i, total := 0, 0
	for sc.Scan() {
		var want []string
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		got := runInlineGo(scs[i])
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
	t.Logf("%d scenarios, %d trace entries agree", n, total)
}

// After the differential run no body is left suspended (Stop ended them).
func TestDifferentialInlineLeavesNothingSuspended(t *testing.T) {
	before := len(Suspended())
	r := rand.New(rand.NewPCG(7, 77))
	for range 200 {
		runInlineGo(genInlineScenario(r))
	}
	if after := len(Suspended()); after != before {
		t.Fatalf("%d suspended bodies left (before: %d)", after, before)
	}
}
