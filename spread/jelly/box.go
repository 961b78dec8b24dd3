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
	listTypeW   = typeWord([]any(nil))
	tupleTypeW  = typeWord(Tuple(nil))
	stringTypeW = typeWord("")
)

func boxAt(typ, p unsafe.Pointer) (x any) {
	e := (*eface)(unsafe.Pointer(&x))
	e.typ, e.data = typ, p
	return x
}

type ubox struct {
	lists [][]any
	strs  []string
	text  []byte // storage for the bytes of unjellied strings
	items []any  // storage carved into small lists
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
