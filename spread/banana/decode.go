package banana

import (
	"encoding/binary"
	"math"
	"math/big"
	"strconv"
)

// Decoder is the incremental banana decoder: feed it bytes in any split, down to one byte
// at a time, and it yields each complete top-level expression. It is iterative (nesting
// depth costs heap, never goroutine stack) and allocates only in proportion to the bytes
// it has actually received: a list claiming 655360 elements reserves no more slots than
// there are bytes left to fill them.
//
// Decoded values: []any for a LIST (nil for an empty one), []byte for a STRING or a VOCAB
// word (always a fresh copy the caller may keep and modify), int64 for an integer that
// fits, *big.Int beyond, float64 for a FLOAT.
//
// A Decoder is not safe for concurrent use. After an error it stays failed: a banana
// stream cannot be resynchronised, and Twisted drops the connection.
type Decoder struct {
	// Dialect decides whether VOCAB tokens are accepted (DialectPB only). It may be
	// changed between expressions, as negotiation does.
	Dialect Dialect
	// SizeLimit caps lists and strings; 0 means SizeLimit (655360).
	SizeLimit int
	// PrefixLimit caps prefixes in bytes; 0 means PrefixLimit (64).
	PrefixLimit int
	// Raw makes the decoder return each expression as its bytes (Raw) instead of a tree.
	// It may be switched on between expressions.
	Raw bool
	// RawAliases lets Raw expressions alias memory instead of being copied: the data
	// passed to Feed when an expression lies whole in it, or the decoder's own buffer
	// for one that arrived in pieces. Such a Raw is valid only until the next Feed and
	// as long as that data is: for a receiver that is done with each expression before
	// it feeds more bytes, as PB's broker is within one DataReceived.
	RawAliases bool

	pending []byte  // bytes received but not yet consumed
	stack   []frame // lists under construction, innermost last
	arena   []byte  // storage carved into decoded strings
	boxes   boxes   // storage for boxing decoded values (box.go)
	out     []any   // Feed's result while feeding
	err     error

	rawStack []uint64 // Raw mode: elements still needed by each open list
	rawScan  int      // Raw mode: where parsing resumes inside pending
	spare    []byte   // Raw mode with RawAliases: the other pending buffer
}

type frame struct {
	want  int
	items []any
}

// Feed decodes data, appending each complete top-level expression to exprs, and returns
// the extended slice. Bytes of an unfinished expression are kept for the next call. On
// error the expressions completed before the bad token are still returned.
func (d *Decoder) Feed(data []byte, exprs []any) ([]any, error) {
	d.out = exprs
	err := d.feed(data, (*appendSink)(d))
	exprs, d.out = d.out, nil
	return exprs, err
}

// sink receives complete top-level expressions. (An interface rather than a func value so
// that feeding allocates no closure.)
type sink interface {
	expr(x any) error
}

// appendSink collects expressions into Decoder.out.
type appendSink Decoder

func (s *appendSink) expr(x any) error {
	s.out = append(s.out, x)
	return nil
}

// firstSink keeps the first expression.
type firstSink struct {
	x     any
	found bool
}

func (s *firstSink) expr(x any) error {
	if !s.found {
		s.x, s.found = x, true
	}
	return nil
}

// Buffered reports how many received bytes are waiting for the rest of their token.
func (d *Decoder) Buffered() int { return len(d.pending) }

// Depth reports how many lists are open (received header, still missing elements).
func (d *Decoder) Depth() int { return len(d.stack) }

// Decode returns the first expression encoded in data, decoded in dialect "none" like
// Twisted's module-level banana.decode. Each call uses a fresh decoder, so a failed
// decode leaves nothing behind (test_statelessDecode).
func Decode(data []byte) (any, error) {
	var d Decoder
	d.Dialect = DialectNone
	var first firstSink
	if err := d.feed(data, &first); err != nil {
		return nil, err
	}
	if !first.found {
		return nil, newError(ErrIncomplete, "no complete expression in "+strconv.Itoa(len(data))+" bytes")
	}
	return first.x, nil
}

// feed is the decoding loop. out receives every complete top-level expression; it may
// change d.Dialect (negotiation) and the change applies to the very next token. An error
// it returns stops decoding and is returned.
func (d *Decoder) feed(data []byte, out sink) error {
	if d.err != nil {
		return d.err
	}
	sizeLimit := d.SizeLimit
	if sizeLimit <= 0 {
		sizeLimit = SizeLimit
	}
	prefixLimit := d.PrefixLimit
	if prefixLimit <= 0 {
		prefixLimit = PrefixLimit
	}
	if d.Raw {
		return d.feedRaw(data, out, sizeLimit, prefixLimit, true)
	}
	buf := data
	fromPending := false
	if len(d.pending) > 0 {
		d.pending = append(d.pending, data...)
		buf = d.pending
		fromPending = true
	}
	// The innermost open list lives in cur (and open says whether there is one), the
	// lists enclosing it in d.stack.
	var cur frame
	open := len(d.stack) > 0
	if open {
		cur = d.stack[len(d.stack)-1]
		d.stack[len(d.stack)-1] = frame{}
		d.stack = d.stack[:len(d.stack)-1]
	}
	hw := len(d.stack) // the stack's high-water mark in this call (see pop)
	pos := 0
	var err error
	for pos < len(buf) {
		// The token header: prefix bytes (base-128, little end first), then the type byte,
		// the first byte with its high bit set. Prefixes are short, and read a byte at a
		// time (see intRun).
		p := pos // the type byte's position
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
		typ := buf[p]
		var n uint64
		over := false
		switch p - pos {
		case 0:
		case 1:
			n = uint64(buf[pos])
		case 2:
			n = uint64(buf[pos]) | uint64(buf[pos+1])<<7
		default:
			n, over = prefixValue(buf[pos:p])
		}
		rest := p + 1
		var item any
		switch typ {
		case Int, LongInt, Neg, LongNeg:
			neg := typ == Neg || typ == LongNeg
			if over || (!neg && n > math.MaxInt64) || n > 1<<63 {
				item = intValue(buf[pos:p], neg) // beyond int64: a *big.Int
				pos = rest
				break
			}
			v := int64(n)
			if neg {
				v = -v // 1<<63 wraps to MinInt64, which is the right value
			}
			pos = rest
			if !open {
				item = d.boxes.int64(v)
				break
			}
			// An element of the innermost list, usually one of a run of numbers: stored in
			// place, and the rest of the run read in a tight loop (intRun).
			cur.items = d.boxes.appendInt(cur.items, v)
			if len(cur.items) < cur.want && prefixLimit >= 2 {
				cur.items, pos = intRun(cur.items, cur.want, buf, pos)
			}
			if len(cur.items) < cur.want {
				continue
			}
			item = d.boxes.list(cur.items)
			if open = len(d.stack) > 0; open {
				cur = d.pop()
			} else {
				cur = frame{}
			}
		case List:
			if over || n > uint64(sizeLimit) {
				err = errListTooLong
				break
			}
			pos = rest
			if n == 0 {
				item = []any(nil)
				break
			}
			// Reserve no more slots than bytes remain: every element takes at least one.
			c := int(n)
			if r := len(buf) - pos; r < c {
				c = r
			}
			if open {
				d.stack = append(d.stack, cur)
				hw = max(hw, len(d.stack))
			}
			cur, open = frame{want: int(n), items: d.boxes.itemSlice(c)}, true
			continue
		case String:
			if over || n > uint64(sizeLimit) {
				err = errStringTooLong
				break
			}
			if uint64(len(buf)-rest) < n {
				goto wait // wait for the payload without consuming the token
			}
			pos = rest + int(n)
			item = d.strAt(buf, rest, pos)
		case Float:
			if len(buf)-rest < 8 {
				goto wait
			}
			bits := binary.BigEndian.Uint64(buf[rest:])
			item = d.boxes.float64(math.Float64frombits(bits))
			pos = rest + 8
		case Vocab:
			if over || n == 0 || n >= uint64(len(Vocabulary)) {
				err = newError(ErrUnknownVocab, "unknown vocabulary index "+prefixString(buf[pos:p]))
				break
			}
			if d.Dialect != DialectPB {
				err = errVocabNotAllowed
				break
			}
			item = d.str(vocabBytes[n])
			pos = rest
		default:
			err = newError(ErrInvalidTypeByte, "Invalid Type Byte 0x"+strconv.FormatUint(uint64(typ), 16))
		}
		if err != nil {
			break
		}
		// Deliver the item, closing every list it completes.
		for open {
			cur.items = append(cur.items, item)
			if len(cur.items) < cur.want {
				break
			}
			item = d.boxes.list(cur.items)
			if open = len(d.stack) > 0; open {
				cur = d.pop()
			} else {
				cur = frame{}
			}
		}
		if !open {
			d.boxes.endExpr()
			if err = out.expr(item); err != nil {
				break
			}
			if d.Raw {
				// Negotiation switched to Raw mode: the rest of the input is raw.
				rest := buf[pos:]
				d.pending = d.pending[:0]
				clear(d.stack[:hw])
				return d.feedRaw(rest, out, sizeLimit, prefixLimit, !fromPending)
			}
		}
	}
wait:
	if err != nil {
		d.err = err
		d.pending = nil
		d.stack = nil
		return err
	}
	if open {
		d.stack = append(d.stack, cur)
	}
	clear(d.stack[len(d.stack):max(hw, len(d.stack))]) // see pop
	// Keep the unconsumed tail for the next call.
	tail := buf[pos:]
	switch {
	case len(tail) == 0:
		if fromPending && cap(d.pending) > maxRetained {
			d.pending = nil // do not pin a large buffer between messages
		} else {
			d.pending = d.pending[:0]
		}
	case fromPending && pos == 0:
		// Nothing consumed (a string or float still waiting for its payload): keep the
		// buffer as it is rather than copying it onto itself on every read.
	case fromPending:
		d.pending = d.pending[:copy(d.pending, tail)]
	default:
		d.pending = append(d.pending[:0], tail...)
	}
	return nil
}

// pop removes the innermost enclosing list from the stack and returns it. The frame stays in the stack's spare room until feed returns, which clears what this
// call used of that room: so that the stack keeps nothing alive between calls, without
// the cost of clearing every frame as it is popped.
func (d *Decoder) pop() frame {
	f := d.stack[len(d.stack)-1]
	d.stack = d.stack[:len(d.stack)-1]
	return f
}

// str returns a boxed copy of the byte string src (see bytes).
func (d *Decoder) str(src []byte) any {
	return d.boxes.bytes(d.bytes(src))
}

// strAt is str(buf[start:end]). A short string with 16 bytes of input from its start
// is copied as two words into the arena (what follows it there is overwritten by the
// next string, and lies beyond the copy's capacity): for the short strings that fill
// jelly's trees, a call to memmove costs more than the rest of the copy.
func (d *Decoder) strAt(buf []byte, start, end int) any {
	n := end - start
	if k := len(d.arena); n <= 16 && n > 0 && len(buf)-start >= 16 && cap(d.arena)-k >= 16 {
		a := d.arena[k : k+16]
		binary.LittleEndian.PutUint64(a, binary.LittleEndian.Uint64(buf[start:]))
		binary.LittleEndian.PutUint64(a[8:], binary.LittleEndian.Uint64(buf[start+8:]))
		d.arena = d.arena[:k+n]
		return d.boxes.bytes(a[:n:n])
	}
	return d.str(buf[start:end])
}

// bytes copies src out of the input into storage the caller may keep. Small strings share
// chunks (the arena), which start small and double as they fill, up to 4 KiB.
func (d *Decoder) bytes(src []byte) []byte {
	n := len(src)
	if n == 0 {
		return []byte{}
	}
	if n >= ownBytes {
		return append([]byte(nil), src...) // no zeroing before the copy
	}
	if n > cap(d.arena)-len(d.arena) {
		d.arena = make([]byte, 0, max(min(2*cap(d.arena), 4096), 256, n))
	}
	start := len(d.arena)
	d.arena = append(d.arena, src...)
	return d.arena[start : start+n : start+n]
}

// prefixValue reads a base-128 prefix. over is true when the value does not fit in 64
// bits; non-canonical high-order zero groups are accepted, as Twisted accepts them.
func prefixValue(p []byte) (v uint64, over bool) {
	for i, b := range p {
		if b == 0 {
			continue
		}
		shift := uint(7 * i)
		if shift >= 64 || (shift > 57 && uint64(b)>>(64-shift) != 0) {
			return 0, true
		}
		v |= uint64(b) << shift
	}
	return v, false
}

// intValue decodes an integer token's prefix as int64 when it fits, *big.Int otherwise.
func intValue(p []byte, neg bool) any {
	v, over := prefixValue(p)
	if !over {
		if !neg && v <= math.MaxInt64 {
			return int64(v)
		}
		if neg && v <= 1<<63 {
			return -int64(v) // 1<<63 wraps to MinInt64, which is the right value
		}
	}
	z := new(big.Int)
	var t big.Int
	for i := len(p) - 1; i >= 0; i-- {
		z.Lsh(z, 7)
		z.Or(z, t.SetUint64(uint64(p[i])))
	}
	if neg {
		z.Neg(z)
	}
	return z
}

func prefixString(p []byte) string {
	v, over := prefixValue(p)
	if over {
		return "(more than 64 bits)"
	}
	return strconv.FormatUint(v, 10)
}
