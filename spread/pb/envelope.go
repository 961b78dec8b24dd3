package pb

import (
	"math"

	"github.com/gotwisted/twisted/spread/banana"
)

// Reading a message's envelope straight from its raw bytes.
//
// The banana decoder hands the broker each message as a banana.Raw: bytes already checked
// token by token (limits, vocabulary, type bytes). The broker reads the command and the
// ids here without allocating, and passes the jelly parts (arguments, results) to jelly's
// UnjellyBanana as sub-slices, so no s-expression tree is ever built for a message.

// fieldKind tells what one element of a message is.
type fieldKind uint8

const (
	fieldInt   fieldKind = iota + 1 // an integer that fits int64: field.i
	fieldBytes                      // a byte string or vocabulary word: field.b (aliases the message)
	fieldRaw                        // anything else (a list, a float, a big integer): field.b holds its bytes
)

type field struct {
	kind fieldKind
	i    int64
	b    []byte
}

// value returns the field as the decoder would have: int64, []byte (a copy) or Raw.
func (f field) value() any {
	switch f.kind {
	case fieldInt:
		return f.i
	case fieldBytes:
		return append([]byte(nil), f.b...)
	}
	return banana.Raw(f.b)
}

var vocabBytes = func() (v [len(banana.Vocabulary)][]byte) {
	for i, w := range banana.Vocabulary {
		v[i] = []byte(w)
	}
	return v
}()

// rawHeader reads one token header at p: its prefix value, type byte and the position
// after the header. ok is false if the bytes end first.
func rawHeader(r []byte, p int) (n uint64, typ byte, next int, ok bool) {
	shift := uint(0)
	for p < len(r) {
		c := r[p]
		p++
		if c >= 0x80 {
			return n, c, p, true
		}
		if shift < 64 {
			n |= uint64(c) << shift
		} else if c != 0 {
			n = math.MaxUint64 // too large for any use here; the decoder bounded it
		}
		shift += 7
	}
	return 0, 0, p, false
}

// skipExpr returns the position after the complete expression starting at p.
func skipExpr(r []byte, p int) (int, bool) {
	pending := 1
	for pending > 0 {
		n, typ, next, ok := rawHeader(r, p)
		if !ok {
			return p, false
		}
		p = next
		pending--
		switch typ {
		case banana.List:
			if n > uint64(len(r)) {
				return p, false
			}
			pending += int(n)
		case banana.String:
			if n > uint64(len(r)-p) {
				return p, false
			}
			p += int(n)
		case banana.Float:
			p += 8
			if p > len(r) {
				return p, false
			}
		}
	}
	return p, true
}

// argsField is the index of a call's arguments in a message or cachemessage.
const argsField = 5

// readEnvelope splits a raw message into at most len(out) fields. It reports the number
// of elements the message list declares (which may exceed len(out)), and ok false if the
// message is not a list or its bytes are inconsistent. In a message or cachemessage the
// arguments field runs to the end of the message, keyword arguments included: the
// unjellier finds where the arguments end as it reads them, so nothing walks their bytes
// just to find the keywords (see Broker.invoke).
func readEnvelope(r banana.Raw, out []field) (count int, ok bool) {
	n, typ, p, ok := rawHeader(r, 0)
	if !ok || typ != banana.List {
		return 0, false
	}
	count = int(n)
	if n > uint64(len(r)) {
		return 0, false
	}
	restAt := -1
	for i := 0; i < count && i < len(out); i++ {
		if i == restAt {
			out[i] = field{kind: fieldRaw, b: r[p:]}
			break
		}
		if i == 1 && out[0].kind == fieldBytes && count == argsField+2 &&
			(string(out[0].b) == cmdMessage || string(out[0].b) == cmdCacheMessage) {
			restAt = argsField
		}
		v, typ, next, ok := rawHeader(r, p)
		if !ok {
			return 0, false
		}
		switch typ {
		case banana.Int, banana.LongInt:
			if v <= math.MaxInt64 && next-p <= 10 {
				out[i] = field{kind: fieldInt, i: int64(v)}
				p = next
				continue
			}
		case banana.Neg, banana.LongNeg:
			if v <= 1<<63 && next-p <= 10 {
				out[i] = field{kind: fieldInt, i: int64(-v)}
				p = next
				continue
			}
		case banana.String:
			end := next + int(v)
			if v > uint64(len(r)) || end > len(r) {
				return 0, false
			}
			out[i] = field{kind: fieldBytes, b: r[next:end]}
			p = end
			continue
		case banana.Vocab:
			if v >= uint64(len(vocabBytes)) || vocabBytes[v] == nil {
				return 0, false
			}
			out[i] = field{kind: fieldBytes, b: vocabBytes[v]}
			p = next
			continue
		}
		end := len(r) // the last element runs to the end: the decoder checked the whole list
		if i < count-1 {
			if end, ok = skipExpr(r, p); !ok {
				return 0, false
			}
		}
		out[i] = field{kind: fieldRaw, b: r[p:end]}
		p = end
	}
	return count, true
}
