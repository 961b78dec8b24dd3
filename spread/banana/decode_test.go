package banana

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"math/rand"
	"testing"
)

// randExpr builds a random expression weighted towards what the decoder's fast paths
// take: runs of numbers of every prefix length and sign, nested pairs, short strings,
// vocabulary words; with floats and integers beyond int64 among them.
func randExpr(r *rand.Rand, depth int) any {
	switch k := r.Intn(20); {
	case k < 5 && depth < 5:
		n := r.Intn(8)
		if depth == 0 && r.Intn(4) == 0 {
			n = r.Intn(300)
		}
		l := make([]any, n)
		for i := range l {
			l[i] = randExpr(r, depth+1)
		}
		if n == 0 {
			return []any(nil)
		}
		return l
	case k < 12:
		return randInt(r)
	case k < 14:
		b := make([]byte, r.Intn(20))
		if r.Intn(10) == 0 {
			b = make([]byte, 400+r.Intn(400)) // on both sides of the decoder's own-copy size
		}
		r.Read(b)
		return b
	case k < 16:
		return []byte(Vocabulary[1+r.Intn(len(Vocabulary)-1)])
	case k < 17:
		return r.NormFloat64() * 1e6
	case k < 18:
		z := new(big.Int).Lsh(big.NewInt(1), uint(63+r.Intn(300)))
		z.Add(z, big.NewInt(r.Int63()))
		if r.Intn(2) == 0 {
			z.Neg(z)
		}
		return z
	default:
		return []any{[]byte("unicode"), []byte("key")}
	}
}

func randInt(r *rand.Rand) int64 {
	var v int64
	switch r.Intn(6) {
	case 0:
		v = int64(r.Intn(128))
	case 1:
		v = int64(r.Intn(2048)) - 1024 // around the static table's edges
	case 2:
		v = int64(r.Intn(1 << 14))
	case 3:
		v = r.Int63n(1 << uint(7*(1+r.Intn(7)))) // every prefix length up to 7 bytes
	case 4:
		v = r.Int63()
	default:
		return [...]int64{math.MinInt64, math.MaxInt64, -1024, 1023, 1024, -128, -129, 0}[r.Intn(8)]
	}
	if r.Intn(3) == 0 {
		v = -v
	}
	return v
}

// checkAgainstReference feeds in to the decoder and to refDecoder, whole and split at
// every point in splits, and fails unless both give the same expressions and the same
// kind of error. It also checks that the byte strings decoded are the caller's own:
// writing into every one changes no other and not the input.
func checkAgainstReference(t *testing.T, in []byte, sizeLimit, prefixLimit int, splits []int) error {
	t.Helper()
	ref := refDecoder{Dialect: DialectPB, SizeLimit: sizeLimit, PrefixLimit: prefixLimit}
	want, werr := ref.Feed(in, nil)
	for _, at := range splits {
		d := Decoder{Dialect: DialectPB, SizeLimit: sizeLimit, PrefixLimit: prefixLimit}
		got, err := d.Feed(in[:at], nil)
		if err == nil {
			got, err = d.Feed(in[at:], got)
		}
		if (err == nil) != (werr == nil) || (err != nil && !errors.Is(err, errors.Unwrap(werr))) {
			t.Fatalf("split at %d of % x: error %v, reference %v", at, in, err, werr)
		}
		if !sameExpr(got, want) {
			t.Fatalf("split at %d of % x:\n got %s\nwant %s", at, in, Format(got), Format(want))
		}
		saved := append([]byte(nil), in...)
		gotStrs, wantStrs := byteStrings(got, nil), byteStrings(want, nil)
		for _, b := range gotStrs {
			for j := range b {
				b[j] ^= 0xff
			}
		}
		for i, b := range gotStrs {
			for j := range b {
				if b[j] != ^wantStrs[i][j] { // flipped twice: it shares storage with another
					t.Fatalf("split at %d of % x: byte string %d shares storage", at, in, i)
				}
			}
		}
		if !bytes.Equal(in, saved) {
			t.Fatal("a decoded byte string aliases the input")
		}
	}
	return werr
}

// byteStrings appends the byte strings of x, depth first.
func byteStrings(x any, out [][]byte) [][]byte {
	switch v := x.(type) {
	case []any:
		for _, e := range v {
			out = byteStrings(e, out)
		}
	case []byte:
		out = append(out, v)
	}
	return out
}

// The decoder (word-at-a-time headers, runs of numbers, static small ints, shared
// chunks) decodes exactly as the plain reference decoder does, on random expressions
// split at every point, whole, and with the limits tightened below what they hold.
func TestFeedMatchesReference(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	failed := map[error]int{}
	n := 400
	if testing.Short() {
		n = 100
	}
	for i := 0; i < n; i++ {
		x := []any{randExpr(r, 0), randInt(r)}
		if r.Intn(3) == 0 {
			l := make([]any, 1+r.Intn(200))
			for j := range l {
				l[j] = randInt(r)
			}
			x = append(x, l)
		}
		in, err := AppendExpr(nil, x, DialectPB)
		if err != nil {
			t.Fatal(err)
		}
		if r.Intn(4) == 0 { // several expressions in one input
			in = append(in, in[:len(in)/2+1]...)
		}
		if r.Intn(4) == 0 { // damage: a truncated, corrupted or limited input
			in = append([]byte(nil), in...)
			in[r.Intn(len(in))] = byte(r.Intn(256))
		}
		var splits []int
		if len(in) <= 600 {
			for at := 0; at <= len(in); at++ {
				splits = append(splits, at)
			}
		} else {
			for k := 0; k < 40; k++ {
				splits = append(splits, r.Intn(len(in)+1))
			}
		}
		if err := checkAgainstReference(t, in, 0, 0, splits); err != nil {
			failed[errors.Unwrap(err)]++
		}
		limits := [][2]int{{100, 64}, {10, 3}, {1000, 7}, {1000, 8}, {5, 1}}
		l := limits[r.Intn(len(limits))]
		if err := checkAgainstReference(t, in, l[0], l[1], splits[:min(len(splits), 20)]); err != nil {
			failed[errors.Unwrap(err)]++
		}
	}
	// The inputs reach the errors too.
	for _, kind := range []error{ErrPrefixTooLong, ErrListTooLong, ErrStringTooLong, ErrInvalidTypeByte, ErrUnknownVocab} {
		if failed[kind] == 0 {
			t.Errorf("no input failed with %v", kind)
		}
	}
}

// Byte at a time, the decoder agrees with the reference on every expression above.
func TestFeedBytewiseMatchesReference(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 100; i++ {
		in, err := AppendExpr(nil, []any{randExpr(r, 0), randExpr(r, 0)}, DialectPB)
		if err != nil {
			t.Fatal(err)
		}
		ref := refDecoder{Dialect: DialectPB}
		want, werr := ref.Feed(in, nil)
		d := Decoder{Dialect: DialectPB}
		var got []any
		for j := range in {
			if got, err = d.Feed(in[j:j+1], got); err != nil {
				break
			}
		}
		if (err == nil) != (werr == nil) || !sameExpr(got, want) {
			t.Fatalf("% x: bytewise %s (%v), reference %s (%v)", in, Format(got), err, Format(want), werr)
		}
	}
}
