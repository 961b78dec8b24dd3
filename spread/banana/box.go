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

// chunkLen sizes a new chunk: enough for the tokens the remaining input can hold, within
// bounds that keep both the allocation count and the pinned memory small.
func chunkLen(remaining int) int {
	return min(max(remaining/2, 16), 512)
}

type boxes struct {
	ints   []int64
	floats []float64
	strs   [][]byte
	lists  [][]any
	raws   []Raw
	items  []any // storage carved into lists
}

func (b *boxes) raw(v Raw, remaining int) any {
	if len(b.raws) == cap(b.raws) {
		b.raws = make([]Raw, 0, chunkLen(remaining))
	}
	b.raws = append(b.raws, v)
	return boxAt(rawType, unsafe.Pointer(&b.raws[len(b.raws)-1]))
}

func (b *boxes) int64(v int64, remaining int) any {
	if uint64(v) < 256 {
		return v // the runtime boxes small values without allocating
	}
	if len(b.ints) == cap(b.ints) {
		b.ints = make([]int64, 0, chunkLen(remaining))
	}
	b.ints = append(b.ints, v)
	return boxAt(int64Type, unsafe.Pointer(&b.ints[len(b.ints)-1]))
}

func (b *boxes) float64(v float64, remaining int) any {
	if len(b.floats) == cap(b.floats) {
		b.floats = make([]float64, 0, chunkLen(remaining))
	}
	b.floats = append(b.floats, v)
	return boxAt(float64Type, unsafe.Pointer(&b.floats[len(b.floats)-1]))
}

func (b *boxes) bytes(v []byte, remaining int) any {
	if len(b.strs) == cap(b.strs) {
		b.strs = make([][]byte, 0, chunkLen(remaining))
	}
	b.strs = append(b.strs, v)
	return boxAt(bytesType, unsafe.Pointer(&b.strs[len(b.strs)-1]))
}

func (b *boxes) list(v []any, remaining int) any {
	if v == nil {
		return v
	}
	if len(b.lists) == cap(b.lists) {
		b.lists = make([][]any, 0, chunkLen(remaining))
	}
	b.lists = append(b.lists, v)
	return boxAt(listType, unsafe.Pointer(&b.lists[len(b.lists)-1]))
}

// itemSlice returns empty storage for a list of up to c elements (capacity exactly c, so
// appending beyond it moves the list out of the shared chunk).
func (b *boxes) itemSlice(c, remaining int) []any {
	if c > 64 {
		return make([]any, 0, c)
	}
	if cap(b.items)-len(b.items) < c {
		b.items = make([]any, 0, max(c, min(max(remaining/2, 32), 1024)))
	}
	n := len(b.items)
	b.items = b.items[:n+c]
	return b.items[n : n : n+c]
}
