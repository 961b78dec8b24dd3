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

	renewed bool // the lists or items chunk was replaced during the current session
	owned   int  // bytes of storage of its own the current session's values hold
}

// ownedFlush: see endSession.
const ownedFlush = 4 << 10

// endSession is called between sessions. Chunks are shared by consecutive sessions, and
// a value keeps its whole chunk alive, so what one result can reach through its chunks
// must stay bounded. A session whose lists filled a chunk of list headers or of list
// storage and went on in a new one links the new chunk to the old, whose other entries
// belong to earlier sessions: sessions doing the same in turn would chain every result
// to the one before and keep them all alive while any is. And a small list in a shared
// chunk may hold a large value (a long list or text, boxed on its own, see ownList; a
// dictionary), which the chunk would keep alive as long as any later result boxed in
// it, or the unjellier, holds it. So after a session that renewed either chunk, or whose
// values hold more than ownedFlush bytes of storage of their own, the next session
// starts both chunks afresh. (Numbers, text and byte strings point to no chunk of lists
// and to no large value, so their chunks need no such care.)
func (b *ubox) endSession() {
	if b.renewed || b.owned >= ownedFlush {
		b.lists, b.items, b.renewed = nil, nil, false
	}
	b.owned = 0
}

// uboxChunk is the length of the chunks of headers. Those of text and byte strings are
// longer: they point only into the chunks of bytes, and a message's text is often many
// short strings (a dictionary's keys).
const uboxChunk, uboxTextChunk = 64, 256

// A value whose storage is an allocation of its own (a list of more than 32 elements, a
// string of more than 1024 bytes) is boxed on its own too: in a chunk its header would
// keep it alive as long as the chunk is, long after the caller has dropped it, and
// boxing costs little beside such storage.
const ownList, ownBytes = 32, 1024

func (b *ubox) list(typ unsafe.Pointer, v []any) any {
	if cap(v) > ownList {
		b.owned += cap(v) * 16
		h := new([]any)
		*h = v
		return boxAt(typ, unsafe.Pointer(h))
	}
	if len(b.lists) == cap(b.lists) {
		b.renewed = b.renewed || b.lists != nil
		b.lists = make([][]any, 0, uboxChunk)
	}
	b.lists = append(b.lists, v)
	return boxAt(typ, unsafe.Pointer(&b.lists[len(b.lists)-1]))
}

// slice returns storage for n elements (capacity n+extra).
func (b *ubox) slice(n, c int) []any {
	if c > ownList {
		return make([]any, n, c)
	}
	if cap(b.items)-len(b.items) < c {
		b.renewed = b.renewed || b.items != nil
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
	if len(s) > ownBytes {
		b.owned += len(s)
		return string(s)
	}
	if cap(b.text)-len(b.text) < len(s) {
		b.text = make([]byte, 0, 4096)
	}
	k := len(b.text)
	b.text = append(b.text, s...)
	str := unsafe.String(&b.text[k], len(s))
	if len(b.strs) == cap(b.strs) {
		b.strs = make([]string, 0, uboxTextChunk)
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
	case len(s) > ownBytes:
		b.owned += len(s)
		return append([]byte(nil), s...)
	default:
		if cap(b.raw)-len(b.raw) < len(s) {
			b.raw = make([]byte, 0, 4096)
		}
		k := len(b.raw)
		b.raw = append(b.raw, s...)
		c = b.raw[k : k+len(s) : k+len(s)]
	}
	if len(b.bhdrs) == cap(b.bhdrs) {
		b.bhdrs = make([][]byte, 0, uboxTextChunk)
	}
	b.bhdrs = append(b.bhdrs, c)
	return boxAt(bytesTypeW, unsafe.Pointer(&b.bhdrs[len(b.bhdrs)-1]))
}
