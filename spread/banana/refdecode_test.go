package banana

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/big"
)

// refDecoder is the plain decoder the optimised one is checked against: one byte at a
// time, one ordinary allocation per value, no fast paths. (The decoder as it was before
// the word-at-a-time reading and the static small ints.)
type refDecoder struct {
	Dialect                Dialect
	SizeLimit, PrefixLimit int

	pending []byte
	stack   []frame
	err     error
}

func (d *refDecoder) Feed(data []byte, exprs []any) ([]any, error) {
	if d.err != nil {
		return exprs, d.err
	}
	sizeLimit := d.SizeLimit
	if sizeLimit <= 0 {
		sizeLimit = SizeLimit
	}
	prefixLimit := d.PrefixLimit
	if prefixLimit <= 0 {
		prefixLimit = PrefixLimit
	}
	d.pending = append(d.pending, data...)
	buf := d.pending
	pos := 0
	var err error
	for pos < len(buf) {
		p := pos
		for p < len(buf) && buf[p] < 0x80 {
			p++
		}
		if p == len(buf) {
			if p-pos > prefixLimit {
				err = errPrefixPending(prefixLimit)
			}
			break
		}
		if p-pos > prefixLimit {
			err = errPrefixComplete(prefixLimit)
			break
		}
		prefix := buf[pos:p]
		typ := buf[p]
		rest := p + 1
		var item any
		switch typ {
		case List:
			n, over := prefixValue(prefix)
			if over || n > uint64(sizeLimit) {
				err = errListTooLong
				break
			}
			pos = rest
			if n == 0 {
				item = []any(nil)
				break
			}
			d.stack = append(d.stack, frame{want: int(n)})
			continue
		case String:
			n, over := prefixValue(prefix)
			if over || n > uint64(sizeLimit) {
				err = errStringTooLong
				break
			}
			if uint64(len(buf)-rest) < n {
				goto wait
			}
			item = append([]byte{}, buf[rest:rest+int(n)]...)
			pos = rest + int(n)
		case Int, LongInt:
			item = intValue(prefix, false)
			pos = rest
		case Neg, LongNeg:
			item = intValue(prefix, true)
			pos = rest
		case Float:
			if len(buf)-rest < 8 {
				goto wait
			}
			item = math.Float64frombits(binary.BigEndian.Uint64(buf[rest:]))
			pos = rest + 8
		case Vocab:
			n, over := prefixValue(prefix)
			if over || n == 0 || n >= uint64(len(Vocabulary)) {
				err = newError(ErrUnknownVocab, "unknown vocabulary index "+prefixString(prefix))
				break
			}
			if d.Dialect != DialectPB {
				err = errVocabNotAllowed
				break
			}
			item = append([]byte{}, vocabBytes[n]...)
			pos = rest
		default:
			err = newError(ErrInvalidTypeByte, "Invalid Type Byte")
		}
		if err != nil {
			break
		}
		for {
			if len(d.stack) == 0 {
				exprs = append(exprs, item)
				break
			}
			top := &d.stack[len(d.stack)-1]
			top.items = append(top.items, item)
			if len(top.items) < top.want {
				break
			}
			item = top.items
			d.stack = d.stack[:len(d.stack)-1]
		}
	}
wait:
	if err != nil {
		d.err = err
		return exprs, err
	}
	d.pending = append([]byte(nil), buf[pos:]...)
	return exprs, nil
}

// sameExpr reports whether two decoded expressions are equal, floats compared bit for
// bit (so a NaN equals itself), iteratively (hostile inputs nest deeply).
func sameExpr(a, b any) bool {
	type pair struct{ a, b any }
	work := []pair{{a, b}}
	for len(work) > 0 {
		p := work[len(work)-1]
		work = work[:len(work)-1]
		switch x := p.a.(type) {
		case []any:
			y, ok := p.b.([]any)
			if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
				return false
			}
			for i := range x {
				work = append(work, pair{x[i], y[i]})
			}
		case []byte:
			y, ok := p.b.([]byte)
			if !ok || !bytes.Equal(x, y) {
				return false
			}
		case float64:
			y, ok := p.b.(float64)
			if !ok || math.Float64bits(x) != math.Float64bits(y) {
				return false
			}
		case int64:
			if y, ok := p.b.(int64); !ok || x != y {
				return false
			}
		case *big.Int:
			if y, ok := p.b.(*big.Int); !ok || x.Cmp(y) != 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}
