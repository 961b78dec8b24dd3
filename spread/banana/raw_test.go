package banana

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// feedAll feeds data in chunks of size n (0: all at once) and collects the expressions.
func feedAll(d *Decoder, data []byte, n int) ([]any, error) {
	if n <= 0 {
		n = len(data) + 1
	}
	var got []any
	var err error
	for i := 0; i < len(data) && err == nil; i += n {
		got, err = d.Feed(data[i:min(i+n, len(data))], got)
	}
	return got, err
}

// Raw mode sees the same expressions and the same errors as tree mode, in any split.
func TestRawMatchesTree(t *testing.T) {
	for _, tt := range wireTests {
		for _, chunk := range []int{0, 1, 3} {
			tree := Decoder{Dialect: tt.dialect}
			want, werr := feedAll(&tree, tt.in, chunk)
			raw := Decoder{Dialect: tt.dialect, Raw: true}
			got, gerr := feedAll(&raw, tt.in, chunk)
			if (werr == nil) != (gerr == nil) || (werr != nil && !errors.Is(gerr, errors.Unwrap(werr))) {
				t.Fatalf("%s/%d: tree error %v, raw error %v", tt.name, chunk, werr, gerr)
			}
			if len(got) != len(want) {
				t.Fatalf("%s/%d: %d raw expressions, %d trees", tt.name, chunk, len(got), len(want))
			}
			for i := range got {
				x, err := got[i].(Raw).Decode(tt.dialect)
				if err != nil || !reflect.DeepEqual(x, want[i]) {
					t.Errorf("%s/%d: raw %d decodes to %#v (%v), tree %#v", tt.name, chunk, i, x, err, want[i])
				}
			}
			if werr == nil && (raw.Buffered() > 0) != (tree.Buffered() > 0 || tree.Depth() > 0) {
				t.Errorf("%s/%d: raw buffered %d, tree %d/%d", tt.name, chunk, raw.Buffered(), tree.Buffered(), tree.Depth())
			}
		}
	}
}

func TestRawElements(t *testing.T) {
	msg := []any{[]byte("message"), int64(7), []byte("root"), []byte("echo"), int64(1),
		[]any{[]byte("tuple"), int64(1), []any{[]byte("unicode"), []byte("x")}}, []any{[]byte("dictionary")}, 2.5, int64(-1 << 40)}
	wire, _ := AppendExpr(nil, msg, DialectPB)
	d := Decoder{Dialect: DialectPB, Raw: true}
	exprs, err := d.Feed(wire, nil)
	if err != nil || len(exprs) != 1 || !bytes.Equal(exprs[0].(Raw), wire) {
		t.Fatalf("%v %v", exprs, err)
	}
	el, err := exprs[0].(Raw).Elements(DialectPB)
	if err != nil || len(el) != len(msg) {
		t.Fatalf("%v %v", el, err)
	}
	for i, e := range el {
		if r, ok := e.(Raw); ok {
			x, err := r.Decode(DialectPB)
			if err != nil || !reflect.DeepEqual(x, msg[i]) {
				t.Errorf("element %d: %#v %v", i, x, err)
			}
			continue
		}
		if !reflect.DeepEqual(e, msg[i]) {
			t.Errorf("element %d: %#v, want %#v", i, e, msg[i])
		}
	}
	if _, err := Raw([]byte{1, Int}).Elements(DialectPB); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("atom: %v", err)
	}
	if _, err := Raw([]byte{2, List, 1, Int}).Elements(DialectPB); !errors.Is(err, ErrIncomplete) {
		t.Errorf("truncated: %v", err)
	}
	if _, err := Raw([]byte{1, List, 1, Vocab}).Elements(DialectNone); !errors.Is(err, ErrVocabNotAllowed) {
		t.Errorf("vocab in none: %v", err)
	}
}

// A Conn with Options.Raw negotiates with trees and then hands out Raw expressions, even
// for expressions that arrive in the same read as the negotiation.
func TestConnRaw(t *testing.T) {
	client := NewConn(true, Options{Raw: true})
	version := []byte{0x02, 0x80, 0x13, 0x87, 0x06, 0x81}
	in := append(NewConn(false, Options{}).ConnectionMade(), version...)
	exprs, choice, err := client.Feed(in)
	if err != nil || len(choice) == 0 || len(exprs) != 1 {
		t.Fatalf("%v %x %v", exprs, choice, err)
	}
	if r, ok := exprs[0].(Raw); !ok || !bytes.Equal(r, version) {
		t.Fatalf("got %#v", exprs[0])
	}
	for i := range version { // and byte by byte afterwards
		exprs, _, err = client.Feed(version[i : i+1])
		if err != nil || (i < len(version)-1) != (len(exprs) == 0) {
			t.Fatalf("byte %d: %v %v", i, exprs, err)
		}
	}
	if !bytes.Equal(exprs[0].(Raw), version) {
		t.Errorf("got % x", exprs[0])
	}
	allocs := testing.AllocsPerRun(1000, func() { _, _, _ = client.Feed(version) })
	if allocs > 0.5 {
		t.Errorf("%.2f allocations per raw message", allocs)
	}
}

// With RawAliases an expression that lies whole in one Feed's data aliases it; one that
// arrived in pieces aliases the decoder's own buffer, and the tail of that read moves to
// the decoder's other buffer, so it cannot touch the expressions handed out.
func TestRawAliases(t *testing.T) {
	a, _ := AppendExpr(nil, []any{int64(1), []byte("one")}, DialectPB)
	b, _ := AppendExpr(nil, []any{int64(2), []byte("two")}, DialectPB)
	c, _ := AppendExpr(nil, []any{int64(3), []byte("three")}, DialectPB)
	d := Decoder{Dialect: DialectPB, Raw: true, RawAliases: true}

	// a whole, then the first half of b.
	in := append(append([]byte(nil), a...), b[:4]...)
	exprs, err := d.Feed(in, nil)
	if err != nil || len(exprs) != 1 || !bytes.Equal(exprs[0].(Raw), a) {
		t.Fatalf("%v %v", exprs, err)
	}
	if r := exprs[0].(Raw); &r[0] != &in[0] || cap(r) != len(a) {
		t.Errorf("a whole expression was copied (or its capacity reaches past it)")
	}
	// The rest of b (completed in the decoder's buffer), then c, then a byte of the next
	// expression, kept for the next Feed.
	in2 := append(append(append([]byte(nil), b[4:]...), c...), a[0])
	exprs, err = d.Feed(in2, nil)
	if err != nil || len(exprs) != 2 {
		t.Fatalf("%v %v", exprs, err)
	}
	// The buffer b and c were completed in is now the spare one.
	if r := exprs[0].(Raw); &r[0] != &d.spare[:1][0] {
		t.Errorf("an expression completed in the decoder's buffer was copied")
	}
	if &d.pending[:1][0] == &d.spare[:1][0] {
		t.Errorf("the tail was kept in the buffer the expressions alias")
	}
	if !bytes.Equal(exprs[0].(Raw), b) || !bytes.Equal(exprs[1].(Raw), c) {
		t.Errorf("got % x and % x", exprs[0], exprs[1])
	}
	if d.Buffered() != 1 {
		t.Errorf("%d bytes buffered, want 1", d.Buffered())
	}
	exprs, err = d.Feed(a[1:], nil)
	if err != nil || len(exprs) != 1 || !bytes.Equal(exprs[0].(Raw), a) {
		t.Fatalf("%v %v", exprs, err)
	}
	// Without RawAliases nothing aliases the input.
	d = Decoder{Dialect: DialectPB, Raw: true}
	exprs, _ = d.Feed(in, nil)
	if r := exprs[0].(Raw); &r[0] == &in[0] {
		t.Errorf("aliased without RawAliases")
	}
}
