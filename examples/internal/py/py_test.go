package py

import (
	"math"
	"math/big"
	"os/exec"
	"strings"
	"testing"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/internal/twistedtest"
	"github.com/gotwisted/twisted/spread/jelly"
	"github.com/gotwisted/twisted/spread/pb"
)

type thing struct{ x int }

type custom struct{}

func (custom) PyRepr() string { return "<custom>" }

func cyclic() []any {
	l := make([]any, 1)
	l[0] = l
	return l
}

// reprCases pairs Go values with the Python expression whose repr they must print.
var reprCases = []struct {
	goValue any
	python  string
}{
	{nil, "None"},
	{true, "True"},
	{false, "False"},
	{int64(12), "12"},
	{-7, "-7"},
	{new(big.Int).Lsh(big.NewInt(1), 70), "2**70"},
	{1.5, "1.5"},
	{1.0, "1.0"},
	{-0.0, "0.0"},
	{1e16, "1e16"},
	{123456789012345.0, "123456789012345.0"},
	{1e-5, "1e-5"},
	{0.0001, "0.0001"},
	{1.0 / 3, "1/3"},
	{math.Inf(1), "float('inf')"},
	{"hello network", "'hello network'"},
	{"it's", `"it's"`},
	{`both ' and "`, `'both \' and "'`},
	{"tab\tnl\nbs\\", `'tab\tnl\nbs\\'`},
	{"caf\u00e9 \u2603 \x01 \u00a0 \U0001F600", `'caf\u00e9 \u2603 \x01 \u00a0 \U0001F600'`},
	{[]byte("bytes\x00\xff'"), `b"bytes\x00\xff'"`},
	{[]any{int64(1), 1.5, "hi", []byte("hi")}, "[1, 1.5, 'hi', b'hi']"},
	{[]string{"one duck", "two duck"}, "['one duck', 'two duck']"},
	{jelly.Tuple{int64(1)}, "(1,)"},
	{jelly.Tuple{}, "()"},
	{jelly.DictOf(int64(1), int64(2), "a", []any{}), "{1: 2, 'a': []}"},
	{jelly.Set{int64(2), int64(1)}, "{1, 2}"},
	{jelly.Set{}, "set()"},
	{jelly.FrozenSet{int64(3)}, "frozenset({3})"},
	{cyclic(), "(lambda l: (l.append(l), l)[1])([])"},
	{custom{}, "'<custom>'"},
}

// TestReprMatchesPython checks each case against the repr real Python prints.
func TestReprMatchesPython(t *testing.T) {
	python := twistedtest.Python(t)
	var src strings.Builder
	for _, c := range reprCases {
		if _, ok := c.goValue.(custom); ok {
			src.WriteString("print(" + c.python + ")\n")
			continue
		}
		src.WriteString("print(repr(" + c.python + "))\n")
	}
	out, err := exec.Command(python, "-c", src.String()).Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(want) != len(reprCases) {
		t.Fatalf("python printed %d lines for %d cases", len(want), len(reprCases))
	}
	for i, c := range reprCases {
		if got := Repr(c.goValue); got != want[i] {
			t.Errorf("Repr(%#v) = %s, Python's repr(%s) = %s", c.goValue, got, c.python, want[i])
		}
	}
}

func TestStr(t *testing.T) {
	if got := Str("plain"); got != "plain" {
		t.Errorf("Str of a string = %q", got)
	}
	if got := Str(int64(12)); got != "12" {
		t.Errorf("Str(12) = %q", got)
	}
	if got := Str([]byte("x")); got != "b'x'" {
		t.Errorf("Str(bytes) = %q", got)
	}
}

func TestObjectRepr(t *testing.T) {
	th := &thing{}
	got := Repr(th)
	if !strings.HasPrefix(got, "<py.thing object at 0x") {
		t.Errorf("Repr(&thing{}) = %s", got)
	}
	if got := Repr(&pb.RemoteReference{}); !strings.HasPrefix(got, "<twisted.spread.pb.RemoteReference object at 0x") {
		t.Errorf("Repr(RemoteReference) = %s", got)
	}
}

func TestFailureClassAndType(t *testing.T) {
	remote := failure.New(&pb.CopiedFailure{Type: "__main__.MyError", Value: "boom"})
	if got := FailureClass(remote); got != "<class 'twisted.spread.pb.CopiedFailure'>" {
		t.Errorf("FailureClass(remote) = %s", got)
	}
	if got := FailureType(remote); got != "b'__main__.MyError'" {
		t.Errorf("FailureType(remote) = %s", got)
	}
	local := failure.New(&pb.DeadReferenceError{})
	if got := FailureClass(local); got != "<class 'twisted.python.failure.Failure'>" {
		t.Errorf("FailureClass(local) = %s", got)
	}
}

func TestEqual(t *testing.T) {
	same := &thing{}
	for _, c := range []struct {
		a, b any
		want bool
	}{
		{int64(1), 1.0, true},
		{true, int64(1), true},
		{int64(1), int64(2), false},
		{"hi", "hi", true},
		{"hi", []byte("hi"), false},
		{[]any{int64(1), 1.5, "hi"}, []any{1.0, 1.5, "hi"}, true},
		{[]any{int64(1)}, jelly.Tuple{int64(1)}, false},
		{jelly.DictOf(int64(1), int64(2)), jelly.DictOf(1.0, int64(2)), true},
		{jelly.DictOf(int64(1), int64(2)), jelly.DictOf(int64(1), int64(3)), false},
		{jelly.Set{int64(1), int64(2)}, jelly.Set{int64(2), int64(1)}, true},
		{nil, nil, true},
		{nil, int64(0), false},
		{same, same, true},
		{same, &thing{}, false},
		{math.NaN(), math.NaN(), false},
	} {
		if got := Equal(c.a, c.b); got != c.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", Repr(c.a), Repr(c.b), got, c.want)
		}
	}
}
