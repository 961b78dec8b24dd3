package jelly

import (
	"errors"
	"testing"

	"github.com/gotwisted/twisted/spread/banana"
)

// l builds an s-expression list; strings become banana byte strings.
func l(xs ...any) []any {
	for i, x := range xs {
		if s, ok := x.(string); ok {
			xs[i] = []byte(s)
		}
	}
	return xs
}

// unjellyTests are s-expressions a peer may send, with what the default PB receiver
// (GlobalSecurity) makes of them: pb-wire.md 2.8 and 2.10, plus hostile shapes.
var unjellyTests = []struct {
	name string
	sexp any
	repr string // pyRepr of the result, for accepted input
	err  error
}{
	{name: "int", sexp: int64(5), repr: "5"},
	{name: "bytes", sexp: b("abc"), repr: "b'abc'"},
	{name: "unicode", sexp: l("unicode", "h\xc3\xa9"), repr: "'hé'"},
	{name: "boolean true", sexp: l("boolean", "true"), repr: "True"},
	{name: "None", sexp: l("None"), repr: "None"},
	{name: "list", sexp: l("list", int64(1), l("unicode", "a")), repr: "[1, 'a']"},
	{name: "tuple", sexp: l("tuple", int64(1), int64(2)), repr: "(1, 2)"},
	{name: "dictionary", sexp: l("dictionary", l(l("unicode", "k"), int64(1)), l("b", int64(2))), repr: "{'k': 1, b'b': 2}"},
	{name: "dictionary duplicate keys", sexp: l("dictionary", l("a", int64(1)), l("b", int64(2)), l("a", int64(3))), repr: "{b'a': 3, b'b': 2}"},
	{name: "set", sexp: l("set", int64(1), int64(2)), repr: "{1, 2}"},
	{name: "frozenset", sexp: l("frozenset", int64(1)), repr: "frozenset({1})"},
	{name: "datetime full", sexp: l("datetime", "2020 7 11 1 16 5 344"), repr: "datetime.datetime(2020, 7, 11, 1, 16, 5, 344)"},
	{name: "datetime 3 fields", sexp: l("datetime", "2020 7 11"), repr: "datetime.datetime(2020, 7, 11, 0, 0)"},
	{name: "date", sexp: l("date", "2020 7 11"), repr: "datetime.date(2020, 7, 11)"},
	{name: "time", sexp: l("time", "1 2 3 4"), repr: "datetime.time(1, 2, 3, 4)"},
	{name: "timedelta", sexp: l("timedelta", "1 2 3"), repr: "datetime.timedelta(days=1, seconds=2, microseconds=3)"},
	{name: "timedelta normalised", sexp: l("timedelta", "0 90000 -1"), repr: "datetime.timedelta(days=1, seconds=3599, microseconds=999999)"},
	{name: "decimal", sexp: l("decimal", int64(-78901), int64(-3)), repr: "Decimal('-78.901')"},
	{name: "self-containing list", sexp: l("reference", int64(1), l("list", l("dereference", int64(1)))), repr: "[[...]]"},
	{name: "unpersistable", sexp: l("unpersistable", "why"), repr: "Unpersistable('why')"},
	{name: "persistent", sexp: l("persistent", "pid"), repr: "Unpersistable('Persistent callback not found')"},

	{name: "empty node", sexp: []any{}, err: ErrMalformed},
	{name: "tag not bytes", sexp: l(int64(1), int64(2)), err: ErrMalformed},
	{name: "class", sexp: l("class", "os.system"), err: InsecureJelly},
	{name: "module", sexp: l("module", "os"), err: InsecureJelly},
	{name: "function", sexp: l("function", "os.system"), err: InsecureJelly},
	{name: "method", sexp: l("method", "x", l("None"), l("None")), err: InsecureJelly},
	{name: "instance", sexp: l("instance", l("class", "a.B"), l("dictionary")), err: InsecureJelly},
	{name: "copy", sexp: l("copy", int64(1)), err: InsecureJelly},
	{name: "cache", sexp: l("cache", int64(1)), err: InsecureJelly},
	{name: "frobnicate", sexp: l("frobnicate", int64(1)), err: InsecureJelly},
	{name: "unknown class", sexp: l("os.system", l("dictionary")), err: InsecureJelly},
	{name: "allowed tag without handler", sexp: l("long", int64(5)), err: InsecureJelly},
	{name: "string tag without handler", sexp: l("string", "x"), err: InsecureJelly},
	{name: "remote unregistered", sexp: l("remote", int64(77)), err: InsecureJelly},
	{name: "insecure inside a list", sexp: l("list", int64(1), l("class", "a.B")), err: InsecureJelly},
	{name: "bad utf-8", sexp: l("unicode", "\xff"), err: ErrInvalidUnicode},
	{name: "unicode without payload", sexp: l("unicode"), err: ErrMalformed},
	{name: "unicode payload is int", sexp: l("unicode", int64(1)), err: ErrMalformed},
	{name: "boolean yes", sexp: l("boolean", "yes"), err: ErrMalformed},
	{name: "list key", sexp: l("dictionary", l(l("list"), int64(1))), err: ErrUnhashable},
	{name: "dict key", sexp: l("dictionary", l(l("dictionary"), int64(1))), err: ErrUnhashable},
	{name: "set of lists", sexp: l("set", l("list")), err: ErrUnhashable},
	{name: "dictionary item not a pair", sexp: l("dictionary", int64(5)), err: ErrMalformed},
	{name: "dictionary item of three", sexp: l("dictionary", l(int64(1), int64(2), int64(3))), err: ErrMalformed},
	{name: "undefined dereference", sexp: l("dereference", int64(99)), err: ErrUndefinedReference},
	{name: "undefined dereference in list", sexp: l("list", l("dereference", int64(1)), l("dereference", int64(2))), err: ErrUndefinedReference},
	{name: "duplicate reference", sexp: l("list", l("reference", int64(1), int64(1)), l("reference", int64(1), int64(2))), err: ErrDuplicateReference},
	{name: "reference inside itself", sexp: l("reference", int64(1), l("list", l("reference", int64(1), l("list")))), err: ErrDuplicateReference},
	{name: "unhashable reference id", sexp: l("reference", l("list"), int64(1)), err: ErrUnhashable},
	{name: "reference too short", sexp: l("reference", int64(1)), err: ErrMalformed},
	{name: "dereference too short", sexp: l("dereference"), err: ErrMalformed},
	{name: "bad datetime", sexp: l("datetime", "x"), err: ErrMalformed},
	{name: "datetime month 13", sexp: l("datetime", "2020 13 1"), err: ErrMalformed},
	{name: "datetime Feb 30", sexp: l("datetime", "2020 2 30"), err: ErrMalformed},
	{name: "datetime too many fields", sexp: l("datetime", "1 1 1 1 1 1 1 1"), err: ErrMalformed},
	{name: "date with time", sexp: l("date", "2020 1 1 1"), err: ErrMalformed},
	{name: "time hour 24", sexp: l("time", "24 0"), err: ErrMalformed},
	{name: "timedelta two fields", sexp: l("timedelta", "1 2"), err: ErrMalformed},
	{name: "timedelta overflow", sexp: l("timedelta", "1000000000 0 0"), err: ErrMalformed},
	{name: "timedelta huge field", sexp: l("timedelta", "99999999999999999999 0 0"), err: ErrMalformed},
	{name: "decimal of bytes", sexp: l("decimal", "x", int64(1)), err: ErrMalformed},
	{name: "decimal exponent str", sexp: l("decimal", int64(0), "F"), err: ErrMalformed},
	{name: "decimal too short", sexp: l("decimal", int64(1)), err: ErrMalformed},
	{name: "unpersistable too short", sexp: l("unpersistable"), err: ErrMalformed},
}

func TestUnjellyTable(t *testing.T) {
	for _, tt := range unjellyTests {
		t.Run(tt.name, func(t *testing.T) {
			// The same input as bytes, through the wire decoder, must agree.
			if wire, err := banana.AppendExpr(nil, tt.sexp, banana.DialectPB); err == nil {
				v, err := UnjellyBanana(wire, banana.DialectPB)
				if tt.err != nil && !errors.Is(err, tt.err) {
					t.Errorf("UnjellyBanana: got %v, want %v", err, tt.err)
				}
				if tt.err == nil && (err != nil || pyRepr(v) != tt.repr) {
					t.Errorf("UnjellyBanana: got %s (%v), want %s", pyRepr(v), err, tt.repr)
				}
			}
			v, err := Unjelly(tt.sexp)
			if tt.err != nil {
				var je *Error
				if !errors.Is(err, tt.err) || !errors.As(err, &je) {
					t.Fatalf("got %v (%#v), want %v", err, v, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := pyRepr(v); got != tt.repr {
				t.Errorf("got %s, want %s", got, tt.repr)
			}
		})
	}
}

// nest builds n levels of ['list', ...] around x without recursion.
func nest(n int, x any) any {
	for i := 0; i < n; i++ {
		x = l("list", x)
	}
	return x
}

// 100 000 nested lists: a named error, not a blown stack; the limit is adjustable.
func TestUnjellyDeepNesting(t *testing.T) {
	if _, err := Unjelly(nest(100000, int64(1))); !errors.Is(err, ErrTooDeep) {
		t.Errorf("got %v", err)
	}
	if _, err := Unjelly(nest(DefaultMaxDepth, int64(1))); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if _, err := Unjelly(nest(50, int64(1)), WithMaxDepth(10)); !errors.Is(err, ErrTooDeep) {
		t.Errorf("custom limit: %v", err)
	}
	// Straight from the wire: banana decodes 100 000 levels iteratively, unjelly refuses.
	var wire []byte
	for i := 0; i < 100000; i++ {
		wire = append(wire, 2, banana.List, 8, banana.Vocab)
	}
	wire = append(wire, 1, banana.Int)
	d := banana.Decoder{Dialect: banana.DialectPB}
	exprs, err := d.Feed(wire, nil)
	if err != nil || len(exprs) != 1 {
		t.Fatal(err)
	}
	if _, err := Unjelly(exprs[0]); !errors.Is(err, ErrTooDeep) {
		t.Errorf("from the wire: %v", err)
	}
	if _, err := UnjellyBanana(wire, banana.DialectPB); !errors.Is(err, ErrTooDeep) {
		t.Errorf("UnjellyBanana: %v", err)
	}
}

// Unjelly does not modify the s-expression it is given, and an Unjellier is reusable
// after an error.
func TestUnjellyLeavesInputAlone(t *testing.T) {
	sexp := l("list", l("reference", int64(1), l("list", int64(1))), l("dereference", int64(1)))
	before := pyRepr(sexp)
	var u Unjellier
	for i := 0; i < 2; i++ {
		if _, err := u.Unjelly(sexp); err != nil {
			t.Fatal(err)
		}
		if _, err := u.Unjelly(l("dereference", int64(5))); !errors.Is(err, ErrUndefinedReference) {
			t.Fatal(err)
		}
	}
	if pyRepr(sexp) != before {
		t.Errorf("input changed: %s", pyRepr(sexp))
	}
}

// Registrations in one Unjellier's Registry do not leak into another.
func TestPerUnjellierRegistry(t *testing.T) {
	r1, r2 := NewRegistry(), NewRegistry()
	r1.SetUnjellyableForClass("local", func(u *Unjellier, sexp []any) (any, error) { return "one", nil })
	r2.SetUnjellyableForClass("local", func(u *Unjellier, sexp []any) (any, error) { return "two", nil })
	u1, u2 := Unjellier{Registry: r1}, Unjellier{Registry: r2}
	sexp := l("local", int64(1))
	v1, _ := u1.Unjelly(sexp)
	v2, _ := u2.Unjelly(sexp)
	if v1 != "one" || v2 != "two" {
		t.Errorf("got %v %v", v1, v2)
	}
	if _, err := (&Unjellier{}).Unjelly(sexp); !errors.Is(err, InsecureJelly) {
		t.Errorf("default unjellier: %v", err)
	}
}

// The package-level registration allows the tag in GlobalSecurity, as Twisted's does.
func TestGlobalRegistration(t *testing.T) {
	const tag = "gotwisted_test_jelly_global"
	if GlobalSecurity.IsTypeAllowed(tag) {
		t.Fatal("allowed before registration")
	}
	SetUnjellyableFactoryForClass(tag, func(state any) (any, error) { return state, nil })
	defer DefaultRegistry.Unregister(tag)
	if !GlobalSecurity.IsTypeAllowed(tag) {
		t.Error("not allowed after registration")
	}
	v, err := Unjelly(l(tag, int64(3)))
	if err != nil || v != any(int64(3)) {
		t.Errorf("got %v %v", v, err)
	}
}

// A registration for one of jelly's own tags takes precedence over the built-in handler,
// as Twisted's registry lookup comes first.
func TestRegistryOverridesBuiltinTag(t *testing.T) {
	r := NewRegistry()
	r.SetUnjellyableForClass("unicode", func(u *Unjellier, sexp []any) (any, error) { return "overridden", nil })
	if v, err := Unjelly(l("unicode", "x"), WithRegistry(r)); err != nil || v != "overridden" {
		t.Errorf("got %v %v", v, err)
	}
	r.Unregister("unicode")
	if v, err := Unjelly(l("unicode", "x"), WithRegistry(r)); err != nil || v != "x" {
		t.Errorf("after Unregister: %v %v", v, err)
	}
	sec := NewSecurityOptions()
	sec.AllowBasicTypes()
	sec.DisallowTypes("list")
	if _, err := Unjelly(l("list"), WithSecurity(sec)); !errors.Is(err, InsecureJelly) {
		t.Errorf("disallowed list: %v", err)
	}
}

// A registered hook that trusts its input (here indexing past the end of a short node)
// panics; the unjellier turns that into an error instead of crashing the process.
func TestHookPanicRecovered(t *testing.T) {
	reg := NewRegistry()
	reg.SetUnjellyableForClass("remote", func(u *Unjellier, sexp []any) (any, error) {
		return sexp[1].(int64), nil // no length or type check
	})
	for _, sexp := range []any{l("remote"), l("remote", "not an int")} {
		if _, err := Unjelly(sexp, WithRegistry(reg)); !errors.Is(err, ErrHookPanic) {
			t.Errorf("%s: %v", banana.Format(sexp), err)
		}
	}
	if _, err := Jelly(panicky{}); !errors.Is(err, ErrHookPanic) {
		t.Errorf("JellyFor: %v", err)
	}
	if _, err := AppendJelly(nil, panicky{}, banana.DialectPB); !errors.Is(err, ErrHookPanic) {
		t.Errorf("JellyFor (fused): %v", err)
	}
}

type panicky struct{}

func (panicky) JellyFor(j *Jellier) (any, error) { panic("boom") }

// A class name without a module is refused even by the permissive taster, as Twisted
// refuses it (it imports the module part, "": ValueError). FuzzUnjelly found the way it
// went wrong: ['instance', ['class', 'instance'], ”] made an *Instance of a class named
// like the 'instance' tag, which jellied to a node that no longer unjellied.
func TestClassWithoutModule(t *testing.T) {
	for _, sexp := range []any{l("class", "instance"), l("instance", l("class", "instance"), "")} {
		if v, err := Unjelly(sexp, WithSecurity(Insecure())); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %#v, %v", banana.Format(sexp), v, err)
		}
	}
	if v, err := Unjelly(l("class", "mod.Name"), WithSecurity(Insecure())); err != nil || v != Class("mod.Name") {
		t.Errorf("mod.Name: %#v, %v", v, err)
	}
}
