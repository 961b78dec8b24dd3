package banana

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Format writes an expression in the notation of Twisted's documentation and of
// pb-wire.md: lists in brackets, byte strings quoted like Python bytes without the b
// prefix, numbers as numbers: ['list', 1, ['unicode', 'two'], 'three']. Values other
// than banana's are shown with %v. It is meant for logs and debugging.
func Format(x any) string {
	var b strings.Builder
	format(&b, x, 0)
	return b.String()
}

func format(b *strings.Builder, x any, depth int) {
	switch v := x.(type) {
	case []any:
		if depth > 100 {
			b.WriteString("[...]")
			return
		}
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			format(b, e, depth+1)
		}
		b.WriteByte(']')
	case []byte:
		b.WriteByte('\'')
		for _, c := range v {
			switch {
			case c == '\'' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c >= 0x20 && c < 0x7f:
				b.WriteByte(c)
			default:
				fmt.Fprintf(b, `\x%02x`, c)
			}
		}
		b.WriteByte('\'')
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case *big.Int:
		b.WriteString(v.String())
	case float64:
		switch {
		case math.IsNaN(v):
			b.WriteString("nan")
		case math.IsInf(v, 0):
			if v < 0 {
				b.WriteByte('-')
			}
			b.WriteString("inf")
		default:
			s := strconv.FormatFloat(v, 'g', -1, 64)
			if !strings.ContainsAny(s, ".e") {
				s += ".0"
			}
			b.WriteString(s)
		}
	default:
		fmt.Fprintf(b, "%v", v)
	}
}
