package banana

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"reflect"
	"strconv"
)

// Type bytes, the last byte of every token.
const (
	List    byte = 0x80 // prefix: element count; the elements follow
	Int     byte = 0x81 // prefix: value (0 <= v < 2**31 when Twisted encodes)
	String  byte = 0x82 // prefix: length; the bytes follow
	Neg     byte = 0x83 // prefix: magnitude (-2**31 <= v < 0 when Twisted encodes)
	Float   byte = 0x84 // no prefix; 8 bytes of big-endian IEEE-754 follow
	LongInt byte = 0x85 // prefix: value (v >= 2**31)
	LongNeg byte = 0x86 // prefix: magnitude (v < -2**31)
	Vocab   byte = 0x87 // prefix: vocabulary index; dialect "pb" only
)

const (
	// SizeLimit is Twisted's SIZE_LIMIT: the longest list (elements) or byte string
	// (bytes) accepted or sent, 640 KiB. Exactly SizeLimit is allowed.
	SizeLimit = 640 * 1024
	// PrefixLimit is the longest base-128 prefix accepted, in bytes (Twisted's
	// setPrefixLimit(64)). It caps integers at ±(2**448-1).
	PrefixLimit = 64
	// MaxEncodeDepth bounds list nesting in the encoder, so that re-encoding a hostile
	// decoded expression cannot exhaust the goroutine stack.
	MaxEncodeDepth = 1 << 16
)

// canonicalNaN is the bit pattern CPython uses for float('nan'); Go's math.NaN() is
// 0x7FF8000000000001, which would not be byte-identical on the wire.
const (
	canonicalNaN = 0x7FF8000000000000
	goNaN        = 0x7FF8000000000001
)

// largestLongInt is 2**448-1, the largest magnitude a 64-byte prefix holds.
var largestLongInt = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 7*PrefixLimit), big.NewInt(1))

// AppendPrefix appends v in base 128, least significant group first, then the type byte.
// Zero is written as one 00 byte, as Twisted's int2b128 does.
func AppendPrefix(buf []byte, v uint64, typ byte) []byte {
	if v < 0x80 {
		return append(buf, byte(v), typ)
	}
	for v != 0 {
		buf = append(buf, byte(v&0x7f))
		v >>= 7
	}
	return append(buf, typ)
}

// AppendInt appends an integer token chosen the way Twisted chooses it: INT for
// 0..2**31-1, LONGINT above, NEG for -2**31..-1 and LONGNEG below.
func AppendInt(buf []byte, v int64) []byte {
	// Small enough to be inlined for the common one-byte prefix.
	if uint64(v) < 0x80 {
		return append(buf, byte(v), Int)
	}
	return appendInt(buf, v)
}

func appendInt(buf []byte, v int64) []byte {
	switch {
	case uint64(v) < 1<<14:
		return append(buf, byte(v&0x7f), byte(v>>7), Int)
	case v >= 0 && v <= math.MaxInt32:
		return AppendPrefix(buf, uint64(v), Int)
	case v > math.MaxInt32:
		return AppendPrefix(buf, uint64(v), LongInt)
	case v >= math.MinInt32:
		return AppendPrefix(buf, uint64(-v), Neg)
	default:
		// -v overflows for MinInt64; the unsigned negation does not.
		return AppendPrefix(buf, -uint64(v), LongNeg)
	}
}

// AppendUint appends a non-negative integer token (INT or LONGINT).
func AppendUint(buf []byte, v uint64) []byte {
	if v <= math.MaxInt32 {
		return AppendPrefix(buf, v, Int)
	}
	return AppendPrefix(buf, v, LongInt)
}

// AppendBigInt appends an integer of any size up to ±(2**448-1); beyond that it returns
// ErrIntTooLarge and buf unchanged.
func AppendBigInt(buf []byte, v *big.Int) ([]byte, error) {
	if v.IsInt64() {
		return AppendInt(buf, v.Int64()), nil
	}
	if v.CmpAbs(largestLongInt) > 0 {
		return buf, newError(ErrIntTooLarge, "int is too large to send ("+v.String()+")")
	}
	typ := LongInt
	if v.Sign() < 0 {
		typ = LongNeg
	}
	// Walk the magnitude's words 7 bits at a time without allocating a copy.
	words := v.Bits()
	nbits := 0
	for i := len(words) - 1; i >= 0; i-- {
		if words[i] != 0 {
			nbits = i*bits.UintSize + bits.Len(uint(words[i]))
			break
		}
	}
	for pos := 0; pos < nbits; pos += 7 {
		w, off := pos/bits.UintSize, pos%bits.UintSize
		g := uint(words[w]) >> off
		if off > bits.UintSize-7 && w+1 < len(words) {
			g |= uint(words[w+1]) << (bits.UintSize - off)
		}
		buf = append(buf, byte(g&0x7f))
	}
	return append(buf, typ), nil
}

// AppendFloat appends a FLOAT token: 84 and 8 big-endian bytes. Go's math.NaN() is sent
// with CPython's NaN bits (7ff8000000000000); any other NaN keeps its bits.
func AppendFloat(buf []byte, f float64) []byte {
	b := math.Float64bits(f)
	if b == goNaN {
		b = canonicalNaN
	}
	return append(buf, Float, byte(b>>56), byte(b>>48), byte(b>>40), byte(b>>32),
		byte(b>>24), byte(b>>16), byte(b>>8), byte(b))
}

// AppendString appends a byte string. In dialect DialectPB a string equal to one of the 31
// vocabulary words is sent as a VOCAB token, exactly as Twisted does, wherever it appears.
// AppendString does not check the size limit; callers that take untrusted lengths use
// AppendExpr or check len(s) <= SizeLimit themselves.
func AppendString(buf []byte, s []byte, d Dialect) []byte {
	if d == DialectPB {
		if i := vocabIndexBytes(s); i != 0 {
			return append(buf, byte(i), Vocab)
		}
	}
	buf = AppendPrefix(buf, uint64(len(s)), String)
	return append(buf, s...)
}

// AppendStr is AppendString for bytes held in a Go string (a jelly tag such as "unicode",
// a PB message name), sparing the conversion. It still sends a banana byte string: banana
// has no text type.
func AppendStr(buf []byte, s string, d Dialect) []byte {
	if d == DialectPB {
		if i := VocabIndex(s); i != 0 {
			return append(buf, byte(i), Vocab)
		}
	}
	buf = AppendPrefix(buf, uint64(len(s)), String)
	return append(buf, s...)
}

// AppendListHeader appends the header of a list of n elements; the caller then appends
// exactly n expressions.
func AppendListHeader(buf []byte, n int) []byte {
	return AppendPrefix(buf, uint64(n), List)
}

// AppendExpr appends the banana encoding of the s-expression x in dialect d, enforcing
// SizeLimit on lists and strings. x is built from:
//
//	[]any                         LIST (a typed slice such as []int64 or [][]byte also works)
//	[]byte                        STRING (VOCAB in dialect pb when it equals a word)
//	int, int8..int64, uint..uint64, bool   INT/NEG/LONGINT/LONGNEG (bool as 1/0, like Python)
//	*big.Int, big.Int             any integer up to ±(2**448-1)
//	float64, float32              FLOAT
//
// A Go string is refused with ErrUnsupportedType, as Twisted refuses str: text must be
// wrapped by jelly as ['unicode', utf8]. On error buf is returned unchanged in length.
func AppendExpr(buf []byte, x any, d Dialect) ([]byte, error) {
	n := len(buf)
	out, err := appendExpr(buf, x, d, SizeLimit, 0)
	if err != nil {
		return buf[:n], err
	}
	return out, nil
}

// Encode returns the encoding of x in dialect "none", like Twisted's banana.encode (which
// never produces VOCAB tokens).
func Encode(x any) ([]byte, error) {
	return AppendExpr(nil, x, DialectNone)
}

func appendExpr(buf []byte, x any, d Dialect, limit, depth int) ([]byte, error) {
	switch v := x.(type) {
	case []any:
		if len(v) > limit {
			return buf, newError(ErrListTooLong, "list/tuple is too long to send ("+strconv.Itoa(len(v))+")")
		}
		if depth >= MaxEncodeDepth {
			return buf, newError(ErrTooDeep, "lists nested more than "+strconv.Itoa(MaxEncodeDepth)+" deep")
		}
		buf = AppendListHeader(buf, len(v))
		var err error
		for _, e := range v {
			if buf, err = appendExpr(buf, e, d, limit, depth+1); err != nil {
				return buf, err
			}
		}
		return buf, nil
	case []byte:
		if len(v) > limit && !(d == DialectPB && vocabIndexBytes(v) != 0) {
			return buf, newError(ErrStringTooLong, "byte string is too long to send ("+strconv.Itoa(len(v))+")")
		}
		return AppendString(buf, v, d), nil
	case int64:
		return AppendInt(buf, v), nil
	case int:
		return AppendInt(buf, int64(v)), nil
	case float64:
		return AppendFloat(buf, v), nil
	case *big.Int:
		if v == nil {
			return buf, newError(ErrUnsupportedType, "Banana cannot send nil *big.Int objects")
		}
		return AppendBigInt(buf, v)
	case big.Int:
		return AppendBigInt(buf, &v)
	case int32:
		return AppendInt(buf, int64(v)), nil
	case int16:
		return AppendInt(buf, int64(v)), nil
	case int8:
		return AppendInt(buf, int64(v)), nil
	case uint64:
		return AppendUint(buf, v), nil
	case uint:
		return AppendUint(buf, uint64(v)), nil
	case uint32:
		return AppendUint(buf, uint64(v)), nil
	case uint16:
		return AppendUint(buf, uint64(v)), nil
	case uint8:
		return AppendUint(buf, uint64(v)), nil
	case float32:
		return AppendFloat(buf, float64(v)), nil
	case bool:
		if v {
			return append(buf, 1, Int), nil
		}
		return append(buf, 0, Int), nil
	case string:
		return buf, newError(ErrUnsupportedType, fmt.Sprintf("Banana cannot send builtins.str objects: %q", v))
	}
	// Typed slices and arrays (but not byte strings handled above) encode as lists.
	rv := reflect.ValueOf(x)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		if rv.Type().Elem().Kind() == reflect.Uint8 && rv.Kind() == reflect.Slice {
			return appendExpr(buf, rv.Bytes(), d, limit, depth)
		}
		n := rv.Len()
		if n > limit {
			return buf, newError(ErrListTooLong, "list/tuple is too long to send ("+strconv.Itoa(n)+")")
		}
		if depth >= MaxEncodeDepth {
			return buf, newError(ErrTooDeep, "lists nested more than "+strconv.Itoa(MaxEncodeDepth)+" deep")
		}
		buf = AppendListHeader(buf, n)
		var err error
		for i := 0; i < n; i++ {
			if buf, err = appendExpr(buf, rv.Index(i).Interface(), d, limit, depth+1); err != nil {
				return buf, err
			}
		}
		return buf, nil
	}
	return buf, newError(ErrUnsupportedType, fmt.Sprintf("Banana cannot send %T objects: %v", x, x))
}
