package trial

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
)

// Suite runs the TestXxx methods of suite as subtests, each on a fresh copy of suite: the
// form for porting a Twisted TestCase class method by method.
//
//	type PBTests struct{ port reactor.ListeningPort }
//
//	func (s *PBTests) SetUp(tc *trial.T) *deferred.Deferred    { ...; return nil }
//	func (s *PBTests) TearDown(tc *trial.T) *deferred.Deferred { return s.port.StopListening() }
//	func (s *PBTests) TestRefcount(tc *trial.T) *deferred.Deferred { ... }
//	func (s *PBTests) TestCopy(tc *trial.T)                    { ... } // no Deferred: also fine
//
//	func TestPB(t *testing.T) { trial.Suite(t, &PBTests{}) }
//
// suite is a pointer to a struct; every test gets a shallow copy of *suite (Twisted builds
// one TestCase instance per method, and fields set in the given value act like class
// attributes). Methods are run in name order, each like Run: SetUp and TearDown (either
// signature, optional) are its fixtures, and opts apply to every method. A TestXxx method
// with another signature is reported as an error, like trial's "is a generator function
// and therefore will never run".
func Suite(t *testing.T, suite any, opts ...Option) {
	t.Helper()
	runSuite(t, func(name string, f func(testing.TB)) {
		t.Run(name, func(t *testing.T) { f(t) })
	}, suite, true, opts)
}

// SyncSuite is Suite for a SynchronousTestCase port: every method runs as in Sync, with no
// reactor.
func SyncSuite(t *testing.T, suite any, opts ...Option) {
	t.Helper()
	runSuite(t, func(name string, f func(testing.TB)) {
		t.Run(name, func(t *testing.T) { f(t) })
	}, suite, false, opts)
}

var (
	tType        = reflect.TypeFor[*T]()
	deferredType = reflect.TypeFor[*deferred.Deferred]()
)

// suiteMethod adapts a method value with one of the two accepted signatures.
func suiteMethod(m reflect.Value) (func(*T) *deferred.Deferred, bool) {
	mt := m.Type()
	if mt.NumIn() != 1 || mt.In(0) != tType {
		return nil, false
	}
	switch {
	case mt.NumOut() == 0:
		return func(tc *T) *deferred.Deferred {
			m.Call([]reflect.Value{reflect.ValueOf(tc)})
			return nil
		}, true
	case mt.NumOut() == 1 && mt.Out(0) == deferredType:
		return func(tc *T) *deferred.Deferred {
			d, _ := m.Call([]reflect.Value{reflect.ValueOf(tc)})[0].Interface().(*deferred.Deferred)
			return d
		}, true
	}
	return nil, false
}

const wantSignature = "func(*trial.T) *deferred.Deferred or func(*trial.T)"

// runSuite is Suite with the subtest runner abstracted, so trial's own tests can drive it
// with a fake testing.TB.
func runSuite(tb testing.TB, sub func(name string, f func(testing.TB)), suite any, async bool, opts []Option) {
	tb.Helper()
	sv := reflect.ValueOf(suite)
	if sv.Kind() != reflect.Pointer || sv.IsNil() || sv.Elem().Kind() != reflect.Struct {
		tb.Errorf("trial: Suite needs a non-nil pointer to a struct, not %T", suite)
		return
	}
	st := sv.Type()
	var names []string
	for i := 0; i < st.NumMethod(); i++ {
		if name := st.Method(i).Name; strings.HasPrefix(name, "Test") {
			names = append(names, name) // reflect lists methods in name order
		}
	}
	if len(names) == 0 {
		tb.Errorf("trial: %s has no TestXxx methods", st)
		return
	}
	for _, name := range names {
		sub(name, func(tb testing.TB) {
			tb.Helper()
			inst := reflect.New(st.Elem())
			inst.Elem().Set(sv.Elem())
			test, ok := suiteMethod(inst.MethodByName(name))
			if !ok {
				tb.Errorf("[ERROR]\ntrial: %s.%s has signature %s; want %s, so it will never run",
					st, name, inst.MethodByName(name).Type(), wantSignature)
				return
			}
			cfg := newConfig(opts)
			c := &testCase{method: name, test: test, cfg: cfg, setUp: cfg.setUp, tearDown: cfg.tearDown}
			for _, fx := range []struct {
				name string
				dst  *func(*T) *deferred.Deferred
			}{{"SetUp", &c.setUp}, {"TearDown", &c.tearDown}} {
				m := inst.MethodByName(fx.name)
				if !m.IsValid() {
					continue
				}
				f, ok := suiteMethod(m)
				if !ok {
					tb.Errorf("[ERROR]\ntrial: %s.%s has signature %s; want %s",
						st, fx.name, m.Type(), wantSignature)
					return
				}
				*fx.dst = f
			}
			if async {
				runAsync(tb, c)
			} else {
				runSync(tb, c)
			}
		})
	}
}

// String is for debugging: the test's name.
func (tc *T) String() string { return fmt.Sprintf("<trial.T %s>", tc.name) }
