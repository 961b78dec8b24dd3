package jelly

import (
	"reflect"
	"testing"

	"github.com/gotwisted/twisted/spread/banana"
)

// The fast receive path a PB broker can take: a Conn in Raw mode hands out each message
// as bytes, Elements reads the envelope, and UnjellyBanana unjellies the arguments, with
// the same result as the tree path.
func TestRawMessagePath(t *testing.T) {
	args := Tuple{int64(1), "two", []any{3.5, []byte("four")}, DictOf("k", int64(5))}
	kwargs := DictOf("keyword1", "one")
	var j Jellier
	msg := banana.AppendListHeader(nil, 7)
	msg = banana.AppendStr(msg, "message", banana.DialectPB)
	msg = banana.AppendInt(msg, 1)
	msg = banana.AppendStr(msg, "root", banana.DialectPB)
	msg = banana.AppendStr(msg, "echo", banana.DialectPB)
	msg = banana.AppendInt(msg, 1)
	msg, _ = j.AppendJelly(msg, args, banana.DialectPB)
	msg, _ = j.AppendJelly(msg, kwargs, banana.DialectPB)

	server := banana.NewConn(false, banana.Options{Raw: true})
	server.ConnectionMade()
	exprs, _, err := server.Feed(append([]byte{0x02, 0x82, 'p', 'b'}, msg...))
	if err != nil || len(exprs) != 1 {
		t.Fatalf("%v %v", exprs, err)
	}
	el, err := exprs[0].(banana.Raw).Elements(server.Dialect())
	if err != nil || len(el) != 7 || string(el[0].([]byte)) != "message" || el[1] != any(int64(1)) {
		t.Fatalf("envelope %v %v", el, err)
	}
	var u Unjellier
	gotArgs, n, err := u.UnjellyBanana(el[5].(banana.Raw), server.Dialect())
	if err != nil || n != len(el[5].(banana.Raw)) {
		t.Fatal(err)
	}
	gotKw, _, err := u.UnjellyBanana(el[6].(banana.Raw), server.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	if pyRepr(gotArgs) != pyRepr(args) || pyRepr(gotKw) != pyRepr(kwargs) {
		t.Errorf("got %s %s", pyRepr(gotArgs), pyRepr(gotKw))
	}
}

// BenchmarkReceiveMessage compares the two receive paths for a call message with the
// small-call arguments: trees (Conn.Feed, Unjelly) and raw (Conn.Feed in Raw mode,
// Elements, UnjellyBanana).
func BenchmarkReceiveMessage(b *testing.B) {
	var j Jellier
	msg := banana.AppendListHeader(nil, 7)
	msg = banana.AppendStr(msg, "message", banana.DialectPB)
	msg = banana.AppendInt(msg, 1)
	msg = banana.AppendStr(msg, "root", banana.DialectPB)
	msg = banana.AppendStr(msg, "add", banana.DialectPB)
	msg = banana.AppendInt(msg, 1)
	msg, _ = j.AppendJelly(msg, Tuple{int64(1), int64(2)}, banana.DialectPB)
	msg, _ = j.AppendJelly(msg, NewDict(0), banana.DialectPB)
	conn := func(raw bool) *banana.Conn {
		c := banana.NewConn(false, banana.Options{Raw: raw})
		c.ConnectionMade()
		if _, _, err := c.Feed([]byte{0x02, 0x82, 'p', 'b'}); err != nil {
			b.Fatal(err)
		}
		return c
	}
	b.Run("tree", func(b *testing.B) {
		c := conn(false)
		var u Unjellier
		b.SetBytes(int64(len(msg)))
		measure(b, func() {
			exprs, _, _ := c.Feed(msg)
			m := exprs[0].([]any)
			if _, err := u.Unjelly(m[5]); err != nil {
				b.Fatal(err)
			}
			if _, err := u.Unjelly(m[6]); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("raw", func(b *testing.B) {
		c := conn(true)
		var u Unjellier
		b.SetBytes(int64(len(msg)))
		measure(b, func() {
			exprs, _, _ := c.Feed(msg)
			el, err := exprs[0].(banana.Raw).Elements(banana.DialectPB)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := u.UnjellyBanana(el[5].(banana.Raw), banana.DialectPB); err != nil {
				b.Fatal(err)
			}
			if _, _, err := u.UnjellyBanana(el[6].(banana.Raw), banana.DialectPB); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// TryUnjellyBanana builds what the wire decoder builds alone, exactly as UnjellyBanana
// does, and declines everything else without running anything.
func TestTryUnjellyBanana(t *testing.T) {
	calls := 0
	reg := NewRegistry()
	reg.SetUnjellyableForClass("test.Hook", UnjellyFunc(func(u *Unjellier, sexp []any) (any, error) {
		calls++
		return "hooked", nil
	}))
	pure := []any{int64(1), -1 << 50, 2.5, []byte("b"), "text", nil, true,
		[]any{int64(1), "two", []any{}}, Tuple{int64(1)}, DictOf("k", []any{int64(3)}, int64(4), nil)}
	for _, v := range pure {
		wire, err := AppendJelly(nil, v, banana.DialectPB)
		if err != nil {
			t.Fatal(err)
		}
		u := Unjellier{Registry: reg}
		got, n, ok := u.TryUnjellyBanana(append(wire, 0xff), banana.DialectPB)
		want, _, _ := u.UnjellyBanana(wire, banana.DialectPB)
		if !ok || n != len(wire) || !reflect.DeepEqual(got, want) {
			t.Errorf("%#v: got %#v, %d, %v", v, got, n, ok)
		}
		for cut := 0; cut < len(wire); cut++ {
			if _, _, ok := u.TryUnjellyBanana(wire[:cut], banana.DialectPB); ok {
				t.Errorf("%#v cut at %d: finished", v, cut)
			}
		}
	}
	for _, sexp := range []any{
		l("test.Hook", int64(1)),                      // registered: a hook would run
		l("list", int64(1), l("test.Hook", int64(1))), // ... deeper down
		l("reference", int64(1), l("list")),           // references
		l("datetime", "2020 1 1 0 0 0 0"),             // left to the tree unjellier
		l("list", l("unicode", "\xff")),               // an error
		l("dictionary", l(l("list"), int64(1))),       // another error
		l("unicode", "x", "y"),                        // odd but accepted by Unjelly: fine either way
	} {
		wire, err := banana.AppendExpr(nil, sexp, banana.DialectPB)
		if err != nil {
			t.Fatal(err)
		}
		u := Unjellier{Registry: reg}
		v, n, ok := u.TryUnjellyBanana(wire, banana.DialectPB)
		if ok {
			want, _, err := u.UnjellyBanana(wire, banana.DialectPB)
			if err != nil || n != len(wire) || !reflect.DeepEqual(v, want) {
				t.Errorf("%s: got %#v, want %#v (%v)", banana.Format(sexp), v, want, err)
			}
		}
	}
	if calls != 0 {
		t.Errorf("TryUnjellyBanana ran %d hooks", calls)
	}
}
