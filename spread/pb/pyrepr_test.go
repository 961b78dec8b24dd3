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

	"github.com/gotwisted/twisted/internal/pyrepr"
	"github.com/gotwisted/twisted/spread/jelly"
)

// pyDescribe renders a Go value (as jelly maps it to Python) exactly as testdata's
// pbinterop.describe renders the Python value: the interop tests compare the two, so a
// value that changes type on the way (bytes becoming text, a tuple becoming a list)
// shows. Floats, strs and bytes are internal/pyrepr's.
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
		return "float:" + pyrepr.Float(x)
	case []byte:
		return pyrepr.Bytes(x)
	case string:
		return pyrepr.Str(x)
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
