package trial_test

import (
	"sort"
	"strings"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/trial"
)

// fakeSuite is the outcome of a suite run under fakes: the suite-level fake and one per
// subtest.
type fakeSuite struct {
	top   *fakeTB
	sub   map[string]*fakeTB
	order []string
}

// runFakeSuite runs suite's methods as fake subtests, each on its own goroutine like
// t.Run.
func runFakeSuite(t *testing.T, suite any, async bool, opts ...trial.Option) *fakeSuite {
	t.Helper()
	fs := &fakeSuite{sub: make(map[string]*fakeTB)}
	fs.top = runFake(t, t.Name()+"/suite", func(tb testing.TB) {
		trial.RunSuiteWith(tb, func(name string, f func(testing.TB)) {
			fs.order = append(fs.order, name)
			fs.sub[name] = runFake(t, name, f)
		}, suite, async, opts...)
	})
	return fs
}

// pbLikeSuite is a TestCase-style suite: fixtures on the struct, methods with and without
// Deferreds.
type pbLikeSuite struct {
	prefix string // set on the value given to Suite: copied into every test
	log    *[]string
	state  string // set by SetUp: must not leak between tests
}

func (s *pbLikeSuite) SetUp(tc *trial.T) *deferred.Deferred {
	tc.Equal(s.state, "", "a fresh copy for each test")
	s.state = "set up"
	*s.log = append(*s.log, s.prefix+"setUp")
	return nil
}

func (s *pbLikeSuite) TearDown(tc *trial.T) {
	*s.log = append(*s.log, s.prefix+"tearDown")
}

func (s *pbLikeSuite) TestB(tc *trial.T) *deferred.Deferred {
	*s.log = append(*s.log, s.prefix+"TestB")
	d := deferred.New(nil)
	tc.Reactor().CallLater(0, func() { d.Callback(nil) })
	return d
}

func (s *pbLikeSuite) TestA(tc *trial.T) {
	*s.log = append(*s.log, s.prefix+"TestA")
	tc.Equal(s.state, "set up")
}

func (s *pbLikeSuite) helper() {} // not a test

// Methods run in name order, each on a fresh copy of the suite value with its fixtures.
func TestSuiteRunsMethodsInOrder(t *testing.T) {
	var log []string
	fs := runFakeSuite(t, &pbLikeSuite{prefix: "p.", log: &log}, true)
	if strings.Join(fs.order, ",") != "TestA,TestB" {
		t.Errorf("subtests %q, want TestA,TestB", fs.order)
	}
	for _, ft := range fs.sub {
		ft.expectPass(t)
	}
	want := "p.setUp,p.TestA,p.tearDown,p.setUp,p.TestB,p.tearDown"
	if got := strings.Join(log, ","); got != want {
		t.Errorf("log %s, want %s", got, want)
	}
}

// The suite form on real subtests.
func TestSuiteReal(t *testing.T) {
	var log []string
	trial.Suite(t, &pbLikeSuite{log: &log})
	trial.SyncSuite(t, &syncSuite{})
	if len(log) != 6 {
		t.Errorf("log %q, want 6 entries", log)
	}
}

type syncSuite struct{ clockRan bool }

func (s *syncSuite) TestClock(tc *trial.T) {
	ran := false
	tc.Clock().CallLater(5e9, func() { ran = true })
	tc.Clock().Advance(5e9)
	tc.True(ran)
	tc.True(tc.Reactor() == nil, "no reactor in a synchronous test")
}

// badSuite has a test method with a signature trial cannot call: reported as an error,
// like trial's generator-function check (TrialGeneratorFunctionTests).
type badSuite struct{}

func (s *badSuite) TestGood(tc *trial.T)                  {}
func (s *badSuite) TestWrong(tc *trial.T, extra int) bool { return true }

// Ports test_tests.py TrialGeneratorFunctionTests.test_errorOnGeneratorFunction: a test
// method that cannot run is an error, not a silent pass.
func TestSuiteBadSignature(t *testing.T) {
	fs := runFakeSuite(t, &badSuite{}, true)
	fs.sub["TestGood"].expectPass(t)
	fs.sub["TestWrong"].expectError(t, "TestWrong has signature", "so it will never run")
}

// Suite rejects values that are not pointers to structs, and structs without tests.
func TestSuiteBadValue(t *testing.T) {
	names := []string{}
	for _, v := range []any{nil, badSuite{}, &struct{}{}} {
		fs := runFakeSuite(t, v, true)
		if !fs.top.Failed() {
			t.Errorf("Suite(%T) did not fail", v)
		}
		names = append(names, fs.top.allErrors())
	}
	sort.Strings(names)
	if !strings.Contains(strings.Join(names, "\n"), "has no TestXxx methods") {
		t.Errorf("errors %q", names)
	}
}
