package jelly

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/gotwisted/twisted/internal/pyrepr"
)

// pyRepr formats an unjellied Go value the way Python's repr formats the value it stands
// for, cycles included. The golden files carry Python's own repr of every value, so
// comparing the two checks that a decoded value is the value Python sent, type by type
// (text vs bytes, tuple vs list, set vs frozenset...). Floats, strs and bytes are
// internal/pyrepr's; this walks containers and jelly's types.
func pyRepr(v any) string {
	var b strings.Builder
	r := reprState{inProgress: map[objKey]bool{}}
	r.repr(&b, v)
	return b.String()
}

type reprState struct {
	inProgress map[objKey]bool
}

func (r *reprState) seq(b *strings.Builder, v any, open, close, rec string, elems []any) {
	k, ok := identity(v)
	if ok && r.inProgress[k] {
		b.WriteString(rec)
		return
	}
	if ok {
		r.inProgress[k] = true
		defer delete(r.inProgress, k)
	}
	b.WriteString(open)
	for i, e := range elems {
		if i > 0 {
			b.WriteString(", ")
		}
		r.repr(b, e)
	}
	if open == "(" && len(elems) == 1 {
		b.WriteString(",")
	}
	b.WriteString(close)
}

func (r *reprState) repr(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case *big.Int:
		b.WriteString(x.String())
	case float64:
		b.WriteString(pyrepr.Float(x))
	case []byte:
		b.WriteString(pyrepr.Bytes(x))
	case string:
		b.WriteString(pyrepr.Str(x))
	case []any:
		r.seq(b, x, "[", "]", "[...]", x)
	case Tuple:
		r.seq(b, x, "(", ")", "(...)", x)
	case Set:
		if len(x) == 0 {
			b.WriteString("set()")
			return
		}
		r.seq(b, x, "{", "}", "{...}", x)
	case FrozenSet:
		if len(x) == 0 {
			b.WriteString("frozenset()")
			return
		}
		b.WriteString("frozenset(")
		r.seq(b, x, "{", "}", "{...}", x)
		b.WriteString(")")
	case *Dict:
		k, _ := identity(x)
		if r.inProgress[k] {
			b.WriteString("{...}")
			return
		}
		r.inProgress[k] = true
		defer delete(r.inProgress, k)
		b.WriteString("{")
		for i, it := range x.Items() {
			if i > 0 {
				b.WriteString(", ")
			}
			r.repr(b, it.Key)
			b.WriteString(": ")
			r.repr(b, it.Value)
		}
		b.WriteString("}")
	case time.Time:
		f := []int{x.Year(), int(x.Month()), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond() / 1000}
		b.WriteString("datetime.datetime(" + joinInts(trimZeros(f, 5)) + ")")
	case Date:
		b.WriteString(fmt.Sprintf("datetime.date(%d, %d, %d)", x.Year, x.Month, x.Day))
	case Time:
		f := []int{x.Hour, x.Minute, x.Second, x.Microsecond}
		b.WriteString("datetime.time(" + joinInts(trimZeros(f, 2)) + ")")
	case TimeDelta:
		var parts []string
		if x.Days != 0 {
			parts = append(parts, fmt.Sprintf("days=%d", x.Days))
		}
		if x.Seconds != 0 {
			parts = append(parts, fmt.Sprintf("seconds=%d", x.Seconds))
		}
		if x.Microseconds != 0 {
			parts = append(parts, fmt.Sprintf("microseconds=%d", x.Microseconds))
		}
		if len(parts) == 0 {
			parts = []string{"0"}
		}
		b.WriteString("datetime.timedelta(" + strings.Join(parts, ", ") + ")")
	case Decimal:
		b.WriteString("Decimal('" + x.String() + "')")
	case *Unpersistable:
		b.WriteString("Unpersistable(" + pyrepr.Str(x.Reason) + ")")
	default:
		fmt.Fprintf(b, "<%T %v>", v, v)
	}
}

// trimZeros drops trailing zero fields beyond the first keep, as datetime's repr does.
func trimZeros(f []int, keep int) []int {
	for len(f) > keep && f[len(f)-1] == 0 {
		f = f[:len(f)-1]
	}
	return f
}

func joinInts(f []int) string {
	s := make([]string, len(f))
	for i, v := range f {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ", ")
}
