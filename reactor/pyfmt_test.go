package reactor

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

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
