package jelly

import (
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
