package banana

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
)

// Raw is the exact encoding of one complete expression. A Decoder (or Conn) with Raw set
// returns each top-level expression as a Raw instead of a tree: the bytes are checked
// token by token (limits, vocabulary, type bytes) but no values are built, so a receiver
// can take a message apart with Elements and hand the parts that are jelly straight to
// jelly's Unjellier.UnjellyBanana, never building the s-expression tree at all.
type Raw []byte

// Decode returns the tree of r, as a Decoder without Raw would have produced it.
func (r Raw) Decode(d Dialect) (any, error) {
	dec := Decoder{Dialect: d}
	var first firstSink
	if err := dec.feed(r, &first); err != nil {
		return nil, err
	}
	if !first.found {
		return nil, newError(ErrIncomplete, "no complete expression in "+strconv.Itoa(len(r))+" bytes")
	}
	return first.x, nil
}

// Elements takes apart a raw list one level deep: atoms become their values ([]byte,
// int64 or *big.Int, float64; byte strings are fresh copies), nested lists stay Raw
// (aliasing r). PB uses it to read a message's command and ids and then unjelly only the
// parts that are jelly.
func (r Raw) Elements(d Dialect) ([]any, error) {
	typ, n, next, err := rawToken(r, 0, d)
	if err != nil {
		return nil, err
	}
	if typ != List {
		return nil, newError(ErrUnsupportedType, "raw expression is not a list")
	}
	out := make([]any, 0, min(int(n), len(r)))
	var bx boxes // one chunk per kind of value instead of one allocation per value
	var text []byte
	pos := next
	for i := uint64(0); i < n; i++ {
		typ, m, next, err := rawToken(r, pos, d)
		if err != nil {
			return nil, err
		}
		left := len(r) - pos
		switch typ {
		case List:
			end, err := rawSkip(r, next, m, d)
			if err != nil {
				return nil, err
			}
			out = append(out, bx.raw(r[pos:end:end]))
			pos = end
			continue
		case String, Vocab:
			var b []byte
			if typ == String {
				b, pos = r[next:next+int(m)], next+int(m)
			} else {
				b, pos = vocabBytes[m], next
			}
			if cap(text)-len(text) < len(b) {
				text = make([]byte, 0, max(len(b), min(left, 4096)))
			}
			k := len(text)
			text = append(text, b...)
			out = append(out, bx.bytes(text[k:k+len(b):k+len(b)]))
		case Float:
			out = append(out, bx.float64(math.Float64frombits(binary.BigEndian.Uint64(r[next:]))))
			pos = next + 8
		default: // integers
			p := pos
			for r[p] < 0x80 {
				p++
			}
			if v, over := prefixValue(r[pos:p]); !over && v <= math.MaxInt64 {
				if typ == Neg || typ == LongNeg {
					out = append(out, bx.int64(-int64(v)))
				} else {
					out = append(out, bx.int64(int64(v)))
				}
			} else {
				out = append(out, intValue(r[pos:p], typ == Neg || typ == LongNeg))
			}
			pos = next
		}
	}
	return out, nil
}

// ReadToken reads the header of the token at the start of b (its prefix and type byte) as
// a Decoder in dialect d with these limits does (0 means SizeLimit and PrefixLimit), for a
// receiver that reads expressions straight from its input: it returns the type byte, the
// prefix value (a list's count, a string's length, a vocabulary index, an integer's
// magnitude), whether that value overflows 64 bits (only an integer's may), and the
// length of the header. A string's or float's payload must follow in b. err is the error
// the decoder fails with for such a token, or wraps ErrIncomplete when b ends first.
func ReadToken(b []byte, d Dialect, sizeLimit, prefixLimit int) (typ byte, n uint64, over bool, hdr int, err error) {
	if sizeLimit <= 0 {
		sizeLimit = SizeLimit
	}
	if prefixLimit <= 0 {
		prefixLimit = PrefixLimit
	}
	p := 0
	for p < len(b) && b[p] < 0x80 {
		p++
	}
	if p > prefixLimit {
		return 0, 0, false, 0, errPrefixComplete(prefixLimit)
	}
	if p == len(b) {
		return 0, 0, false, 0, newError(ErrIncomplete, "token truncated")
	}
	n, over = prefixValue(b[:p])
	typ, hdr = b[p], p+1
	switch typ {
	case List:
		if over || n > uint64(sizeLimit) {
			return 0, 0, false, 0, errListTooLong
		}
	case String:
		if over || n > uint64(sizeLimit) {
			return 0, 0, false, 0, errStringTooLong
		}
		if uint64(len(b)-hdr) < n {
			return 0, 0, false, 0, newError(ErrIncomplete, "string truncated")
		}
	case Float:
		if len(b)-hdr < 8 {
			return 0, 0, false, 0, newError(ErrIncomplete, "float truncated")
		}
	case Vocab:
		if over || n == 0 || n >= uint64(len(Vocabulary)) {
			return 0, 0, false, 0, newError(ErrUnknownVocab, "unknown vocabulary index "+prefixString(b[:p]))
		}
		if d != DialectPB {
			return 0, 0, false, 0, errVocabNotAllowed
		}
	case Int, Neg, LongInt, LongNeg:
	default:
		return 0, 0, false, 0, newError(ErrInvalidTypeByte, "Invalid Type Byte 0x"+strconv.FormatUint(uint64(typ), 16))
	}
	return typ, n, over, hdr, nil
}

// rawToken reads the token at pos with the default limits: its type, prefix value and
// the position after the type byte. Strings and floats must have their payload.
func rawToken(r []byte, pos int, d Dialect) (typ byte, n uint64, next int, err error) {
	p := pos
	for p < len(r) && r[p] < 0x80 {
		p++
	}
	if p-pos > PrefixLimit {
		return 0, 0, 0, errPrefixComplete(PrefixLimit)
	}
	if p == len(r) {
		return 0, 0, 0, newError(ErrIncomplete, "raw expression truncated")
	}
	v, over := prefixValue(r[pos:p])
	typ, next = r[p], p+1
	switch typ {
	case List:
		if over || v > SizeLimit {
			return 0, 0, 0, errListTooLong
		}
	case String:
		if over || v > SizeLimit {
			return 0, 0, 0, errStringTooLong
		}
		if uint64(len(r)-next) < v {
			return 0, 0, 0, newError(ErrIncomplete, "raw expression truncated")
		}
	case Float:
		if len(r)-next < 8 {
			return 0, 0, 0, newError(ErrIncomplete, "raw expression truncated")
		}
	case Vocab:
		if over || v == 0 || v >= uint64(len(Vocabulary)) {
			return 0, 0, 0, newError(ErrUnknownVocab, "unknown vocabulary index "+prefixString(r[pos:p]))
		}
		if d != DialectPB {
			return 0, 0, 0, errVocabNotAllowed
		}
	case Int, Neg, LongInt, LongNeg:
	default:
		return 0, 0, 0, newError(ErrInvalidTypeByte, "Invalid Type Byte 0x"+strconv.FormatUint(uint64(typ), 16))
	}
	return typ, v, next, nil
}

// rawSkip returns the end of count expressions starting at pos, iteratively.
func rawSkip(r []byte, pos int, count uint64, d Dialect) (int, error) {
	stack := []uint64{count}
	for len(stack) > 0 {
		if stack[len(stack)-1] == 0 {
			stack = stack[:len(stack)-1]
			continue
		}
		stack[len(stack)-1]--
		typ, n, next, err := rawToken(r, pos, d)
		if err != nil {
			return 0, err
		}
		switch typ {
		case List:
			stack = append(stack, n)
			pos = next
		case String:
			pos = next + int(n)
		case Float:
			pos = next + 8
		default:
			pos = next
		}
	}
	return pos, nil
}

// compactPrefix returns the value of up to 7 prefix bytes held in the low bytes of x
// (high bits clear): their 7-bit groups packed together.
func compactPrefix(x uint64) uint64 {
	x = x&0x007F007F007F007F | (x&0x7F007F007F007F00)>>1
	x = x&0x00003FFF00003FFF | (x&0x3FFF00003FFF0000)>>2
	return x&0x000000000FFFFFFF | (x&0x0FFFFFFF00000000)>>4
}

// feedRaw is feed for Raw mode: it tracks only how many elements each open list still
// needs, keeps the bytes of the unfinished top-level expression, and emits each finished
// expression's bytes. data is the caller's own (it may be aliased, with RawAliases) when
// callers is true.
func (d *Decoder) feedRaw(data []byte, out sink, sizeLimit, prefixLimit int, callers bool) error {
	buf := data
	fromPending := false
	pos := 0
	if len(d.pending) > 0 {
		d.pending = append(d.pending, data...)
		buf = d.pending
		fromPending = true
		pos = d.rawScan
	}
	start := 0 // where the current top-level expression begins
	// The innermost open list's count of missing elements lives in left (a register),
	// the enclosing lists' counts in stack.
	stack := d.rawStack
	var left uint64
	open := len(stack) > 0
	if open {
		left, stack = stack[len(stack)-1], stack[:len(stack)-1]
	}
	aliased := false // a Raw handed out aliases d.pending
	var err error
loop:
	for pos < len(buf) {
		// The token header: prefix bytes (base-128, little end first), then the type byte.
		// Fast path: with 8 bytes at hand, the type byte is the first with its high bit
		// set, found in one word; lists, strings and vocabulary words then pack their
		// prefix value from the same word. Otherwise (near the end of the input, or a
		// prefix of 8 bytes or more) the bytes are read one by one: up to 9 prefix bytes
		// cannot overflow 64 bits and are summed on the way; a longer prefix (hostile, or
		// non-canonical with high zero groups) is read again.
		p := pos
		var c byte
		var n, pw uint64 // pw: the prefix bytes of the fast path, packed into n when needed
		over, fast := false, false
		if len(buf)-pos >= 8 {
			w := binary.LittleEndian.Uint64(buf[pos:])
			if m := w & 0x8080808080808080; m != 0 {
				k := bits.TrailingZeros64(m) >> 3
				p += k
				c = buf[p]
				pw, fast = w&(1<<(8*k)-1), true
				goto header
			}
		}
		c = buf[p]
		if c < 0x80 {
			shift := uint(0)
			for {
				if shift <= 56 {
					n |= uint64(c) << shift
				}
				shift += 7
				p++
				if p == len(buf) {
					if p-pos > prefixLimit {
						err = errPrefixPending(prefixLimit)
					}
					break loop
				}
				if c = buf[p]; c >= 0x80 {
					break
				}
			}
			if p-pos > 9 {
				if p-pos > prefixLimit {
					err = errPrefixComplete(prefixLimit)
					break
				}
				n, over = prefixValue(buf[pos:p])
			}
		}
	header:
		rest := p + 1
		switch c {
		case Int, Neg, LongInt, LongNeg:
			pos = rest
		case List:
			if fast {
				n = compactPrefix(pw)
			}
			if over || n > uint64(sizeLimit) {
				err = errListTooLong
				break loop
			}
			pos = rest
			if n > 0 {
				if open {
					stack = append(stack, left)
				}
				left, open = n, true
				continue loop
			}
		case String:
			if fast {
				n = compactPrefix(pw)
			}
			if over || n > uint64(sizeLimit) {
				err = errStringTooLong
				break loop
			}
			if uint64(len(buf)-rest) < n {
				break loop // wait for the payload
			}
			pos = rest + int(n)
		case Float:
			if len(buf)-rest < 8 {
				break loop
			}
			pos = rest + 8
		case Vocab:
			if fast {
				n = compactPrefix(pw)
			}
			if over || n == 0 || n >= uint64(len(Vocabulary)) {
				err = newError(ErrUnknownVocab, "unknown vocabulary index "+prefixString(buf[pos:p]))
				break loop
			}
			if d.Dialect != DialectPB {
				err = errVocabNotAllowed
				break loop
			}
			pos = rest
		default:
			err = newError(ErrInvalidTypeByte, "Invalid Type Byte 0x"+strconv.FormatUint(uint64(c), 16))
			break loop
		}
		// One element finished: close the lists it completes.
		for open {
			if left--; left > 0 {
				continue loop
			}
			if len(stack) == 0 {
				open = false
				break
			}
			left, stack = stack[len(stack)-1], stack[:len(stack)-1]
		}
		var x any
		raw := buf[start:pos:pos]
		if d.RawAliases && callers {
			aliased = aliased || fromPending
		} else {
			raw = d.bytes(raw)
		}
		if len(raw) >= ownBytes {
			x = Raw(raw) // boxed on its own: a chunk would keep the bytes alive (see ownBytes)
		} else {
			x = d.boxes.raw(raw)
		}
		if err = out.expr(x); err != nil {
			break
		}
		start = pos
	}
	if open {
		stack = append(stack, left)
	}
	d.rawStack = stack
	if err != nil {
		d.err = err
		d.pending, d.spare = nil, nil
		d.rawStack = nil
		return err
	}
	tail := buf[start:]
	d.rawScan = pos - start
	switch {
	case len(tail) == 0:
		if fromPending && cap(d.pending) > maxRetained {
			d.pending = nil
		} else {
			d.pending = d.pending[:0]
		}
	case fromPending && start == 0:
		// Still the same expression: keep the buffer as it is.
	case aliased:
		// Expressions handed out alias this buffer until the next Feed: the tail moves
		// to the other one. (Two buffers, used in turn, so that large expressions that
		// arrive in pieces are neither copied out nor given a new buffer each time.)
		d.spare = append(d.spare[:0], tail...)
		d.pending, d.spare = d.spare, d.pending[:0]
		if cap(d.spare) > maxRetained {
			d.spare = nil
		}
	case fromPending:
		d.pending = d.pending[:copy(d.pending, tail)]
	default:
		d.pending = append(d.pending[:0], tail...)
	}
	return nil
}

// maxRetained bounds the buffers a decoder keeps between expressions: room for a 64 KiB
// payload and its message, not for a hostile peer's megabytes.
const maxRetained = 128 << 10
