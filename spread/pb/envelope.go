package pb

import (
	"math"
	"unicode/utf8"

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

// Reading whole messages straight from the input.
//
// banana's Raw framing walks every token of a message to find where it ends, and then
// the unjellier walks the arguments again to build them. When a read starts at a message
// boundary (the usual case: PB messages are small next to a read), direct instead reads
// the envelope token by token (banana.ReadToken, with the connection's dialect and
// limits) and the arguments with the unjellier's TryUnjellyBanana, which stops, having
// done nothing, at anything it cannot finish alone: a message cut short by the end of
// the read, a class instance or reference among the arguments, an unusual envelope. Then
// direct reports 0 and the message goes through Conn.Feed as before, so what a peer
// sees never depends on the path taken. Only calls and answers, the messages that carry
// data, are read this way.

// direct handles the call or answer at the start of data if it can, and returns its
// length; 0 means it did nothing.
func (b *Broker) direct(data []byte) int {
	r := directReader{b: data, d: b.dialect(), size: b.conn.SizeLimit(), prefix: b.conn.PrefixLimit()}
	typ, count, ok := r.header()
	if !ok || typ != banana.List {
		return 0
	}
	var f [7]field
	if f[0], ok = r.field(); !ok || f[0].kind != fieldBytes {
		return 0
	}
	switch {
	case count == 7 && (string(f[0].b) == cmdMessage || string(f[0].b) == cmdCacheMessage):
		for i := 1; i <= 4; i++ {
			if f[i], ok = r.field(); !ok {
				return 0
			}
		}
		u := &b.unjellier
		start := r.pos
		cache := string(f[0].b) == cmdCacheMessage
		if t, err := b.target(cache, f[2]); err == nil && utf8.Valid(f[3].b) {
			if t.mr != nil {
				// It takes the arguments still jellied (and unjellies them itself): check
				// and find them, build nothing.
				if !r.skip(2) {
					return 0
				}
				f[argsField] = field{kind: fieldRaw, b: data[start:r.pos]}
				b.recvMessage(cache, &f, wireArgs{b: data[start:r.pos]})
				return r.pos
			}
			if tc, n := b.typedArgs(t, f[3].b, data[start:]); tc.m != nil {
				end := start + n
				f[argsField] = field{kind: fieldRaw, b: data[start:end]}
				b.recvMessage(cache, &f, wireArgs{b: data[start:end], typed: tc})
				return end
			}
		}
		a, n, ok := u.TryUnjellyBanana(data[start:], r.d)
		if !ok {
			return 0
		}
		k, m, ok := u.TryUnjellyBanana(data[start+n:], r.d)
		if !ok {
			return 0
		}
		end := start + n + m
		f[argsField] = field{kind: fieldRaw, b: data[start:end]}
		b.recvMessage(cache, &f, wireArgs{b: data[start:end], parsed: true, args: a, kw: k, argsLen: n})
		return end
	case count == 3 && string(f[0].b) == cmdAnswer:
		if f[1], ok = r.field(); !ok {
			return 0
		}
		v, n, ok := b.unjellier.TryUnjellyBanana(data[r.pos:], r.d)
		if !ok {
			return 0
		}
		if d := b.answered(f[1]); d != nil {
			d.Callback(v)
		}
		return r.pos + n
	}
	return 0
}

// directReader reads envelope tokens, checked as banana's decoder checks them.
type directReader struct {
	b            []byte
	pos          int
	d            banana.Dialect
	size, prefix int
}

func (r *directReader) header() (typ byte, n uint64, ok bool) {
	typ, n, over, hdr, err := banana.ReadToken(r.b[r.pos:], r.d, r.size, r.prefix)
	if err != nil || over {
		return 0, 0, false
	}
	r.pos += hdr
	return typ, n, true
}

// skip passes count whole expressions, checking every token as banana's decoder does.
func (r *directReader) skip(count int) bool {
	var buf [16]uint64
	stack := append(buf[:0], uint64(count)) // elements still to pass, per open list
	for len(stack) > 0 {
		top := len(stack) - 1
		if stack[top] == 0 {
			stack = stack[:top]
			continue
		}
		stack[top]--
		typ, n, _, hdr, err := banana.ReadToken(r.b[r.pos:], r.d, r.size, r.prefix)
		if err != nil {
			return false
		}
		r.pos += hdr
		switch typ {
		case banana.List:
			stack = append(stack, n)
		case banana.String:
			r.pos += int(n)
		case banana.Float:
			r.pos += 8
		}
	}
	return true
}

// field reads an int or a byte string, as readEnvelope makes them; ok is false for any
// other token.
func (r *directReader) field() (field, bool) {
	start := r.pos
	typ, n, ok := r.header()
	if !ok || r.pos-start > 10 {
		return field{}, false
	}
	switch typ {
	case banana.Int, banana.LongInt:
		if n <= math.MaxInt64 {
			return field{kind: fieldInt, i: int64(n)}, true
		}
	case banana.Neg, banana.LongNeg:
		if n <= 1<<63 {
			return field{kind: fieldInt, i: int64(-n)}, true
		}
	case banana.String:
		s := r.b[r.pos : r.pos+int(n)]
		r.pos += int(n)
		return field{kind: fieldBytes, b: s}, true
	case banana.Vocab:
		return field{kind: fieldBytes, b: vocabBytes[n]}, true
	}
	return field{}, false
}
