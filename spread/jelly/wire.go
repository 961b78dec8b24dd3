package jelly

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/gotwisted/twisted/spread/banana"
)

// UnjellyBanana decodes one complete banana expression from the start of wire (in
// dialect d) and unjellies it, without building the intermediate s-expression: the same
// result as banana.Decoder.Feed followed by Unjelly, at a fraction of the allocations.
// It returns the value and the number of bytes the expression occupied. An incomplete
// expression fails with banana.ErrIncomplete; banana's limits (SizeLimit, PrefixLimit)
// and errors apply as in banana.Decoder. The common nodes (atoms, unicode, list, tuple,
// dictionary, None, boolean) are built straight from the bytes; any other node is
// decoded as a tree and handed to the ordinary unjellier, so the semantics are exactly
// Unjelly's. One difference: a malformed node may be reported before a banana error that
// follows it in the bytes (both mean "drop the connection").
//
// Like Unjelly it runs one session (reference ids, post-unjelly hooks) when called from
// outside, and a part of the current session when called from inside an UnjellyFunc.
func (u *Unjellier) UnjellyBanana(wire []byte, d banana.Dialect) (any, int, error) {
	p := newWireParser(u, wire, d)
	if u.depth > 0 {
		return p.value(0)
	}
	u.reset()
	v, n, err := p.value(0)
	if err == nil && u.open > 0 {
		err = u.unresolvedError()
	}
	post := u.post
	u.reset()
	if err != nil {
		return nil, 0, err
	}
	for _, h := range post {
		if err := guardErr("PostUnjelly", func() error { h.PostUnjelly(); return nil }); err != nil {
			return nil, 0, err
		}
	}
	return v, n, nil
}

// UnjellyBanana decodes and unjellies the single banana expression that fills wire.
func UnjellyBanana(wire []byte, d banana.Dialect, opts ...Option) (any, error) {
	c := apply(opts)
	u := Unjellier{Invoker: c.invoker, Security: c.security, Registry: c.registry, MaxDepth: c.maxDepth}
	v, n, err := u.UnjellyBanana(wire, d)
	if err == nil && n != len(wire) {
		err = newError(ErrMalformed, strconv.Itoa(len(wire)-n)+" bytes after the expression")
	}
	return v, err
}

type wireParser struct {
	u                  *Unjellier
	b                  []byte
	d                  banana.Dialect
	limit, prefixLimit int
	text               bool // ['unicode', ...] takes quickText: allowed, not overridden
	pure               bool // TryUnjellyBanana: refuse the nodes left to the unjellier
}

func newWireParser(u *Unjellier, wire []byte, d banana.Dialect) wireParser {
	p := wireParser{u: u, b: wire, d: d, limit: u.SizeLimit, prefixLimit: u.PrefixLimit,
		text: u.security().allowsBuiltin(codeUnicode) && !u.Registry.overrides(codeUnicode) &&
			!DefaultRegistry.overrides(codeUnicode)}
	if p.limit <= 0 {
		p.limit = banana.SizeLimit
	}
	if p.prefixLimit <= 0 {
		p.prefixLimit = banana.PrefixLimit
	}
	return p
}

// errNotPure stops TryUnjellyBanana at a node with effects; the caller never sees it.
var errNotPure = newError(ErrUnsupportedType, "node left to the unjellier")

// TryUnjellyBanana is UnjellyBanana restricted to what has no effect beyond building the
// value: atoms, None, booleans, text, lists, tuples and dictionaries. For any other node
// (a class instance, a reference, a registered tag...), for an expression wire does not
// hold whole, and for anything UnjellyBanana would refuse, it reports ok false, having
// called no hook and kept nothing; the caller then takes the ordinary path, which runs
// the hooks or reports the error. PB's broker uses it to read whole messages straight
// from what it receives, leaving the rest to banana's framing and UnjellyBanana.
func (u *Unjellier) TryUnjellyBanana(wire []byte, d banana.Dialect) (v any, n int, ok bool) {
	if u.depth > 0 {
		return nil, 0, false
	}
	p := newWireParser(u, wire, d)
	p.pure = true
	u.reset()
	v, n, err := p.value(0)
	u.reset()
	if err != nil {
		return nil, 0, false
	}
	return v, n, true
}

func bananaErr(kind error, msg string) error { return &banana.Error{Kind: kind, Msg: msg} }

var errIncomplete = bananaErr(banana.ErrIncomplete, "expression truncated")

// token reads the token starting at pos: its type byte, prefix value (over when it does
// not fit in 64 bits), raw prefix, and the position after the type byte. For strings and
// floats it checks the payload is present; for lists and strings, the size limit.
func (p *wireParser) token(pos int) (typ byte, n uint64, over bool, prefix []byte, next int, err error) {
	q := pos
	for q < len(p.b) && p.b[q] < 0x80 {
		q++
	}
	if q-pos > p.prefixLimit {
		return 0, 0, false, nil, 0, bananaErr(banana.ErrPrefixTooLong,
			"Security precaution: longer than "+strconv.Itoa(p.prefixLimit)+" bytes worth of prefix")
	}
	if q == len(p.b) {
		return 0, 0, false, nil, 0, errIncomplete
	}
	prefix = p.b[pos:q]
	typ = p.b[q]
	next = q + 1
	for i, c := range prefix {
		if c == 0 {
			continue
		}
		shift := uint(7 * i)
		if shift >= 64 || (shift > 57 && uint64(c)>>(64-shift) != 0) {
			over = true
			break
		}
		n |= uint64(c) << shift
	}
	switch typ {
	case banana.List:
		if over || n > uint64(p.limit) {
			return 0, 0, false, nil, 0, bananaErr(banana.ErrListTooLong, "Security precaution: List too long.")
		}
	case banana.String:
		if over || n > uint64(p.limit) {
			return 0, 0, false, nil, 0, bananaErr(banana.ErrStringTooLong, "Security precaution: String too long.")
		}
		if uint64(len(p.b)-next) < n {
			return 0, 0, false, nil, 0, errIncomplete
		}
	case banana.Float:
		if len(p.b)-next < 8 {
			return 0, 0, false, nil, 0, errIncomplete
		}
	case banana.Vocab:
		if over || n == 0 || n >= uint64(len(banana.Vocabulary)) {
			return 0, 0, false, nil, 0, bananaErr(banana.ErrUnknownVocab, "unknown vocabulary index")
		}
		if p.d != banana.DialectPB {
			return 0, 0, false, nil, 0, bananaErr(banana.ErrVocabNotAllowed, "Invalid item for pb protocol")
		}
	case banana.Int, banana.Neg, banana.LongInt, banana.LongNeg:
	default:
		return 0, 0, false, nil, 0, bananaErr(banana.ErrInvalidTypeByte, "Invalid Type Byte 0x"+strconv.FormatUint(uint64(typ), 16))
	}
	return typ, n, over, prefix, next, nil
}

// bytesAt returns the byte string of a STRING or VOCAB token, aliasing the input.
func (p *wireParser) bytesAt(typ byte, n uint64, next int) ([]byte, int) {
	if typ == banana.Vocab {
		w := banana.Vocabulary[n]
		return unsafe.Slice(unsafe.StringData(w), len(w)), next
	}
	return p.b[next : next+int(n)], next + int(n)
}

// atom converts a non-list token to its Go value.
func (p *wireParser) atom(typ byte, n uint64, over bool, prefix []byte, next int) (any, int) {
	switch typ {
	case banana.Int, banana.LongInt, banana.Neg, banana.LongNeg:
		neg := typ == banana.Neg || typ == banana.LongNeg
		if !over {
			if !neg && n <= math.MaxInt64 {
				return p.u.bx.int64(int64(n)), next
			}
			if neg && n <= 1<<63 {
				return p.u.bx.int64(-int64(n)), next
			}
		}
		z := new(big.Int)
		var t big.Int
		for i := len(prefix) - 1; i >= 0; i-- {
			z.Lsh(z, 7)
			z.Or(z, t.SetUint64(uint64(prefix[i])))
		}
		if neg {
			z.Neg(z)
		}
		if z.IsInt64() {
			return z.Int64(), next
		}
		return z, next
	case banana.Float:
		f := math.Float64frombits(binary.BigEndian.Uint64(p.b[next:]))
		return p.u.bx.float64(f), next + 8
	}
	b, next := p.bytesAt(typ, n, next)
	return p.u.bx.bytes(b), next
}

// quickInt decodes an INT or NEG token of up to 7 prefix bytes (the common case of list
// elements) without the general token machinery; ok is false for anything else. With 8
// bytes at hand the type byte is found in one word (the first byte with its high bit
// set) and the value packed from the same word.
func (p *wireParser) quickInt(pos int) (any, int, bool) {
	b := p.b
	if len(b)-pos < 8 {
		return p.quickIntTail(pos)
	}
	w := binary.LittleEndian.Uint64(b[pos:])
	m := w & 0x8080808080808080
	if m == 0 {
		return nil, 0, false
	}
	k := bits.TrailingZeros64(m) >> 3
	v := int64(packPrefix(w & (1<<(8*k) - 1)))
	switch b[pos+k] {
	case banana.Int, banana.LongInt:
	case banana.Neg, banana.LongNeg:
		v = -v
	default:
		return nil, 0, false
	}
	return p.u.bx.int64(v), pos + k + 1, true
}

// ints decodes the run of INT and NEG tokens (short ones, as quickInt) at pos into s[i:],
// and returns where it stopped: at the end of s, at another token, or near the end of the
// input. Lists of numbers spend their time here, so it takes the tokens a word at a time:
// every byte with its high bit set ends a token, each token's prefix is the bytes before
// its type byte, and all the tokens that end in the word are decoded from the word
// without reading memory again.
func (p *wireParser) ints(s []any, i, pos int) (int, int) {
	b := p.b
	for i < len(s) && len(b)-pos >= 8 {
		w := binary.LittleEndian.Uint64(b[pos:])
		m := w & 0x8080808080808080
		if m == 0 {
			break
		}
		lo := uint(0) // bit where the current token starts in w
		for ; m != 0 && i < len(s); m &= m - 1 {
			sh := uint(bits.TrailingZeros64(m)) &^ 7    // the type byte's first bit
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
			if uint64(v-smallIntMin) < smallIntMax-smallIntMin {
				// Both words point outside the heap (a type descriptor, the static table)
				// and s[i] is fresh zeroed memory, so the store needs no write barrier.
				w := (*[2]uintptr)(unsafe.Pointer(&s[i]))
				w[0], w[1] = uintptr(int64TypeW), uintptr(unsafe.Pointer(&smallInts[v-smallIntMin]))
			} else {
				s[i] = p.u.bx.bigInt64(v)
			}
			i++
			lo = sh + 8
		}
		pos += int(lo >> 3)
	}
	return i, pos
}

// quickIntTail is quickInt for the last few bytes of the input.
func (p *wireParser) quickIntTail(pos int) (any, int, bool) {
	var v uint64
	b := p.b
	for i := 0; i < 9 && pos+i < len(b); i++ {
		c := b[pos+i]
		if c < 0x80 {
			v |= uint64(c) << (7 * i)
			continue
		}
		switch c {
		case banana.Int, banana.LongInt:
			return p.u.bx.int64(int64(v)), pos + i + 1, true
		case banana.Neg, banana.LongNeg:
			return p.u.bx.int64(-int64(v)), pos + i + 1, true
		}
		return nil, 0, false
	}
	return nil, 0, false
}

// packPrefix returns the value of up to 7 banana prefix bytes held in the low bytes of x
// (high bits clear): their 7-bit groups packed together.
func packPrefix(x uint64) uint64 {
	x = x&0x007F007F007F007F | (x&0x7F007F007F007F00)>>1
	x = x&0x00003FFF00003FFF | (x&0x3FFF00003FFF0000)>>2
	return x&0x000000000FFFFFFF | (x&0x0FFFFFFF00000000)>>4
}

// codeUnicode is builtinCode("unicode").
const codeUnicode = 1

// unicodeHead is how every ['unicode', ...] node starts, in both dialects (the tag is
// not a vocabulary word): a two-element list and the tag.
const unicodeHead = "\x02\x80\x07\x82unicode"

// quickText decodes the common ['unicode', text] node without the general machinery; ok
// is false for anything else (another node, or one the general path must judge: too
// deep, invalid UTF-8, a payload that is not a plain string token), which value then
// decodes exactly as before.
func (p *wireParser) quickText(pos int) (any, int, bool) {
	b := p.b
	if !p.text || len(b)-pos < len(unicodeHead)+2 || string(b[pos:pos+len(unicodeHead)]) != unicodeHead ||
		p.u.depth >= p.u.maxDepth() {
		return nil, 0, false
	}
	q := pos + len(unicodeHead)
	var n uint64
	for i := 0; ; i++ {
		if q >= len(b) || i == 4 {
			return nil, 0, false
		}
		c := b[q]
		q++
		if c >= 0x80 {
			if c != banana.String {
				return nil, 0, false
			}
			break
		}
		n |= uint64(c) << (7 * i)
	}
	if n > uint64(p.limit) || uint64(len(b)-q) < n || !utf8.Valid(b[q:q+int(n)]) {
		return nil, 0, false
	}
	return p.u.bx.string(b[q : q+int(n)]), q + int(n), true
}

// value decodes and unjellies the expression at pos.
func (p *wireParser) value(pos int) (any, int, error) {
	typ, n, over, prefix, next, err := p.token(pos)
	if err != nil {
		return nil, 0, err
	}
	if typ != banana.List {
		v, next := p.atom(typ, n, over, prefix, next)
		return v, next, nil
	}
	if n == 0 {
		return nil, 0, newError(ErrMalformed, "empty list as a jelly node (IndexError)")
	}
	ttyp, tn, _, _, tnext, err := p.token(next)
	if err != nil {
		return nil, 0, err
	}
	if ttyp != banana.String && ttyp != banana.Vocab {
		return nil, 0, newError(ErrMalformed, "jelly node tag is not bytes (AttributeError)")
	}
	tag, after := p.bytesAt(ttyp, tn, tnext)
	u := p.u
	code := builtinCode(tag)
	fast := code >= 0 && !u.Registry.overrides(code) && !DefaultRegistry.overrides(code)
	switch {
	case fast && code <= 4, fast && code == 7: // None unicode boolean list tuple; dictionary
	default:
		// Everything else takes the ordinary path on a tree of this node.
		if p.pure {
			return nil, 0, errNotPure
		}
		tree, end, err := p.tree(pos, 0)
		if err != nil {
			return nil, 0, err
		}
		v, err := u.unjelly(tree)
		return v, end, err
	}
	if !u.security().allowsBuiltin(code) {
		return nil, 0, newError(InsecureJelly, quoteBytes(tag))
	}
	u.depth++
	if u.depth > u.maxDepth() {
		u.depth--
		return nil, 0, newError(ErrTooDeep, "more than "+strconv.Itoa(u.maxDepth())+" levels")
	}
	v, end, err := p.fastNode(code, tag, int(n)-1, after)
	u.depth--
	return v, end, err
}

// fastNode builds the nodes the wire decoder handles itself; rest elements follow the tag.
func (p *wireParser) fastNode(code int, tag []byte, rest, after int) (any, int, error) {
	u := p.u
	switch code {
	case 0: // None
		end, err := p.skip(after, rest, 0)
		return nil, end, err
	case 1, 2: // unicode, boolean
		if rest < 1 {
			return nil, 0, newError(ErrMalformed, string(tag)+" node too short (IndexError)")
		}
		ptyp, pn, pover, pprefix, pnext, err := p.token(after)
		if err != nil {
			return nil, 0, err
		}
		if ptyp != banana.String && ptyp != banana.Vocab {
			if ptyp == banana.List {
				return nil, 0, newError(ErrMalformed, string(tag)+" payload is list, not bytes (TypeError)")
			}
			a, _ := p.atom(ptyp, pn, pover, pprefix, pnext)
			return nil, 0, newError(ErrMalformed, string(tag)+" payload is "+atomType(a)+", not bytes (TypeError)")
		}
		b, next := p.bytesAt(ptyp, pn, pnext)
		end, err := p.skip(next, rest-1, 0)
		if err != nil {
			return nil, 0, err
		}
		if code == 2 {
			switch string(b) {
			case "true":
				return true, end, nil
			case "false":
				return false, end, nil
			}
			return nil, 0, newError(ErrMalformed, "boolean must be true or false, not "+quoteBytes(b)+" (AssertionError)")
		}
		if !utf8.Valid(b) {
			return nil, 0, newError(ErrInvalidUnicode, "'utf-8' codec can't decode "+quoteBytes(b))
		}
		return u.bx.string(b), end, nil
	case 3, 4: // list, tuple
		typW := listTypeW
		if code == 4 {
			typW = tupleTypeW
		}
		if rest > len(p.b)-after { // each element takes a byte at least
			return nil, 0, errIncomplete
		}
		s := u.bx.slice(rest, max(rest, 1))
		v := u.bx.list(typW, s)
		pos := after
		for i := 0; i < len(s); i++ {
			if i, pos = p.ints(s, i, pos); i == len(s) {
				break
			}
			if e, next, ok := p.quickInt(pos); ok {
				s[i], pos = e, next
				continue
			}
			if e, next, ok := p.quickText(pos); ok {
				s[i], pos = e, next
				continue
			}
			e, next, err := p.value(pos)
			if err != nil {
				return nil, 0, err
			}
			s[i] = e
			if ph, ok := e.(*Dereference); ok && ph.e != nil && ph.e.state == refPlaceholder {
				ph.e.deps = append(ph.e.deps, dependant{s: s, i: i})
			}
			pos = next
		}
		return v, pos, nil
	default: // dictionary
		if rest > (len(p.b)-after)/2 { // each pair takes two bytes at least
			return nil, 0, errIncomplete
		}
		d := &Dict{items: make([]DictItem, 0, rest), keys: make([]any, 0, rest)}
		u.bx.owned += 48 * rest // storage of its own (see ubox.endSession)
		pos := after
		for i := 0; i < rest; i++ {
			var pnext int
			if len(p.b)-pos >= 2 && p.b[pos] == 2 && p.b[pos+1] == banana.List {
				pnext = pos + 2 // the usual pair header
			} else {
				ptyp, pn, _, _, next, err := p.token(pos)
				if err != nil {
					return nil, 0, err
				}
				if ptyp != banana.List || pn != 2 {
					return nil, 0, newError(ErrMalformed, "dictionary item is not a [key, value] pair")
				}
				pnext = next
			}
			k, vpos, ok := p.quickText(pnext)
			if !ok {
				var err error
				if k, vpos, err = p.value(pnext); err != nil {
					return nil, 0, err
				}
			}
			val, next, ok := p.quickInt(vpos)
			if !ok {
				if val, next, ok = p.quickText(vpos); !ok {
					var err error
					if val, next, err = p.value(vpos); err != nil {
						return nil, 0, err
					}
				}
			}
			hk, err := hashKey(k)
			if err != nil {
				return nil, 0, err
			}
			d.appendRaw(k, val, hk)
			j := len(d.items) - 1
			if ph, ok := k.(*Dereference); ok && ph.e != nil && ph.e.state == refPlaceholder {
				ph.e.deps = append(ph.e.deps, dependant{d: d, i: j, isKey: true})
			}
			if ph, ok := val.(*Dereference); ok && ph.e != nil && ph.e.state == refPlaceholder {
				ph.e.deps = append(ph.e.deps, dependant{d: d, i: j})
			}
			pos = next
		}
		d.checkDuplicates(&u.dups)
		return d, pos, nil
	}
}

// skip validates count expressions starting at pos without building them.
func (p *wireParser) skip(pos, count, depth int) (int, error) {
	if depth > p.u.maxDepth()+banana.MaxEncodeDepth {
		return 0, newError(ErrTooDeep, "s-expression nested too deeply")
	}
	for ; count > 0; count-- {
		typ, n, _, _, next, err := p.token(pos)
		if err != nil {
			return 0, err
		}
		switch typ {
		case banana.List:
			if pos, err = p.skip(next, int(n), depth+1); err != nil {
				return 0, err
			}
		case banana.String:
			pos = next + int(n)
		case banana.Float:
			pos = next + 8
		default:
			pos = next
		}
	}
	return pos, nil
}

// tree decodes the expression at pos as banana does (fresh copies of byte strings), for
// the nodes left to the ordinary unjellier.
func (p *wireParser) tree(pos, depth int) (any, int, error) {
	if depth > p.u.maxDepth() {
		return nil, 0, newError(ErrTooDeep, "more than "+strconv.Itoa(p.u.maxDepth())+" levels")
	}
	typ, n, over, prefix, next, err := p.token(pos)
	if err != nil {
		return nil, 0, err
	}
	switch typ {
	case banana.List:
		l := make([]any, 0, min(int(n), len(p.b)-next))
		for i := 0; i < int(n); i++ {
			var e any
			if e, next, err = p.tree(next, depth+1); err != nil {
				return nil, 0, err
			}
			l = append(l, e)
		}
		if n == 0 {
			return []any(nil), next, nil
		}
		return l, next, nil
	case banana.String, banana.Vocab:
		b, end := p.bytesAt(typ, n, next)
		return append([]byte{}, b...), end, nil
	}
	v, end := p.atom(typ, n, over, prefix, next)
	return v, end, nil
}
