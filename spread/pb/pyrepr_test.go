package pb

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gotwisted/twisted/spread/jelly"
)

// pyDescribe renders a Go value (as jelly maps it to Python) exactly as testdata's
// pbinterop.describe renders the Python value: the interop tests compare the two, so a
// value that changes type on the way (bytes becoming text, a tuple becoming a list)
// shows.
func pyDescribe(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return "int:" + strconv.Itoa(x)
	case int64:
		return "int:" + strconv.FormatInt(x, 10)
	case *big.Int:
		return "int:" + x.String()
	case float64:
		return "float:" + pyFloat(x)
	case []byte:
		return pyBytes(x)
	case string:
		return pyStr(x)
	case []any:
		return "[" + describeAll(x) + "]"
	case jelly.Tuple:
		return "(" + describeAll(x) + ")"
	case *jelly.Dict:
		parts := make([]string, 0, x.Len())
		for _, it := range x.Items() {
			parts = append(parts, pyDescribe(it.Key)+": "+pyDescribe(it.Value))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case jelly.Set:
		return "set(" + sortedDescribe(x) + ")"
	case jelly.FrozenSet:
		return "frozenset(" + sortedDescribe(x) + ")"
	case time.Time:
		s := fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d", x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute())
		return s + secUs(x.Second(), x.Nanosecond()/1000) + ")"
	case jelly.Date:
		return fmt.Sprintf("datetime.date(%d, %d, %d)", x.Year, x.Month, x.Day)
	case jelly.Time:
		return fmt.Sprintf("datetime.time(%d, %d", x.Hour, x.Minute) + secUs(x.Second, x.Microsecond) + ")"
	case jelly.TimeDelta:
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
			return "datetime.timedelta(0)"
		}
		return "datetime.timedelta(" + strings.Join(parts, ", ") + ")"
	case jelly.Decimal:
		return "Decimal('" + x.String() + "')"
	case *RemoteReference:
		return "<RemoteReference>"
	case *jelly.Unpersistable:
		return "Unpersistable"
	}
	return fmt.Sprintf("<%s>", reflect.TypeOf(v))
}

func secUs(s, us int) string {
	switch {
	case us != 0:
		return fmt.Sprintf(", %d, %d", s, us)
	case s != 0:
		return fmt.Sprintf(", %d", s)
	}
	return ""
}

func describeAll(l []any) string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = pyDescribe(e)
	}
	return strings.Join(parts, ", ")
}

func sortedDescribe(l []any) string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = pyDescribe(e)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// pyFloat is Python's repr of a float.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	// Python's repr: the shortest round-trip digits, positional for exponents from -4
	// to 15 (with ".0" for integral values), else scientific with a two-digit exponent.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyBytes is Python's repr of bytes.
func pyBytes(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	var sb strings.Builder
	sb.WriteString("b")
	sb.WriteByte(quote)
	for _, c := range b {
		switch {
		case c == quote || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(quote)
	return sb.String()
}

// pyStr is Python's repr of a str.
func pyStr(s string) string {
	quote := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var sb strings.Builder
	sb.WriteRune(quote)
	for _, r := range s {
		switch {
		case r == quote || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, r)
		case !unicode.IsPrint(r) && r < 0x10000:
			fmt.Fprintf(&sb, `\u%04x`, r)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteRune(quote)
	return sb.String()
}

// goSamples is pbinterop.samples() in Go: the same values, as jelly maps them.
func goSamples() map[string]any {
	shared := []any{1, 2}
	big100 := new(big.Int).Lsh(big.NewInt(1), 100)
	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	return map[string]any{
		"zero":           0,
		"int":            42,
		"negative":       -1015,
		"int32max":       int64(math.MaxInt32),
		"int32overflow":  int64(math.MaxInt32) + 1,
		"int32min":       int64(math.MinInt32),
		"int32underflow": int64(math.MinInt32) - 1,
		"int40":          int64(1) << 40,
		"neg40":          -(int64(1) << 40),
		"int64max":       int64(math.MaxInt64),
		"int64min":       int64(math.MinInt64),
		"bigint":         big100,
		"negbigint":      new(big.Int).Neg(big100),
		"float":          1.5,
		"negfloat":       -1015.25,
		"float_big":      1e308,
		"bytes":          []byte("raw bytes"),
		"emptybytes":     []byte{},
		"vocabbytes":     []byte("remote"),
		"allbytes":       allBytes,
		"text":           "unicode str",
		"emptytext":      "",
		"nonascii":       "h\u00e9llo \u2603",
		"vocabtext":      "copy",
		"none":           nil,
		"true":           true,
		"false":          false,
		"emptylist":      []any{},
		"list":           []any{1, "a", []byte("b"), nil, 2.5},
		"nested":         []any{1, []any{2, []any{3, []any{4}}}, jelly.Tuple{5, 6}},
		"emptytuple":     jelly.Tuple{},
		"tuple":          jelly.Tuple{1, 2},
		"emptydict":      jelly.NewDict(0),
		"dict":           jelly.DictOf("key", "value", 7, []byte("seven")),
		"bytesdict":      jelly.DictOf([]byte("k"), 1),
		"set":            jelly.Set{1, 2, 3},
		"frozenset":      jelly.FrozenSet{1},
		"emptyfrozenset": jelly.FrozenSet{},
		"datetime":       time.Date(2020, 7, 11, 1, 16, 5, 344000, time.UTC),
		"date":           jelly.Date{Year: 2020, Month: 7, Day: 11},
		"time":           jelly.Time{Hour: 1, Minute: 16, Second: 5, Microsecond: 344},
		"timedelta":      jelly.TimeDelta{Days: -1, Seconds: 5},
		"decimal":        mustDecimal("9.95"),
		"negdecimal":     mustDecimal("-78.901"),
		"shared":         []any{shared, shared},
	}
}

func mustDecimal(s string) jelly.Decimal {
	d, err := jelly.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}
