package jelly

import (
	"encoding/binary"
	"math"
	"math/bits"
	"reflect"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/gotwisted/twisted/spread/banana"
)

// Decoding straight into Go types.
//
// A receiver that knows the Go types it wants (PB, calling a method whose parameters are
// []int64 or map[string]int) need not build the jelly values first and convert them
// after: a plan per Go type reads the banana bytes and stores into the destination
// directly. Plans cover the types whose conversion from the common nodes is plain: the
// numeric, boolean and string kinds, []byte, slices (from lists and tuples), maps (from
// dictionaries), pointers to those, and any (which takes what TryUnjellyBanana builds).
// Like TryUnjellyBanana, a plan gives up, having run nothing, on anything else; the
// caller then unjellies and converts as before, so the result never depends on the path.

// planFunc decodes the expression at pos into the value of the plan's type at dst.
type planFunc func(p *wireParser, pos int, dst unsafe.Pointer) (next int, ok bool)

type typePlan struct {
	t      reflect.Type
	decode planFunc
}

var plans sync.Map // reflect.Type -> *typePlan; nil for a type without a plan

func planFor(t reflect.Type) *typePlan {
	if v, ok := plans.Load(t); ok {
		return v.(*typePlan)
	}
	pl := buildPlan(t, map[reflect.Type]bool{})
	v, _ := plans.LoadOrStore(t, pl)
	return v.(*typePlan)
}

// HasPlan reports whether TryUnjellyBananaSeq can decode straight into values of type t.
func HasPlan(t reflect.Type) bool { return planFor(t) != nil }

// TryUnjellyBananaSeq decodes the ['tuple', ...] or ['list', ...] node at the start of
// wire straight into dsts, element i into dsts[i] (addressable values, as made by
// reflect.New(t).Elem()): exactly what UnjellyBanana of the node followed by Convert of
// each element would store, without building the elements as jelly values first. It
// returns the length of the node. Like TryUnjellyBanana it reports ok false, having run
// no hook, for anything it cannot finish alone: a node of another kind or length, an
// element of a shape the destination's plan does not take (or a destination type with no
// plan, see HasPlan), a value that does not fit (the ordinary path names the error), an
// expression cut short. The destinations may then have been written in part.
func (u *Unjellier) TryUnjellyBananaSeq(wire []byte, d banana.Dialect, dsts []reflect.Value) (n int, ok bool) {
	if u.depth > 0 {
		return 0, false
	}
	var buf [8]*typePlan
	pls := buf[:0]
	for _, dst := range dsts {
		pl := planFor(dst.Type())
		if pl == nil || !dst.CanAddr() {
			return 0, false
		}
		pls = append(pls, pl)
	}
	p := newWireParser(u, wire, d)
	p.pure = true
	u.reset()
	n, ok = p.seqInto(pls, dsts)
	u.reset()
	return n, ok
}

func (p *wireParser) seqInto(pls []*typePlan, dsts []reflect.Value) (int, bool) {
	code, rest, pos, ok := p.enterNode(0)
	if !ok {
		return 0, false
	}
	defer p.leaveNode()
	if (code != codeList && code != codeTuple) || rest != len(dsts) {
		return 0, false
	}
	for i, pl := range pls {
		if pos, ok = pl.decode(p, pos, dsts[i].Addr().UnsafePointer()); !ok {
			return 0, false
		}
	}
	return pos, true
}

// The builtin codes the plans take (see builtinCode).
const (
	codeNone    = 0
	codeBoolean = 2
	codeList    = 3
	codeTuple   = 4
	codeDict    = 7
)

// enterNode reads the header of the node at pos: a list whose tag is one of the builtin
// tags the wire decoder builds itself, allowed by the taster and not taken over by a
// registry. It returns the tag's code, the number of elements after the tag and where
// they start, having entered one level of nesting (leaveNode undoes it); ok is false for
// anything else, or beyond the depth limit.
func (p *wireParser) enterNode(pos int) (code, rest, after int, ok bool) {
	typ, n, _, _, next, err := p.token(pos)
	if err != nil || typ != banana.List || n == 0 {
		return 0, 0, 0, false
	}
	ttyp, tn, _, _, tnext, err := p.token(next)
	if err != nil || (ttyp != banana.String && ttyp != banana.Vocab) {
		return 0, 0, 0, false
	}
	tag, after := p.bytesAt(ttyp, tn, tnext)
	u := p.u
	code = builtinCode(tag)
	if code < 0 || code > codeDict || u.Registry.overrides(code) || DefaultRegistry.overrides(code) ||
		!u.security().allowsBuiltin(code) || u.depth >= u.maxDepth() {
		return 0, 0, 0, false
	}
	if rest = int(n) - 1; rest > len(p.b)-after { // each element takes a byte at least
		return 0, 0, 0, false
	}
	u.depth++
	return code, rest, after, true
}

func (p *wireParser) leaveNode() { p.u.depth-- }

// none reports whether the expression at pos is ['None'] (with whatever follows the tag,
// as the wire decoder accepts it), and where it ends.
func (p *wireParser) none(pos int) (int, bool) {
	code, rest, after, ok := p.enterNode(pos)
	if !ok {
		return 0, false
	}
	defer p.leaveNode()
	if code != codeNone {
		return 0, false
	}
	end, err := p.skip(after, rest, 0)
	return end, err == nil
}

// intAt decodes an integer token that fits in 64 bits.
func (p *wireParser) intAt(pos int) (int64, int, bool) {
	if v, next, ok := p.quickInt(pos); ok {
		return v.(int64), next, true
	}
	typ, n, over, _, next, err := p.token(pos)
	if err != nil || over {
		return 0, 0, false
	}
	switch typ {
	case banana.Int, banana.LongInt:
		if n <= math.MaxInt64 {
			return int64(n), next, true
		}
	case banana.Neg, banana.LongNeg:
		if n <= 1<<63 {
			return -int64(n), next, true
		}
	}
	return 0, 0, false
}

// bytesToken returns the payload of a byte string or vocabulary token, aliasing the input.
func (p *wireParser) bytesToken(pos int) ([]byte, int, bool) {
	typ, n, _, _, next, err := p.token(pos)
	if err != nil || (typ != banana.String && typ != banana.Vocab) {
		return nil, 0, false
	}
	b, next := p.bytesAt(typ, n, next)
	return b, next, true
}

// textNode returns the payload of a ['unicode', ...] node, aliasing the input.
func (p *wireParser) textNode(pos int) ([]byte, int, bool) {
	code, rest, after, ok := p.enterNode(pos)
	if !ok {
		return nil, 0, false
	}
	defer p.leaveNode()
	if code != codeUnicode || rest < 1 {
		return nil, 0, false
	}
	b, next, ok := p.bytesToken(after)
	if !ok || !utf8.Valid(b) {
		return nil, 0, false
	}
	end, err := p.skip(next, rest-1, 0)
	return b, end, err == nil
}

// stringish returns the bytes of a text node or of a byte string: what Convert turns into
// a Go string or []byte.
func (p *wireParser) stringish(pos int) ([]byte, int, bool) {
	if b, next, ok := p.bytesToken(pos); ok {
		return b, next, true
	}
	return p.textNode(pos)
}

func buildPlan(t reflect.Type, building map[reflect.Type]bool) *typePlan {
	if building[t] {
		return nil // a recursive type: left to the ordinary path
	}
	building[t] = true
	defer delete(building, t)
	pl := &typePlan{t: t}
	switch t.Kind() {
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return nil
		}
		pl.decode = decodeAny
	case reflect.Bool:
		pl.decode = decodeBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		pl.decode = intPlan(t)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		pl.decode = uintPlan(t)
	case reflect.Float32:
		pl.decode = func(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
			f, next, ok := p.float(pos)
			if ok {
				*(*float32)(dst) = float32(f)
			}
			return next, ok
		}
	case reflect.Float64:
		pl.decode = func(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
			f, next, ok := p.float(pos)
			if ok {
				*(*float64)(dst) = f
			}
			return next, ok
		}
	case reflect.String:
		pl.decode = func(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
			if v, next, ok := p.quickText(pos); ok {
				*(*string)(dst) = v.(string)
				return next, true
			}
			b, next, ok := p.stringish(pos)
			if ok {
				*(*string)(dst) = string(b)
			}
			return next, ok
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			pl.decode = decodeByteSlice
			break
		}
		if e := t.Elem(); e.Kind() == reflect.Interface && e.NumMethod() == 0 {
			pl.decode = anySlicePlan(t)
			break
		}
		elem := buildPlan(t.Elem(), building)
		if elem == nil {
			return nil
		}
		pl.decode = slicePlan(t, elem)
	case reflect.Array:
		elem := buildPlan(t.Elem(), building)
		if elem == nil {
			return nil
		}
		pl.decode = arrayPlan(t, elem)
	case reflect.Map:
		if t.Key().Kind() == reflect.Interface {
			// Python's equal keys (1, 1.0, True) are different Go interface values.
			return nil
		}
		key, val := buildPlan(t.Key(), building), buildPlan(t.Elem(), building)
		if key == nil || val == nil {
			return nil
		}
		pl.decode = mapPlan(t, key, val)
	case reflect.Pointer:
		if t == typeBigIntPtr || t.Elem().Kind() == reflect.Interface {
			return nil // Convert has its own ways with these
		}
		elem := buildPlan(t.Elem(), building)
		if elem == nil {
			return nil
		}
		pl.decode = func(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
			if end, ok := p.none(pos); ok {
				*(*unsafe.Pointer)(dst) = nil
				return end, true
			}
			v := reflect.New(t.Elem())
			next, ok := elem.decode(p, pos, v.UnsafePointer())
			if ok {
				*(*unsafe.Pointer)(dst) = v.UnsafePointer()
			}
			return next, ok
		}
	default:
		return nil
	}
	return pl
}

// decodeAny stores what TryUnjellyBanana builds.
func decodeAny(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
	if v, next, ok := p.quickInt(pos); ok {
		*(*any)(dst) = v
		return next, true
	}
	if v, next, ok := p.quickText(pos); ok {
		*(*any)(dst) = v
		return next, true
	}
	v, next, err := p.value(pos)
	if err != nil {
		return 0, false
	}
	*(*any)(dst) = v
	return next, true
}

func decodeBool(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
	code, rest, after, ok := p.enterNode(pos)
	if !ok {
		return 0, false
	}
	defer p.leaveNode()
	if code != codeBoolean || rest < 1 {
		return 0, false
	}
	b, next, ok := p.bytesToken(after)
	if !ok {
		return 0, false
	}
	var v bool
	switch string(b) {
	case "true":
		v = true
	case "false":
	default:
		return 0, false
	}
	end, err := p.skip(next, rest-1, 0)
	if err != nil {
		return 0, false
	}
	*(*bool)(dst) = v
	return end, true
}

// float decodes what Convert turns into a float: a FLOAT token or an int that fits.
func (p *wireParser) float(pos int) (float64, int, bool) {
	typ, _, _, _, next, err := p.token(pos)
	if err != nil {
		return 0, 0, false
	}
	if typ == banana.Float {
		v, next := p.atom(typ, 0, false, nil, next)
		return v.(float64), next, true
	}
	i, next, ok := p.intAt(pos)
	return float64(i), next, ok
}

func intPlan(t reflect.Type) planFunc {
	size := t.Bits()
	return func(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
		v, next, ok := p.intAt(pos)
		if !ok || (size < 64 && (v < -1<<(size-1) || v >= 1<<(size-1))) {
			return 0, false
		}
		switch size {
		case 8:
			*(*int8)(dst) = int8(v)
		case 16:
			*(*int16)(dst) = int16(v)
		case 32:
			*(*int32)(dst) = int32(v)
		default:
			*(*int64)(dst) = v
		}
		return next, true
	}
}

func uintPlan(t reflect.Type) planFunc {
	size := t.Bits()
	return func(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
		v, next, ok := p.intAt(pos)
		if !ok || v < 0 || (size < 64 && uint64(v) >= 1<<size) {
			return 0, false
		}
		switch size {
		case 8:
			*(*uint8)(dst) = uint8(v)
		case 16:
			*(*uint16)(dst) = uint16(v)
		case 32:
			*(*uint32)(dst) = uint32(v)
		default:
			*(*uint64)(dst) = uint64(v)
		}
		return next, true
	}
}

func decodeByteSlice(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
	if end, ok := p.none(pos); ok {
		*(*[]byte)(dst) = nil
		return end, true
	}
	b, next, ok := p.stringish(pos)
	if ok {
		*(*[]byte)(dst) = append([]byte{}, b...)
	}
	return next, ok
}

// slicePlan decodes a list or tuple into a new slice, element by element.
func slicePlan(t reflect.Type, elem *typePlan) planFunc {
	size := t.Elem().Size()
	ints := t.Elem().Kind() == reflect.Int64 || (t.Elem().Kind() == reflect.Int && size == 8)
	return func(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
		if end, ok := p.none(pos); ok {
			reflect.NewAt(t, dst).Elem().SetZero()
			return end, true
		}
		code, rest, after, ok := p.enterNode(pos)
		if !ok {
			return 0, false
		}
		defer p.leaveNode()
		if code != codeList && code != codeTuple {
			return 0, false
		}
		s := reflect.MakeSlice(t, rest, rest)
		base := s.UnsafePointer()
		pos = after
		i := 0
		if ints && rest > 0 {
			i, pos = p.int64s(unsafe.Slice((*int64)(base), rest), pos)
		}
		for ; i < rest; i++ {
			if pos, ok = elem.decode(p, pos, unsafe.Add(base, uintptr(i)*size)); !ok {
				return 0, false
			}
		}
		reflect.NewAt(t, dst).Elem().Set(s)
		return pos, true
	}
}

// anySlicePlan decodes a list or tuple for a slice of any ([]any, or a named type of it):
// the elements are what the wire decoder builds, so it builds the list whole, with its
// fast loops, and hands it over as Convert would (the same backing array).
func anySlicePlan(t reflect.Type) planFunc {
	return func(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
		v, next, err := p.value(pos)
		if err != nil {
			return 0, false
		}
		out := reflect.NewAt(t, dst).Elem()
		switch s := v.(type) {
		case nil:
			out.SetZero()
		case []any:
			out.Set(reflect.ValueOf(s).Convert(t))
		case Tuple:
			out.Set(reflect.ValueOf(s).Convert(t))
		default:
			return 0, false
		}
		return next, true
	}
}

// arrayPlan decodes a list or tuple of exactly the array's length in place; any other
// length is left to Convert, which names the error.
func arrayPlan(t reflect.Type, elem *typePlan) planFunc {
	size, n := t.Elem().Size(), t.Len()
	return func(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
		code, rest, after, ok := p.enterNode(pos)
		if !ok {
			return 0, false
		}
		defer p.leaveNode()
		if (code != codeList && code != codeTuple) || rest != n {
			return 0, false
		}
		pos = after
		for i := 0; i < n; i++ {
			if pos, ok = elem.decode(p, pos, unsafe.Add(dst, uintptr(i)*size)); !ok {
				return 0, false
			}
		}
		return pos, true
	}
}

// int64s is ints for a []int64: it decodes the run of short integer tokens at pos into s
// and returns how many it decoded and where it stopped.
func (p *wireParser) int64s(s []int64, pos int) (int, int) {
	b := p.b
	i := 0
	for i < len(s) && len(b)-pos >= 8 {
		w := binary.LittleEndian.Uint64(b[pos:])
		m := w & 0x8080808080808080
		if m == 0 {
			break
		}
		lo := uint(0)
		for ; m != 0 && i < len(s); m &= m - 1 {
			sh := uint(bits.TrailingZeros64(m)) &^ 7
			x := w >> (lo & 63) & (1<<((sh-lo)&63) - 1) // (&63: no shift guards)
			v := int64(x&0x7f | x>>1&0x3f80)            // one or two prefix bytes, the usual
			if sh-lo > 16 {
				v = int64(packPrefix(x))
			}
			switch byte(w >> (sh & 63)) {
			case banana.Int, banana.LongInt:
			case banana.Neg, banana.LongNeg:
				v = -v
			default:
				return i, pos + int(lo>>3)
			}
			s[i] = v
			i++
			lo = sh + 8
		}
		pos += int(lo >> 3)
	}
	return i, pos
}

// mapPlan decodes a dictionary into a new map. Keys that the dictionary holds apart but
// the Go map cannot (b'a' and 'a' into a map[string]V, or a key repeated on the wire,
// which the dictionary folds in its own way) make it give up: the ordinary path knows
// which value wins.
func mapPlan(t reflect.Type, key, val *typePlan) planFunc {
	return func(p *wireParser, pos int, dst unsafe.Pointer) (int, bool) {
		if end, ok := p.none(pos); ok {
			reflect.NewAt(t, dst).Elem().SetZero()
			return end, true
		}
		code, rest, after, ok := p.enterNode(pos)
		if !ok {
			return 0, false
		}
		defer p.leaveNode()
		if code != codeDict || rest > (len(p.b)-after)/2 {
			return 0, false
		}
		m := reflect.MakeMapWithSize(t, rest)
		k, v := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
		kp, vp := k.Addr().UnsafePointer(), v.Addr().UnsafePointer()
		pos = after
		for i := 0; i < rest; i++ {
			if len(p.b)-pos < 2 || p.b[pos] != 2 || p.b[pos+1] != banana.List {
				return 0, false // not the usual pair header: the ordinary path judges it
			}
			if pos, ok = key.decode(p, pos+2, kp); !ok {
				return 0, false
			}
			if pos, ok = val.decode(p, pos, vp); !ok {
				return 0, false
			}
			m.SetMapIndex(k, v)
		}
		if m.Len() != rest {
			return 0, false
		}
		reflect.NewAt(t, dst).Elem().Set(m)
		return pos, true
	}
}
