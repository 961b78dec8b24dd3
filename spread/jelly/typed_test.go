package jelly

import (
	"math"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/gotwisted/twisted/spread/banana"
)

type (
	myInt   int16
	myBytes []byte
	myStrs  []string
	myAnys  []any
)

// typedTypes are destination types for the differential tests of TryUnjellyBananaSeq.
var typedTypes = []reflect.Type{
	reflect.TypeFor[int](), reflect.TypeFor[int8](), reflect.TypeFor[int16](), reflect.TypeFor[int32](),
	reflect.TypeFor[int64](), reflect.TypeFor[uint](), reflect.TypeFor[uint8](), reflect.TypeFor[uint32](),
	reflect.TypeFor[uint64](), reflect.TypeFor[float32](), reflect.TypeFor[float64](), reflect.TypeFor[bool](),
	reflect.TypeFor[string](), reflect.TypeFor[[]byte](), reflect.TypeFor[myInt](), reflect.TypeFor[myBytes](),
	reflect.TypeFor[myStrs](), reflect.TypeFor[[]int64](), reflect.TypeFor[[]int](), reflect.TypeFor[[]string](),
	reflect.TypeFor[[]any](), reflect.TypeFor[[][]int](), reflect.TypeFor[[]uint8](), reflect.TypeFor[map[string]int](),
	reflect.TypeFor[map[string]any](), reflect.TypeFor[map[int]string](), reflect.TypeFor[map[string][]int](),
	reflect.TypeFor[map[float64]bool](), reflect.TypeFor[*int](), reflect.TypeFor[*[]int](), reflect.TypeFor[any](),
	reflect.TypeFor[Tuple](), reflect.TypeFor[time.Duration](), reflect.TypeFor[*string](), reflect.TypeFor[[]*int](),
	reflect.TypeFor[[2]int64](), reflect.TypeFor[[1]string](), reflect.TypeFor[[0]int](), reflect.TypeFor[[2][]int](),
	reflect.TypeFor[myAnys](), reflect.TypeFor[[][]any](),
}

// checkTyped decodes the one-element tuple in wire into type t both ways, and fails the
// test if the typed decoder answers differently from UnjellyBanana + ConvertTo. It
// reports whether the typed decoder answered.
func checkTyped(t *testing.T, wire []byte, typ reflect.Type, what string) bool {
	t.Helper()
	var u Unjellier
	dst := reflect.New(typ).Elem()
	n, ok := u.TryUnjellyBananaSeq(wire, banana.DialectPB, []reflect.Value{dst})
	if !ok {
		return false
	}
	var w Unjellier
	v, m, err := w.UnjellyBanana(wire, banana.DialectPB)
	if err != nil {
		t.Fatalf("%s as %v: typed decoding succeeded, UnjellyBanana failed: %v", what, typ, err)
	}
	want, err := ConvertTo(v.(Tuple)[0], typ)
	if err != nil {
		t.Fatalf("%s as %v: typed decoding gave %#v, Convert failed: %v", what, typ, dst.Interface(), err)
	}
	if n != m || !reflect.DeepEqual(dst.Interface(), want.Interface()) {
		t.Fatalf("%s as %v: typed decoding gave %#v (%d bytes), Convert %#v (%d bytes)",
			what, typ, dst.Interface(), n, want.Interface(), m)
	}
	return true
}

func TestTryUnjellyBananaSeqMatchesConvert(t *testing.T) {
	values := []any{
		int64(0), int64(127), int64(128), int64(-1), int64(255), int64(256), int64(-129), int64(1 << 31),
		int64(1 << 40), int64(math.MaxInt64), int64(math.MinInt64), new(big.Int).Lsh(big.NewInt(1), 70),
		1.5, -0.0, math.Inf(1), "", "text", "copy", "h\u00e9llo", []byte("bytes"), []byte("remote"),
		[]byte{}, true, false, nil, []any{}, []any{int64(1), int64(2)}, []int64{1, 1000, -5, 1 << 40},
		[]any{int64(1), "two"}, []any{"a", "b"}, []any{"solo"}, []any{[]any{int64(1)}, []any{}}, Tuple{int64(1)},
		Set{int64(1)}, []any{nil, int64(1)}, []any{1.5, int64(2)}, DictOf("a", 1, "b", 2),
		DictOf(1, "one", 2, "two"), DictOf("a", []any{int64(1)}), DictOf(1.5, true, int64(2), false),
		DictOf("a", 1, []byte("a"), 2), NewDict(0), DictOf("k", nil), []any{int64(300), nil},
		time.Duration(0), TimeDelta{Days: 1},
	}
	answered := map[string]bool{}
	for _, v := range values {
		wire, err := AppendJelly(nil, Tuple{v}, banana.DialectPB)
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range typedTypes {
			if checkTyped(t, wire, typ, pyRepr(v)) {
				answered[typ.String()] = true
			}
		}
	}
	// Shapes jelly never writes itself: a repeated key, a pair header in another form.
	for _, sexp := range []any{
		l("tuple", l("dictionary", l(l("unicode", "a"), int64(1)), l(l("unicode", "a"), int64(2)))),
		l("tuple", l("dictionary", l(l("unicode", "a"), int64(1)), l("a", int64(2)), l(l("unicode", "a"), int64(3)))),
		l("tuple", l("list", int64(1), l("reference", int64(1), l("list")))),
		l("tuple", l("None", int64(1))),
		l("tuple", l("unicode", "x", "extra")),
		l("tuple", l("boolean", "maybe")),
		l("tuple", l("unicode", "\xff")),
	} {
		wire, err := banana.AppendExpr(nil, sexp, banana.DialectPB)
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range typedTypes {
			checkTyped(t, wire, typ, banana.Format(sexp))
		}
	}
	for _, name := range []string{"int", "int64", "uint8", "float64", "bool", "string", "[]uint8", "[]int64",
		"[]int", "[]string", "[]interface {}", "map[string]int", "map[string]interface {}", "*int", "interface {}",
		"time.Duration", "jelly.myStrs", "[2]int64", "[1]string", "[0]int", "jelly.myAnys", "[][]interface {}"} {
		if !answered[name] {
			t.Errorf("the typed decoder never answered for %s", name)
		}
	}
}

func TestTryUnjellyBananaSeqShapes(t *testing.T) {
	wire, _ := AppendJelly(nil, Tuple{int64(5), "x"}, banana.DialectPB)
	var u Unjellier
	a, s := reflect.New(reflect.TypeFor[int]()).Elem(), reflect.New(reflect.TypeFor[string]()).Elem()
	if n, ok := u.TryUnjellyBananaSeq(wire, banana.DialectPB, []reflect.Value{a, s}); !ok || n != len(wire) ||
		a.Int() != 5 || s.String() != "x" {
		t.Errorf("got %v %q (%d, %v)", a, s, n, ok)
	}
	if _, ok := u.TryUnjellyBananaSeq(wire, banana.DialectPB, []reflect.Value{a}); ok {
		t.Errorf("two elements into one destination")
	}
	if _, ok := u.TryUnjellyBananaSeq(wire[:len(wire)-1], banana.DialectPB, []reflect.Value{a, s}); ok {
		t.Errorf("a truncated tuple")
	}
	c := reflect.New(reflect.TypeFor[chan int]()).Elem()
	if HasPlan(c.Type()) {
		t.Errorf("a plan for chan int")
	}
	if _, ok := u.TryUnjellyBananaSeq(wire, banana.DialectPB, []reflect.Value{a, c}); ok {
		t.Errorf("a destination without a plan")
	}
	// Limits and depth are the wire decoder's.
	deep := l("tuple", nest(DefaultMaxDepth, int64(1)))
	w, _ := banana.AppendExpr(nil, deep, banana.DialectPB)
	x := reflect.New(reflect.TypeFor[any]()).Elem()
	if _, ok := u.TryUnjellyBananaSeq(w, banana.DialectPB, []reflect.Value{x}); ok {
		t.Errorf("nested beyond MaxDepth")
	}
	u.SizeLimit = 3
	big, _ := AppendJelly(nil, Tuple{[]int64{1, 2, 3, 4}}, banana.DialectPB)
	ints := reflect.New(reflect.TypeFor[[]int64]()).Elem()
	if _, ok := u.TryUnjellyBananaSeq(big, banana.DialectPB, []reflect.Value{ints}); ok {
		t.Errorf("a list over the size limit")
	}
}
