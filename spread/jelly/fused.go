package jelly

import (
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/gotwisted/twisted/spread/banana"
)

// tokens holds the banana encoding of jelly's fixed parts in one dialect.
type tokens struct {
	none, boolTrue, boolFalse, unicodeHdr                                    []byte
	list, tuple, set, frozenset, dictionary, reference, dereference          []byte
	datetime, date, time, timedelta, decimal, unpersistable, pairHdr, refHdr []byte
}

func makeTokens(d banana.Dialect) *tokens {
	tag := func(s string) []byte { return banana.AppendStr(nil, s, d) }
	node := func(parts ...string) []byte {
		b := banana.AppendListHeader(nil, len(parts))
		for _, p := range parts {
			b = banana.AppendStr(b, p, d)
		}
		return b
	}
	t := &tokens{
		none:          node("None"),
		boolTrue:      node("boolean", "true"),
		boolFalse:     node("boolean", "false"),
		unicodeHdr:    append(banana.AppendListHeader(nil, 2), tag("unicode")...),
		list:          tag("list"),
		tuple:         tag("tuple"),
		set:           tag("set"),
		frozenset:     tag("frozenset"),
		dictionary:    tag("dictionary"),
		reference:     tag("reference"),
		dereference:   tag("dereference"),
		datetime:      tag("datetime"),
		date:          tag("date"),
		time:          tag("time"),
		timedelta:     tag("timedelta"),
		decimal:       tag("decimal"),
		unpersistable: tag("unpersistable"),
		pairHdr:       banana.AppendListHeader(nil, 2),
	}
	t.refHdr = append(banana.AppendListHeader(nil, 3), t.reference...)
	return t
}

var (
	tokensPB   = makeTokens(banana.DialectPB)
	tokensNone = makeTokens(banana.DialectNone)
)

func tokensFor(d banana.Dialect) *tokens {
	if d == banana.DialectPB {
		return tokensPB
	}
	return tokensNone
}

// insertion is a ['reference', id, ...] header to insert before the node written at off.
type insertion struct {
	off, depth, id int
}

// AppendJelly appends the banana encoding, in dialect d, of the jelly s-expression of v:
// the same bytes as banana.AppendExpr(buf, Jelly(v), d) without building the tree. It is
// the fast path PB uses for call arguments and answers. See Jellier.AppendJelly.
func AppendJelly(buf []byte, v any, d banana.Dialect, opts ...Option) ([]byte, error) {
	c := apply(opts)
	j := Jellier{Invoker: c.invoker, Security: c.security, Registry: c.registry, MaxDepth: c.maxDepth}
	return j.AppendJelly(buf, v, d)
}

// AppendJelly runs one jelly session that writes banana bytes straight into buf (in
// dialect d, with VOCAB compression for DialectPB) instead of building a tree. Shared and
// cyclic values get their ['reference', id, ...] headers inserted afterwards, at the
// offsets where their first nodes start; banana's prefix encoding makes that a local
// insertion. Jellyable values still build their own small trees, which are encoded as
// they return. On error buf is returned with its original length.
func (j *Jellier) AppendJelly(buf []byte, v any, d banana.Dialect) ([]byte, error) {
	if j.depth > 0 {
		return buf, newError(ErrUnsupportedType, "AppendJelly called from inside JellyFor; use Jelly")
	}
	j.reset()
	j.fused, j.dialect, j.tok = true, d, tokensFor(d)
	n := len(buf)
	out, err := j.enc(buf, v)
	if err == nil && len(j.inserts) > 0 {
		out = j.applyInserts(out)
	}
	j.reset()
	if err != nil {
		return buf[:n], err
	}
	return out, nil
}

func (j *Jellier) sizeLimit() int {
	if j.SizeLimit > 0 {
		return j.SizeLimit
	}
	return banana.SizeLimit
}

func (j *Jellier) listTooLong(n int) error {
	return &banana.Error{Kind: banana.ErrListTooLong, Msg: "list/tuple is too long to send (" + strconv.Itoa(n) + ")"}
}

func (j *Jellier) stringTooLong(n int) error {
	return &banana.Error{Kind: banana.ErrStringTooLong, Msg: "byte string is too long to send (" + strconv.Itoa(n) + ")"}
}

// applyInserts writes the reference headers into the finished encoding.
func (j *Jellier) applyInserts(b []byte) []byte {
	slices.SortStableFunc(j.inserts, func(a, c insertion) int {
		if a.off != c.off {
			return a.off - c.off
		}
		return a.depth - c.depth
	})
	extra := len(j.inserts) * (len(j.tok.refHdr) + 11)
	out := make([]byte, 0, len(b)+extra)
	prev := 0
	for _, in := range j.inserts {
		out = append(out, b[prev:in.off]...)
		out = append(out, j.tok.refHdr...)
		out = banana.AppendInt(out, int64(in.id))
		prev = in.off
	}
	return append(out, b[prev:]...)
}

// begin starts a tracked node at the current offset; it returns the track's index.
func (j *Jellier) begin(buf []byte, k objKey, tracked bool) int {
	if !tracked {
		return -1
	}
	t := j.tr.add(k)
	t.off, t.depth = len(buf), j.depth
	return len(j.tr.items) - 1
}

func (j *Jellier) end(i int) {
	if i >= 0 {
		j.tr.items[i].done = true
	}
}

func (j *Jellier) appendDeref(buf []byte, id int) []byte {
	buf = append(buf, 2, banana.List)
	buf = append(buf, j.tok.dereference...)
	return banana.AppendInt(buf, int64(id))
}

func (j *Jellier) appendText(buf []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return buf, newError(ErrNotJellyable, "string is not valid UTF-8: "+strconv.Quote(s))
	}
	if len(s) > j.sizeLimit() && banana.VocabIndex(s) == 0 {
		return buf, j.stringTooLong(len(s))
	}
	buf = append(buf, j.tok.unicodeHdr...)
	return banana.AppendStr(buf, s, j.dialect), nil
}

func (j *Jellier) appendTagged(buf, tag []byte, text []byte) []byte {
	buf = append(buf, 2, banana.List)
	buf = append(buf, tag...)
	return banana.AppendString(buf, text, j.dialect)
}

func (j *Jellier) enc(buf []byte, obj any) ([]byte, error) {
	switch v := obj.(type) {
	case nil:
		return append(buf, j.tok.none...), nil
	case int64:
		return banana.AppendInt(buf, v), nil
	case int:
		return banana.AppendInt(buf, int64(v)), nil
	case float64:
		return banana.AppendFloat(buf, v), nil
	case string:
		return j.appendText(buf, v)
	case []byte:
		if len(v) > j.sizeLimit() {
			return buf, j.stringTooLong(len(v))
		}
		return banana.AppendString(buf, v, j.dialect), nil
	case bool:
		if v {
			return append(buf, j.tok.boolTrue...), nil
		}
		return append(buf, j.tok.boolFalse...), nil
	case int32:
		return banana.AppendInt(buf, int64(v)), nil
	case int16:
		return banana.AppendInt(buf, int64(v)), nil
	case int8:
		return banana.AppendInt(buf, int64(v)), nil
	case uint8:
		return banana.AppendInt(buf, int64(v)), nil
	case uint16:
		return banana.AppendInt(buf, int64(v)), nil
	case uint32:
		return banana.AppendInt(buf, int64(v)), nil
	case uint:
		return banana.AppendUint(buf, uint64(v)), nil
	case uint64:
		return banana.AppendUint(buf, v), nil
	case float32:
		return banana.AppendFloat(buf, float64(v)), nil
	case *big.Int:
		if v == nil {
			return append(buf, j.tok.none...), nil
		}
		return banana.AppendBigInt(buf, v)
	case time.Time:
		var tmp [48]byte
		return j.appendTagged(buf, j.tok.datetime, appendDatetime(tmp[:0], v)), nil
	case Date:
		var tmp [48]byte
		b := strconv.AppendInt(tmp[:0], int64(v.Year), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(v.Month), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(v.Day), 10)
		return j.appendTagged(buf, j.tok.date, b), nil
	case Time:
		return j.appendTagged(buf, j.tok.time, []byte(timeString(v))), nil
	case TimeDelta:
		return j.appendTagged(buf, j.tok.timedelta, []byte(timedeltaString(v))), nil
	case time.Duration:
		return j.appendTagged(buf, j.tok.timedelta, []byte(timedeltaString(NewTimeDelta(v)))), nil
	case Decimal, *Decimal, *Unpersistable, *Dereference, Class:
		// Rare: build the small node and encode it.
		x, err := j.jelly(obj)
		if err != nil {
			return buf, err
		}
		return j.encTree(buf, x, j.depth)
	}
	k, tracked := identity(obj)
	if tracked {
		if t := j.tr.get(k); t != nil {
			j.cook(t)
			return j.appendDeref(buf, t.id), nil
		}
	}
	if err := j.enter(); err != nil {
		return buf, err
	}
	if j.JellyForValue != nil {
		if x, ok, err := j.offer(obj); err != nil {
			j.leave()
			return buf, err
		} else if ok {
			buf, err = j.encTree(buf, x, j.depth)
			j.leave()
			return buf, err
		}
	}
	if jl, ok := obj.(Jellyable); ok {
		x, err := guard("JellyFor", func() (any, error) { return jl.JellyFor(j) })
		if err != nil {
			j.leave()
			return buf, err
		}
		buf, err = j.encTree(buf, x, j.depth)
		j.leave()
		return buf, err
	}
	buf, err := j.encContainer(buf, obj, k, tracked)
	j.leave()
	return buf, err
}

// encContainer writes the tracked kinds: containers and objects. (Split from enc so that
// enc, called for every atom, has no defer.)
func (j *Jellier) encContainer(buf []byte, obj any, k objKey, tracked bool) ([]byte, error) {
	switch v := obj.(type) {
	case []any:
		return j.encSeq(buf, k, tracked, j.tok.list, v)
	case Tuple:
		return j.encSeq(buf, k, tracked, j.tok.tuple, v)
	case Set:
		return j.encSeq(buf, k, tracked, j.tok.set, v)
	case FrozenSet:
		return j.encSeq(buf, k, tracked, j.tok.frozenset, v)
	case *Dict:
		if v == nil {
			return append(buf, j.tok.none...), nil
		}
		items := v.Items()
		if len(items)+1 > j.sizeLimit() {
			return buf, j.listTooLong(len(items) + 1)
		}
		ti := j.begin(buf, k, tracked)
		buf = banana.AppendListHeader(buf, len(items)+1)
		buf = append(buf, j.tok.dictionary...)
		var err error
		for _, it := range items {
			buf = append(buf, j.tok.pairHdr...)
			if buf, err = j.enc(buf, it.Key); err != nil {
				return buf, err
			}
			if buf, err = j.enc(buf, it.Value); err != nil {
				return buf, err
			}
		}
		j.end(ti)
		return buf, nil
	case *Instance:
		if v == nil {
			return append(buf, j.tok.none...), nil
		}
		ti := j.begin(buf, k, tracked)
		var err error
		if j.Security == nil || j.Security.IsClassAllowed(v.Class) {
			buf = append(buf, 2, banana.List)
			buf = banana.AppendStr(buf, v.Class, j.dialect)
			if buf, err = j.enc(buf, v.State); err != nil {
				return buf, err
			}
		} else {
			buf = j.appendTagged(buf, j.tok.unpersistable, []byte("instance of class "+v.Class+" deemed insecure"))
		}
		j.end(ti)
		return buf, nil
	case []int64:
		if len(v)+1 > j.sizeLimit() {
			return buf, j.listTooLong(len(v) + 1)
		}
		ti := j.begin(buf, k, tracked)
		buf = banana.AppendListHeader(buf, len(v)+1)
		buf = append(buf, j.tok.list...)
		for _, e := range v {
			if uint64(e) < 0x80 {
				buf = append(buf, byte(e), banana.Int)
			} else if uint64(e) < 1<<14 {
				buf = append(buf, byte(e&0x7f), byte(e>>7), banana.Int)
			} else {
				buf = banana.AppendInt(buf, e)
			}
		}
		j.end(ti)
		return buf, nil
	case []int:
		if len(v)+1 > j.sizeLimit() {
			return buf, j.listTooLong(len(v) + 1)
		}
		ti := j.begin(buf, k, tracked)
		buf = banana.AppendListHeader(buf, len(v)+1)
		buf = append(buf, j.tok.list...)
		for _, x := range v {
			e := int64(x)
			if uint64(e) < 0x80 {
				buf = append(buf, byte(e), banana.Int)
			} else if uint64(e) < 1<<14 {
				buf = append(buf, byte(e&0x7f), byte(e>>7), banana.Int)
			} else {
				buf = banana.AppendInt(buf, e)
			}
		}
		j.end(ti)
		return buf, nil
	case []string:
		if len(v)+1 > j.sizeLimit() {
			return buf, j.listTooLong(len(v) + 1)
		}
		ti := j.begin(buf, k, tracked)
		buf = banana.AppendListHeader(buf, len(v)+1)
		buf = append(buf, j.tok.list...)
		var err error
		for _, e := range v {
			if buf, err = j.appendText(buf, e); err != nil {
				return buf, err
			}
		}
		j.end(ti)
		return buf, nil
	case map[string]int:
		return encStringMap(j, buf, k, tracked, v, func(b []byte, x int) ([]byte, error) {
			return banana.AppendInt(b, int64(x)), nil
		})
	case map[string]int64:
		return encStringMap(j, buf, k, tracked, v, func(b []byte, x int64) ([]byte, error) {
			return banana.AppendInt(b, x), nil
		})
	case map[string]string:
		return encStringMap(j, buf, k, tracked, v, j.appendText)
	case map[string]any:
		return encStringMap(j, buf, k, tracked, v, j.enc)
	}
	return j.encReflect(buf, obj, k, tracked)
}

func (j *Jellier) encSeq(buf []byte, k objKey, tracked bool, tag []byte, v []any) ([]byte, error) {
	if len(v)+1 > j.sizeLimit() {
		return buf, j.listTooLong(len(v) + 1)
	}
	ti := j.begin(buf, k, tracked)
	buf = banana.AppendListHeader(buf, len(v)+1)
	buf = append(buf, tag...)
	var err error
	for _, e := range v {
		// Ints and text, the common elements, without enc's full type switch.
		switch x := e.(type) {
		case int64: // one- and two-byte prefixes written in place
			if uint64(x) < 0x80 {
				buf = append(buf, byte(x), banana.Int)
			} else if uint64(x) < 1<<14 {
				buf = append(buf, byte(x&0x7f), byte(x>>7), banana.Int)
			} else {
				buf = banana.AppendInt(buf, x)
			}
			continue
		case string:
			buf, err = j.appendText(buf, x)
		default:
			buf, err = j.enc(buf, e)
		}
		if err != nil {
			return buf, err
		}
	}
	j.end(ti)
	return buf, nil
}

func encStringMap[V any](j *Jellier, buf []byte, k objKey, tracked bool, m map[string]V, val func([]byte, V) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(buf, j.tok.none...), nil
	}
	if len(m)+1 > j.sizeLimit() {
		return buf, j.listTooLong(len(m) + 1)
	}
	ti := j.begin(buf, k, tracked)
	buf = banana.AppendListHeader(buf, len(m)+1)
	buf = append(buf, j.tok.dictionary...)
	var err error
	for key, x := range m {
		buf = append(buf, j.tok.pairHdr...)
		if buf, err = j.appendText(buf, key); err != nil {
			return buf, err
		}
		if buf, err = val(buf, x); err != nil {
			return buf, err
		}
	}
	j.end(ti)
	return buf, nil
}

// encReflect covers typed slices, arrays, maps, and Go types with a class name.
func (j *Jellier) encReflect(buf []byte, obj any, k objKey, tracked bool) ([]byte, error) {
	rv := reflect.ValueOf(obj)
	var err error
	if name := j.classNameOf(obj, rv.Type()); name != "" {
		if rv.Kind() == reflect.Pointer && rv.IsNil() {
			return append(buf, j.tok.none...), nil
		}
		ti := j.begin(buf, k, tracked)
		state, err := j.stateOf(obj, rv)
		if err != nil {
			return buf, err
		}
		buf = append(buf, 2, banana.List)
		buf = banana.AppendStr(buf, name, j.dialect)
		if buf, err = j.enc(buf, state); err != nil {
			return buf, err
		}
		j.end(ti)
		return buf, nil
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
			return j.enc(buf, rv.Bytes())
		}
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return append(buf, j.tok.none...), nil
		}
		n := rv.Len()
		if n+1 > j.sizeLimit() {
			return buf, j.listTooLong(n + 1)
		}
		ti := j.begin(buf, k, tracked)
		buf = banana.AppendListHeader(buf, n+1)
		buf = append(buf, j.tok.list...)
		for i := 0; i < n; i++ {
			if buf, err = j.enc(buf, rv.Index(i).Interface()); err != nil {
				return buf, err
			}
		}
		j.end(ti)
		return buf, nil
	case reflect.Map:
		if rv.IsNil() {
			return append(buf, j.tok.none...), nil
		}
		n := rv.Len()
		if n+1 > j.sizeLimit() {
			return buf, j.listTooLong(n + 1)
		}
		ti := j.begin(buf, k, tracked)
		buf = banana.AppendListHeader(buf, n+1)
		buf = append(buf, j.tok.dictionary...)
		it := rv.MapRange()
		for it.Next() {
			buf = append(buf, j.tok.pairHdr...)
			if buf, err = j.enc(buf, it.Key().Interface()); err != nil {
				return buf, err
			}
			if buf, err = j.enc(buf, it.Value().Interface()); err != nil {
				return buf, err
			}
		}
		j.end(ti)
		return buf, nil
	}
	// Scalars of named types and everything else: the tree path knows them.
	x, err := j.reflectValue(obj, k, false)
	if err != nil {
		return buf, err
	}
	return j.encTree(buf, x, j.depth)
}

// encTree encodes an s-expression built by a JellyFor (or the tree path), picking up the
// tracked nodes inside it: their byte offsets, or their reference header when they were
// repeated before being written.
func (j *Jellier) encTree(buf []byte, x any, lvl int) ([]byte, error) {
	s, ok := x.([]any)
	if !ok {
		if b, ok := x.([]byte); ok {
			if len(b) > j.sizeLimit() {
				return buf, j.stringTooLong(len(b))
			}
			return banana.AppendString(buf, b, j.dialect), nil
		}
		return banana.AppendExpr(buf, x, j.dialect)
	}
	if len(j.treeNodes) > 0 && cap(s) > 0 {
		p := unsafe.SliceData(s)
		if key, ok := j.treeNodes[p]; ok {
			delete(j.treeNodes, p)
			t := j.tr.get(key)
			t.sexp = nil
			if t.id != 0 {
				buf = append(buf, j.tok.refHdr...)
				buf = banana.AppendInt(buf, int64(t.id))
			} else {
				t.off, t.depth = len(buf), lvl
			}
		}
	}
	if len(s) > j.sizeLimit() {
		return buf, j.listTooLong(len(s))
	}
	if lvl > j.maxDepth()+banana.MaxEncodeDepth {
		return buf, newError(ErrTooDeep, "s-expression nested too deeply")
	}
	buf = banana.AppendListHeader(buf, len(s))
	var err error
	for _, e := range s {
		if buf, err = j.encTree(buf, e, lvl+1); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func appendDatetime(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = strconv.AppendInt(b, int64(y), 10)
	for _, f := range [...]int{int(mo), d, h, mi, s, t.Nanosecond() / 1000} {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(f), 10)
	}
	return b
}

var _ = math.MaxInt64
