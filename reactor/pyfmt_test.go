package reactor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gotwisted/twisted/internal/twistedtest"
)

// Python's str of these floats, checked with /usr/bin/python3 (TestPyFloatAgainstPython
// repeats the check on random values).
var pyFloatCases = []struct {
	f    float64
	want string
}{
	{3600, "3600.0"},
	{10.5, "10.5"},
	{0, "0.0"},
	{math.Copysign(0, -1), "-0.0"},
	{-0.5, "-0.5"},
	{1e-05, "1e-05"},
	{0.0001, "0.0001"},
	{1e16, "1e+16"},
	{1.5e16, "1.5e+16"},
	{999999999999999.9, "999999999999999.9"},
	{1234567.125, "1234567.125"},
	{9.998123456, "9.998123456"},
	{0.30000000000000004, "0.30000000000000004"},
	{120, "120.0"},
	{-2.5e-07, "-2.5e-07"},
	{5e-324, "5e-324"},
	{math.MaxFloat64, "1.7976931348623157e+308"},
	{math.Inf(1), "inf"},
	{math.Inf(-1), "-inf"},
	{math.NaN(), "nan"},
}

func TestPyFloat(t *testing.T) {
	for _, c := range pyFloatCases {
		if got := pyFloat(c.f); got != c.want {
			t.Errorf("pyFloat(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// pyFloat agrees with Python's str(float) on random values of every magnitude.
func TestPyFloatAgainstPython(t *testing.T) {
	python := twistedtest.Python(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var floats []float64
	for range 300 {
		mag := math.Pow(10, float64(rng.IntN(44)-22))
		floats = append(floats, (rng.Float64()-0.5)*mag, math.Round(rng.Float64()*1e6)/1e3*mag)
	}
	var in strings.Builder
	for _, f := range floats {
		in.WriteString(strconv.FormatFloat(f, 'x', -1, 64) + "\n")
	}
	cmd := exec.Command(python, "-c", "import sys\nfor l in sys.stdin: print(str(float.fromhex(l)))")
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(want) != len(floats) {
		t.Fatalf("python printed %d lines for %d floats", len(want), len(floats))
	}
	for i, f := range floats {
		if got := pyFloat(f); got != want[i] {
			t.Errorf("pyFloat(%v) = %q, Python says %q", f, got, want[i])
		}
	}
}

// Python's repr of str and bytes values, checked with /usr/bin/python3.
func TestPyRepr(t *testing.T) {
	for _, c := range []struct{ in, str, bytes string }{
		{"/tmp/x.sock", `'/tmp/x.sock'`, `b'/tmp/x.sock'`},
		{"it's", `"it's"`, `b"it's"`},
		{`say "it's"`, `'say "it\'s"'`, `b'say "it\'s"'`},
		{"tab\tnl\n\\", `'tab\tnl\n\\'`, `b'tab\tnl\n\\'`},
		{"\x01\x7f", `'\x01\x7f'`, `b'\x01\x7f'`},
		{"é", `'é'`, `b'\xc3\xa9'`},
	} {
		if got := pyStrRepr(c.in); got != c.str {
			t.Errorf("pyStrRepr(%q) = %s, want %s", c.in, got, c.str)
		}
		if got := pyBytesRepr(c.in); got != c.bytes {
			t.Errorf("pyBytesRepr(%q) = %s, want %s", c.in, got, c.bytes)
		}
	}
}

// strerror is C's: os.strerror(111) is "Connection refused" (checked with /usr/bin/python3).
func TestStrerror(t *testing.T) {
	for _, c := range []struct {
		e    syscall.Errno
		want string
	}{
		{syscall.ECONNREFUSED, "Connection refused"},
		{syscall.EADDRINUSE, "Address already in use"},
		{syscall.ENOENT, "No such file or directory"},
		{syscall.Errno(4000), "Unknown error 4000"},
	} {
		if got := strerror(c.e); got != c.want {
			t.Errorf("strerror(%d) = %q, want %q", int(c.e), got, c.want)
		}
	}
}

func nothing() {}

// Ports test_base.py DelayedCallNoDebugTests.test_str: the time left is printed as Python
// prints a float, in full.
func TestDelayedCallNoDebugTests_test_str(t *testing.T) {
	dc := NewDelayedCall(12*time.Second, nothing, nil, nil, func() time.Duration { return 1500 * time.Millisecond })
	want := "<DelayedCall " + fmt.Sprintf("%p", dc) + " [10.5s] called=0 cancelled=0 github.com/gotwisted/twisted/reactor.nothing()>"
	if got := dc.String(); got != want {
		t.Errorf("String() = %q\nwant        %q", got, want)
	}
}

// An hour is "[3600.0s]", as Twisted prints it, not "[3.6e+03s]".
func TestDelayedCallStringLongDelay(t *testing.T) {
	r := newReactor(t)
	dc := r.CallLater(time.Hour, nothing)
	defer dc.Cancel()
	// The reactor's clock moves on between CallLater and String, so read the number back.
	s := dc.String()
	i, j := strings.Index(s, "["), strings.Index(s, "s]")
	left, err := strconv.ParseFloat(s[i+1:j], 64)
	if err != nil || left > 3600 || left < 3590 || strings.Contains(s, "e+") {
		t.Errorf("String() = %q, want about [3600.0s] in full", s)
	}
	clock := time.Duration(0)
	dc2 := NewDelayedCall(time.Hour, nothing, nil, nil, func() time.Duration { return clock })
	if got := dc2.String(); !strings.Contains(got, " [3600.0s] ") {
		t.Errorf("String() = %q, want [3600.0s]", got)
	}
}
