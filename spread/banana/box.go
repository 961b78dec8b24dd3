package banana

import "unsafe"

// Decoded values are handed out as interfaces. Boxing an int64, float64, []byte or []any
// into an interface normally costs one small allocation per value; the decoder instead
// stores the values in chunks it allocates a few hundred at a time and makes interfaces
// that point into them. The values are never modified after boxing, so this is the same
// as ordinary boxing except for the allocation count (a retained value keeps its chunk
// alive). eface mirrors the runtime's layout of an empty interface.
type eface struct {
	typ, data unsafe.Pointer
}

func typeWord(x any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&x)).typ }

var (
	int64Type   = typeWord(int64(0))
	float64Type = typeWord(float64(0))
	bytesType   = typeWord([]byte(nil))
	listType    = typeWord([]any(nil))
	rawType     = typeWord(Raw(nil))
)

func boxAt(typ, p unsafe.Pointer) (x any) {
	e := (*eface)(unsafe.Pointer(&x))
	e.typ, e.data = typ, p
	return x
}

// nextLen sizes the chunk that replaces a full one of length prev: chunks start small and
// double as they fill, so that a decoder allocates in proportion to what it receives,
// in few allocations once it receives much, and keeps little memory pinned.
func nextLen(prev int) int {
	return min(max(2*prev, 16), 512)
}

// Chunks are shared by consecutive expressions, and a value keeps its whole chunk alive,
// so what one expression's values can reach through the chunks must stay bounded.
// Pointers go only from a list to values of the same expression, and the chunks of
// numbers, floats and byte-string headers point to no list, so only the chunks of list
// headers (lists) and of list storage (items) need care:
//
//   - They are replaced together, so that an expression's neighbours in one are its
//     neighbours in the other. (Were their boundaries in different places, each chunk
//     would reach, through an expression it shares with a chunk of the other kind, the
//     chunk before, and so on back to the first expression the decoder read.)
//   - An expression that outgrows the chunks it started in goes on in chunks of its own,
//     dropped once it is complete: they point back into the shared ones and must not be
//     shared with what follows. To make that rare, an expression starts in new chunks
//     when the current ones lack the room the previous expression used.
//   - A small list's elements may be large values (a long list or string has storage and
//     a box of its own, see ownList), which a chunk would keep alive as long as any
//     expression in it, or the decoder, holds it: after an expression holding more than
//     ownedFlush bytes of such storage, the next starts in new chunks.
type boxes struct {
	ints   []int64
	floats []float64
	strs   [][]byte
	lists  [][]any
	raws   []Raw
	items  []any // storage carved into lists

	inExpr               bool // the current expression has used lists or items
	drop                 bool // do not share lists and items with the next expression
	owned                int  // bytes of storage of its own the current expression holds
	usedLists, usedItems int  // entries of lists and items the current expression used
	lastLists, lastItems int  // and the previous expression
	lastDropped          bool // the previous expression's chunks were dropped
}

const ownedFlush = 4 << 10

// Bounds on the chunks of lists and items (entries).
const (
	minLists, maxLists = 16, 512
	minItems, maxItems = 32, 1024
)

// endExpr is called when a top-level expression is complete (see boxes).
func (b *boxes) endExpr() {
	b.lastDropped = b.drop || b.owned >= ownedFlush
	if b.lastDropped {
		b.lists, b.items = nil, nil
	}
	b.lastLists, b.lastItems = b.usedLists, b.usedItems
	b.usedLists, b.usedItems, b.owned = 0, 0, 0
	b.inExpr, b.drop = false, false
}

// room makes room in lists and items for nl headers and ni elements (see boxes).
func (b *boxes) room(nl, ni int) {
	fits := cap(b.lists)-len(b.lists) >= nl && cap(b.items)-len(b.items) >= ni
	if b.inExpr {
		if fits {
			return
		}
		// Outgrown: chunks of its own, for about as much again as it has used.
		b.drop = true
		b.chunks(max(b.usedLists, nl), max(b.usedItems, ni))
		return
	}
	b.inExpr = true
	if fits && cap(b.lists)-len(b.lists) >= b.lastLists && cap(b.items)-len(b.items) >= b.lastItems {
		return
	}
	// New chunks for the expressions to come, which are expected to be like the last
	// one: 16 of them, or one if its chunks had to be dropped.
	k := 16
	if b.lastDropped {
		k = 1
	}
	b.chunks(max(k*b.lastLists, nl), max(k*b.lastItems, ni))
}

func (b *boxes) chunks(nl, ni int) {
	b.lists = make([][]any, 0, max(min(nl, maxLists), minLists, nl))
	b.items = make([]any, 0, max(min(ni, maxItems), minItems, ni))
}

// smallInts holds the values of the small integers every decoded int in their range
// points to, as the runtime does for 0..255: no allocation, and nothing for the garbage
// collector to mark. Counts, ids and enumerations fall in this range far more often
// than not.
var smallInts = func() (t [smallIntMax - smallIntMin]int64) {
	for i := range t {
		t[i] = int64(i) + smallIntMin
	}
	return t
}()

const smallIntMin, smallIntMax = -128, 1024

func isSmallInt(v int64) bool { return uint64(v-smallIntMin) < smallIntMax-smallIntMin }

// appendInt appends v to the elements of a list being decoded.
func (b *boxes) appendInt(items []any, v int64) []any {
	if n := len(items); n < cap(items) && isSmallInt(v) {
		items = items[:n+1]
		storeSmallInt(&items[n], v)
		return items
	}
	return append(items, b.int64(v))
}

// storeSmallInt stores the boxed small int v at *slot, which must be an element beyond
// the length of a list's storage. Such an element is fresh zeroed memory (itemSlice and
// append's growth both provide it, and nothing writes it before), and both words stored
// point outside the heap (a type descriptor, the static table), so the store needs no
// write barrier: there is neither an old pointer nor a new heap pointer for the
// collector to hear about.
func storeSmallInt(slot *any, v int64) {
	w := (*[2]uintptr)(unsafe.Pointer(slot))
	w[0], w[1] = uintptr(int64Type), uintptr(unsafe.Pointer(&smallInts[v-smallIntMin]))
}

// intRun decodes the run of INT and NEG tokens with values in smallInts' range at pos
// into items, up to want elements or the storage's capacity, and returns the extended
// items and where it stopped: at a list's end, at another token (a larger number
// included, which the caller boxes), or within 3 bytes of the end of the input. Lists of
// numbers spend their time here. Such a token has at most two prefix bytes, read one by
// one: on the machine measured that beats finding the type bytes a word at a time,
// whose shifts by variable amounts cost more than the well predicted branches. The
// caller checks that the prefix limit allows two bytes.
func intRun(items []any, want int, buf []byte, pos int) ([]any, int) {
	n := len(items)
	s := items[:min(want, cap(items))]
	for n < len(s) && len(buf)-pos >= 3 {
		t := buf[pos : pos+3 : pos+3]
		c, v, k := t[0], int64(0), 1
		if c < 0x80 {
			v, c, k = int64(c), t[1], 2
			if c < 0x80 {
				v, c, k = v|int64(c)<<7, t[2], 3
			}
		}
		switch c {
		case Int, LongInt:
		case Neg, LongNeg:
			v = -v
		default: // another token, or a longer prefix
			return s[:n], pos
		}
		if !isSmallInt(v) {
			return s[:n], pos
		}
		storeSmallInt(&s[n], v)
		n++
		pos += k
	}
	return s[:n], pos
}

func (b *boxes) raw(v Raw) any {
	if len(b.raws) == cap(b.raws) {
		b.raws = make([]Raw, 0, nextLen(cap(b.raws)))
	}
	b.raws = append(b.raws, v)
	return boxAt(rawType, unsafe.Pointer(&b.raws[len(b.raws)-1]))
}

func (b *boxes) int64(v int64) any {
	if isSmallInt(v) {
		return boxAt(int64Type, unsafe.Pointer(&smallInts[v-smallIntMin]))
	}
	if len(b.ints) == cap(b.ints) {
		b.ints = make([]int64, 0, nextLen(cap(b.ints)))
	}
	b.ints = append(b.ints, v)
	return boxAt(int64Type, unsafe.Pointer(&b.ints[len(b.ints)-1]))
}

func (b *boxes) float64(v float64) any {
	if len(b.floats) == cap(b.floats) {
		b.floats = make([]float64, 0, nextLen(cap(b.floats)))
	}
	b.floats = append(b.floats, v)
	return boxAt(float64Type, unsafe.Pointer(&b.floats[len(b.floats)-1]))
}

// A value whose storage is an allocation of its own (a list of more than 64 elements, a
// string of 512 bytes or more) is boxed on its own too: in a chunk its header would keep
// it alive as long as the chunk is, long after the caller has dropped it, and boxing
// costs little beside such storage.
const ownList, ownBytes = 64, 512

func (b *boxes) bytes(v []byte) any {
	if len(v) >= ownBytes {
		b.owned += len(v)
		return v
	}
	if len(b.strs) == cap(b.strs) {
		b.strs = make([][]byte, 0, nextLen(cap(b.strs)))
	}
	b.strs = append(b.strs, v)
	return boxAt(bytesType, unsafe.Pointer(&b.strs[len(b.strs)-1]))
}

func (b *boxes) list(v []any) any {
	if v == nil {
		return v
	}
	if cap(v) > ownList {
		b.owned += cap(v) * 16
		return v
	}
	if !b.inExpr || len(b.lists) == cap(b.lists) {
		b.room(1, 0)
	}
	b.usedLists++
	b.lists = append(b.lists, v)
	return boxAt(listType, unsafe.Pointer(&b.lists[len(b.lists)-1]))
}

// itemSlice returns empty storage for a list of up to c elements (capacity exactly c, so
// appending beyond it moves the list out of the shared chunk).
func (b *boxes) itemSlice(c int) []any {
	if c > ownList {
		return make([]any, 0, c)
	}
	if !b.inExpr || cap(b.items)-len(b.items) < c {
		b.room(0, c)
	}
	b.usedItems += c
	n := len(b.items)
	b.items = b.items[:n+c]
	return b.items[n : n : n+c]
}
