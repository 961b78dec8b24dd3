package jelly

import "unsafe"

// Unjellied values are handed out as interfaces. Boxing a slice or string header costs an
// allocation per value; the unjellier stores headers (and the bytes of text) in chunks and
// makes interfaces that point into them, exactly as ordinary boxing would but with a few
// allocations per message instead of one per value. Nothing boxed is ever modified
// afterwards. eface mirrors the runtime's layout of an empty interface.
type eface struct {
	typ, data unsafe.Pointer
}

func typeWord(x any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&x)).typ }

var (
	int64TypeW   = typeWord(int64(0))
	float64TypeW = typeWord(float64(0))
	bytesTypeW   = typeWord([]byte(nil))
	listTypeW    = typeWord([]any(nil))
	tupleTypeW   = typeWord(Tuple(nil))
	stringTypeW  = typeWord("")
)

func boxAt(typ, p unsafe.Pointer) (x any) {
	e := (*eface)(unsafe.Pointer(&x))
	e.typ, e.data = typ, p
	return x
}

type ubox struct {
	ints   []int64
	floats []float64
	bhdrs  [][]byte
	raw    []byte // storage for byte strings copied out of the wire
	lists  [][]any
	strs   []string
	text   []byte // storage for the bytes of unjellied strings
	items  []any  // storage carved into small lists
}

const uboxChunk = 64

func (b *ubox) list(typ unsafe.Pointer, v []any) any {
	if len(b.lists) == cap(b.lists) {
		b.lists = make([][]any, 0, uboxChunk)
	}
	b.lists = append(b.lists, v)
	return boxAt(typ, unsafe.Pointer(&b.lists[len(b.lists)-1]))
}

// slice returns storage for n elements (capacity n+extra).
func (b *ubox) slice(n, c int) []any {
	if c > 32 {
		return make([]any, n, c)
	}
	if cap(b.items)-len(b.items) < c {
		b.items = make([]any, 0, 256)
	}
	k := len(b.items)
	b.items = b.items[:k+c]
	return b.items[k : k+n : k+c]
}

// text returns the bytes as an immutable string without a copy of its own.
func (b *ubox) string(s []byte) any {
	if len(s) == 0 {
		return ""
	}
	var str string
	if len(s) > 1024 {
		str = string(s)
	} else {
		if cap(b.text)-len(b.text) < len(s) {
			b.text = make([]byte, 0, 4096)
		}
		k := len(b.text)
		b.text = append(b.text, s...)
		str = unsafe.String(&b.text[k], len(s))
	}
	if len(b.strs) == cap(b.strs) {
		b.strs = make([]string, 0, uboxChunk)
	}
	b.strs = append(b.strs, str)
	return boxAt(stringTypeW, unsafe.Pointer(&b.strs[len(b.strs)-1]))
}

// smallInts holds the values of the small integers every unjellied int in their range
// points to, as the runtime does for 0..255: no allocation, and nothing for the garbage
// collector to mark. Counts, indices, ids and enumerations fall in this range far more
// often than not.
var smallInts = func() (t [smallIntMax - smallIntMin]int64) {
	for i := range t {
		t[i] = int64(i) + smallIntMin
	}
	return t
}()

const smallIntMin, smallIntMax = -128, 1024

func (b *ubox) int64(v int64) any {
	if uint64(v-smallIntMin) < smallIntMax-smallIntMin {
		return boxAt(int64TypeW, unsafe.Pointer(&smallInts[v-smallIntMin]))
	}
	return b.bigInt64(v)
}

// bigInt64 boxes the other values into chunks. (Kept out of line so that int64 itself
// is inlined into the decoding loops.)
//
//go:noinline
func (b *ubox) bigInt64(v int64) any {
	if len(b.ints) == cap(b.ints) {
		b.ints = make([]int64, 0, 256)
	}
	b.ints = append(b.ints, v)
	return boxAt(int64TypeW, unsafe.Pointer(&b.ints[len(b.ints)-1]))
}

func (b *ubox) float64(v float64) any {
	if len(b.floats) == cap(b.floats) {
		b.floats = make([]float64, 0, uboxChunk)
	}
	b.floats = append(b.floats, v)
	return boxAt(float64TypeW, unsafe.Pointer(&b.floats[len(b.floats)-1]))
}

// bytes copies s (which aliases the caller's input) and boxes the copy.
func (b *ubox) bytes(s []byte) any {
	var c []byte
	switch {
	case len(s) == 0:
		c = []byte{}
	case len(s) > 1024:
		c = append([]byte(nil), s...)
	default:
		if cap(b.raw)-len(b.raw) < len(s) {
			b.raw = make([]byte, 0, 4096)
		}
		k := len(b.raw)
		b.raw = append(b.raw, s...)
		c = b.raw[k : k+len(s) : k+len(s)]
	}
	if len(b.bhdrs) == cap(b.bhdrs) {
		b.bhdrs = make([][]byte, 0, uboxChunk)
	}
	b.bhdrs = append(b.bhdrs, c)
	return boxAt(bytesTypeW, unsafe.Pointer(&b.bhdrs[len(b.bhdrs)-1]))
}
