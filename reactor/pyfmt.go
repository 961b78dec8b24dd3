package reactor

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"
)

// This file renders values the way Python's str and repr do, so that the reactor's
// messages (DelayedCall reprs, error strings, log lines) read exactly like Twisted's.

// pyFloat formats f as Python's str(float) does: the shortest representation that round-trips,
// always with a decimal point or an exponent ("3600.0", "10.5", "1e-05", "1e+16").
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	// Python switches to exponent notation when the decimal exponent is < -4 or >= 16.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e // Go's layout is Python's: "1e+16", "1.5e-05", two exponent digits at least
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyStrRepr quotes s as Python's repr of a str does: single quotes unless s contains a
// single quote and no double quote, with backslash escapes for the quote, backslashes and
// non-printable characters.
func pyStrRepr(s string) string { return pyRepr(s, false) }

// pyBytesRepr quotes s as Python's repr of bytes does (b'...'); every byte outside printable
// ASCII is a \xNN escape. Twisted keeps UNIX socket paths as bytes, so its messages show them
// this way.
func pyBytesRepr(s string) string { return "b" + pyRepr(s, true) }

func pyRepr(s string, bytes bool) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == quote || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		case bytes || c < 0x80:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				fmt.Fprintf(&b, `\udc%02x`, c) // Python's surrogateescape for a stray byte
			} else {
				b.WriteString(s[i : i+n])
			}
			i += n
			continue
		}
		i++
	}
	b.WriteByte(quote)
	return b.String()
}

// strerror is C's strerror(errno), which Python's os.strerror returns: Go's errno texts are
// the C library's with the first letter lowered.
func strerror(e syscall.Errno) string {
	s := e.Error()
	if strings.HasPrefix(s, "errno ") { // not in Go's table
		return "Unknown error " + strconv.Itoa(int(e))
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// pyOSError renders an operating-system error as Python's str(OSError) does,
// "[Errno 98] Address already in use"; other errors as their Error().
func pyOSError(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		return fmt.Sprintf("[Errno %d] %s", int(e), strerror(e))
	}
	return errString(err)
}

// errnoArgs renders an operating-system error as the (errno, strerror) arguments Twisted
// builds its connect errors from, "111: Connection refused"; other errors as their Error().
func errnoArgs(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		return strconv.Itoa(int(e)) + ": " + strerror(e)
	}
	return errString(err)
}
