package jelly

import (
	"errors"
	"testing"

	"github.com/gotwisted/twisted/spread/banana"
)

// The JellyForValue hook: Go's embedded methods cannot see the value that embeds them,
// so the Jellier offers each value to the hook as given.

// handle is a Jellyable meant to be embedded: its promoted JellyFor sees only itself.
type handle struct{ id int }

func (h *handle) JellyFor(j *Jellier) (any, error) { return []any{[]byte("handle"), int64(h.id)}, nil }

type handleOwner struct {
	handle
	Name string
}

// hookBoth jellies v with the hook in both encoders and checks they agree byte for byte.
func hookBoth(t *testing.T, v any, hook func(*Jellier, any) (any, bool, error)) ([]byte, error) {
	t.Helper()
	j := Jellier{JellyForValue: hook}
	sexp, err := j.Jelly(v)
	j2 := Jellier{JellyForValue: hook}
	fused, ferr := j2.AppendJelly([]byte("prefix"), v, banana.DialectPB)
	if (err == nil) != (ferr == nil) {
		t.Fatalf("tree error %v, fused error %v", err, ferr)
	}
	if err != nil {
		if string(fused) != "prefix" {
			t.Errorf("AppendJelly kept %q after an error", fused)
		}
		if !errors.Is(ferr, errorKind(err)) {
			t.Errorf("fused error %v, tree error %v", ferr, err)
		}
		return nil, err
	}
	wire, err := banana.AppendExpr(nil, sexp, banana.DialectPB)
	if err != nil {
		t.Fatal(err)
	}
	if string(fused[len("prefix"):]) != string(wire) {
		t.Fatalf("AppendJelly % x, tree gives % x", fused[len("prefix"):], wire)
	}
	return wire, nil
}

func errorKind(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return err
}

func TestJellyForValueSeesOuterValue(t *testing.T) {
	a, b := &handleOwner{handle{1}, "a"}, &handleOwner{handle{2}, "b"}
	var seen []any
	hook := func(j *Jellier, v any) (any, bool, error) {
		seen = append(seen, v)
		if o, ok := v.(*handleOwner); ok {
			s, err := j.Jelly(o.Name) // a part of the same session
			return []any{[]byte("owner"), s}, true, err
		}
		return nil, false, nil
	}
	wire, err := hookBoth(t, []any{a, 1, "text", b, []int{3}}, hook)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := banana.AppendExpr(nil, []any{[]byte("list"),
		[]any{[]byte("owner"), []any{[]byte("unicode"), []byte("a")}}, int64(1),
		[]any{[]byte("unicode"), []byte("text")},
		[]any{[]byte("owner"), []any{[]byte("unicode"), []byte("b")}},
		[]any{[]byte("list"), int64(3)}}, banana.DialectPB)
	if string(wire) != string(want) {
		t.Errorf("got %s", banana.Format(wire))
	}
	// Offered (in each of the two encoders): the list, the two owners and the []int;
	// never the atoms.
	if len(seen) != 8 || seen[1] != any(a) || seen[2] != any(b) {
		t.Errorf("hook saw %v", seen)
	}
}

func TestJellyForValueDeclines(t *testing.T) {
	// Declining leaves the promoted JellyFor to run, as without a hook.
	hook := func(j *Jellier, v any) (any, bool, error) { return nil, false, nil }
	wire, err := hookBoth(t, &handleOwner{handle{7}, "x"}, hook)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := banana.AppendExpr(nil, []any{[]byte("handle"), int64(7)}, banana.DialectPB)
	if string(wire) != string(want) {
		t.Errorf("got %s", banana.Format(wire))
	}
}

func TestJellyForValueReferences(t *testing.T) {
	// A handled value that brackets itself with Prepare/Preserve is sent once, then
	// dereferenced; a repeat is not offered to the hook again.
	o := &handleOwner{handle{1}, "shared"}
	calls := 0
	hook := func(j *Jellier, v any) (any, bool, error) {
		if v != any(o) {
			return nil, false, nil
		}
		calls++
		j.Prepare(v)
		return j.Preserve(v, []any{[]byte("owner"), int64(1)}), true, nil
	}
	wire, err := hookBoth(t, []any{o, o}, hook)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := banana.AppendExpr(nil, []any{[]byte("list"),
		[]any{[]byte("reference"), int64(1), []any{[]byte("owner"), int64(1)}},
		[]any{[]byte("dereference"), int64(1)}}, banana.DialectPB)
	if string(wire) != string(want) {
		t.Errorf("got %s", banana.Format(wire))
	}
	if calls != 2 { // once per encoder
		t.Errorf("hook called %d times, want 2", calls)
	}
}

func TestJellyForValueErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := hookBoth(t, []any{&handleOwner{}}, func(j *Jellier, v any) (any, bool, error) {
		if _, ok := v.(*handleOwner); ok {
			return nil, false, boom
		}
		return nil, false, nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want the hook's error", err)
	}
	_, err = hookBoth(t, map[string]any{"k": &handleOwner{}}, func(j *Jellier, v any) (any, bool, error) {
		if _, ok := v.(*handleOwner); ok {
			panic("hook bug")
		}
		return nil, false, nil
	})
	if !errors.Is(err, ErrHookPanic) {
		t.Errorf("got %v, want ErrHookPanic", err)
	}
}
