// Package pyrepr writes Python 3's repr() of a float, a str and a bytes value, character
// for character, so that Go code can print what a Python program prints.
//
// It exists for the places where this project must reproduce Python's text exactly: the
// ports of Twisted's example listings print the lines their Python originals print, and the
// jelly and PB tests compare a decoded value with the repr that real Python wrote into a
// golden file. Each of those has its own walker over containers and objects (a list is
// "[" + items + "]" in any Go), but the three scalars below are where a hand-rolled copy
// goes subtly wrong: when a float switches to an exponent, which quote a string takes, and
// which characters Python counts as printable.
//
// The three functions are pure and take Go's natural stand-ins for the Python values:
//
//	pyrepr.Float(1e16)            // 1e+16
//	pyrepr.Float(100)             // 100.0
//	pyrepr.Str("it's")            // "it's"
//	pyrepr.Str("caf\u00e9\u00a0") // 'café\xa0'
//	pyrepr.Bytes([]byte("\x00A")) // b'\x00A'
//
// A Python str is a sequence of code points, a Go string a sequence of bytes that is usually
// UTF-8. Str reads a byte that is not part of valid UTF-8 the way Python's surrogateescape
// error handler decodes it (os.fsdecode, sys.argv and the like): as the lone surrogate
// U+DC80..U+DCFF, which repr shows as \udcXX. So Str(s) is Python's
// repr(s_bytes.decode('utf-8', 'surrogateescape')) for every s, valid UTF-8 or not.
//
// Which code points are printable comes from Go's unicode tables (unicode.IsPrint, which
// draws the same line as Python's str.isprintable). A character assigned in one Unicode
// edition and not in an older one prints raw from Go and escaped from a Python built on the
// older tables; that is the only way the two can differ.
package pyrepr

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Float is Python's repr(f) (and str(f)): the shortest decimal that reads back as f, in
// positional notation with at least one digit after the point ("100.0", "0.0001",
// "-0.0") when its decimal exponent is from -4 to 15, and in scientific notation with a
// signed exponent of two digits at least ("1e+16", "1e-05", "5e-324") outside that;
// "inf", "-inf" and "nan" for the values that are not finite.
func Float(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	// Go's shortest digits are Python's (the fewest digits that round-trip, the closest to f
	// among those), and Go's 'e' layout is Python's: d.ddde±XX.
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	at := bytes.LastIndexByte(e, 'e')
	exp := 0
	for _, c := range e[at+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[at+1] == '-' {
		exp = -exp
	}
	if exp < -4 || exp >= 16 {
		return string(e)
	}
	// Positional: lay the digits out around the point ourselves rather than format twice.
	mant := e[:at]
	var b strings.Builder
	b.Grow(len(mant) + 22)
	if mant[0] == '-' {
		b.WriteByte('-')
		mant = mant[1:]
	}
	digits := make([]byte, 0, len(mant))
	for _, c := range mant {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	switch {
	case exp < 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -exp-1))
		b.Write(digits)
	case len(digits) <= exp+1:
		b.Write(digits)
		b.WriteString(strings.Repeat("0", exp+1-len(digits)))
		b.WriteString(".0")
	default:
		b.Write(digits[:exp+1])
		b.WriteByte('.')
		b.Write(digits[exp+1:])
	}
	return b.String()
}

// Str is Python's repr of the str s: in single quotes, or in double quotes when s holds a
// single quote and no double quote; the chosen quote and the backslash escaped; \t, \n
// and \r as such; other control characters and the rest of what str.isprintable rejects
// (U+00A0 and the other spaces but ' ', U+2028, format characters, private use,
// unassigned code points) as \xXX, \uXXXX or \UXXXXXXXX by size; everything else as
// itself. A byte that is not valid UTF-8 is the lone surrogate \udcXX (see the package
// documentation).
func Str(s string) string {
	q := quote(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(q)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			writeASCII(&b, c, q)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			escape(&b, 'u', 0xdc00|rune(c), 4)
		case unicode.IsPrint(r):
			b.WriteString(s[i : i+size])
		case r < 0x100:
			escape(&b, 'x', r, 2)
		case r < 0x10000:
			escape(&b, 'u', r, 4)
		default:
			escape(&b, 'U', r, 8)
		}
		i += size
	}
	b.WriteByte(q)
	return b.String()
}

// Bytes is Python's repr of the bytes p: b'...', with Str's choice of quote and its
// escapes for the quote, the backslash, \t, \n and \r, printable ASCII as itself and every
// other byte as \xXX.
func Bytes(p []byte) string {
	q := quote(string(p))
	var b strings.Builder
	b.Grow(len(p) + 3)
	b.WriteString("b")
	b.WriteByte(q)
	for _, c := range p {
		if c < utf8.RuneSelf {
			writeASCII(&b, c, q)
		} else {
			escape(&b, 'x', rune(c), 2)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// quote is the quote Python's repr puts around s: ' unless s has a ' and no ".
func quote(s string) byte {
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		return '"'
	}
	return '\''
}

// writeASCII writes the ASCII character c as str and bytes reprs both do.
func writeASCII(b *strings.Builder, c, q byte) {
	switch {
	case c == q || c == '\\':
		b.WriteByte('\\')
		b.WriteByte(c)
	case c == '\t':
		b.WriteString(`\t`)
	case c == '\n':
		b.WriteString(`\n`)
	case c == '\r':
		b.WriteString(`\r`)
	case c < 0x20 || c == 0x7f:
		escape(b, 'x', rune(c), 2)
	default:
		b.WriteByte(c)
	}
}

// escape writes \<kind> and r as n lower-case hex digits.
func escape(b *strings.Builder, kind byte, r rune, n int) {
	const hex = "0123456789abcdef"
	b.WriteByte('\\')
	b.WriteByte(kind)
	for shift := 4 * (n - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hex[(r>>shift)&0xf])
	}
}
