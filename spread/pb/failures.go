package pb

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync/atomic"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/spread/jelly"
)

// Tags and atoms of the nodes this file builds by hand.
var (
	tagUnicode    = []byte("unicode")
	tagDictionary = []byte("dictionary")
	tagList       = []byte("list")
	tagNone       = []byte("None")
	tagBoolean    = []byte("boolean")
	atomTrue      = []byte("true")
	atomFalse     = []byte("false")
	tagRemote     = []byte("remote")
	tagLocal      = []byte("local")
	tagCached     = []byte("cached")
	tagLCache     = []byte("lcache")
)

const tracebackUnavailable = "Traceback unavailable\n"

// failureCount numbers failures that did not come with a Failure's own counter.
var failureCount atomic.Uint64

func uni(s string) []any { return []any{tagUnicode, []byte(strings.ToValidUTF8(s, "\uFFFD"))} }

func boolNode(v bool) []any {
	if v {
		return []any{tagBoolean, atomTrue}
	}
	return []any{tagBoolean, atomFalse}
}

// RemoteValuer is implemented by errors whose Python value (str(exception)) differs from
// their Go message, such as cred's UnauthorizedLogin, whose Python value is empty.
type RemoteValuer interface {
	RemoteValue() string
}

// failureValue returns the error a CopyableFailure describes: a panic's error value when
// the panic was with an error.
func failureValue(f *failure.Failure) error {
	var pe *failure.PanicError
	if errors.As(f.Value, &pe) {
		if err, ok := pe.Value.(error); ok {
			return err
		}
	}
	return f.Value
}

// copyableFailureSexp builds Twisted's CopyableFailure node for f, keys in Twisted's
// order (pb-wire.md 3.8): count, type, value, captureVars, frames, stack, tb, parents,
// pickled (only for a failure that went through a Deferred first), unsafeTracebacks,
// traceback.
func copyableFailureSexp(f *failure.Failure, unsafeTracebacks bool) []any {
	value := failureValue(f)
	msg := ""
	if rv, ok := value.(RemoteValuer); ok {
		msg = rv.RemoteValue()
	} else {
		msg = f.ErrorMessage()
	}
	count := int64(f.Count)
	if count == 0 {
		count = int64(failureCount.Add(1))
	}
	parents := []any{tagList}
	for _, p := range remoteParentsOf(value) {
		parents = append(parents, uni(p))
	}
	tb := tracebackUnavailable
	if unsafeTracebacks {
		if c, ok := value.(*CopiedFailure); ok {
			tb = c.Traceback
		} else {
			tb = f.Traceback()
		}
	}
	d := make([]any, 0, 12)
	d = append(d, tagDictionary,
		[]any{uni("count"), count},
		[]any{uni("type"), []byte(remoteTypeOf(value))},
		[]any{uni("value"), uni(msg)},
		[]any{uni("captureVars"), boolNode(false)},
		[]any{uni("frames"), []any{tagList}},
		[]any{uni("stack"), []any{tagList}},
		[]any{uni("tb"), []any{tagNone}},
		[]any{uni("parents"), parents},
	)
	if f.Cleaned() {
		d = append(d, []any{uni("pickled"), int64(1)})
	}
	d = append(d,
		[]any{uni("unsafeTracebacks"), boolNode(unsafeTracebacks)},
		[]any{uni("traceback"), uni(tb)},
	)
	return []any{[]byte(pyCopyableFailure), d}
}

// JellyFor sends a CopiedFailure on as a CopyableFailure with the same type, value,
// parents and traceback, as Twisted does when a failure is forwarded (test_pbfailure's
// test_twiceUnjelliedFailureCheck).
func (c *CopiedFailure) JellyFor(j *jelly.Jellier) (any, error) {
	f := &failure.Failure{Value: c, Count: uint64(c.Count)}
	return copyableFailureSexp(f, c.Traceback != tracebackUnavailable && c.Traceback != ""), nil
}

// unjellyCopiedFailure is the receiving side: ['twisted.spread.pb.CopyableFailure', state].
func unjellyCopiedFailure(u *jelly.Unjellier, sexp []any) (any, error) {
	if len(sexp) != 2 {
		return nil, &jelly.Error{Kind: jelly.ErrMalformed, Msg: "CopyableFailure node needs a state"}
	}
	st, err := u.Unjelly(sexp[1])
	if err != nil {
		return nil, err
	}
	d, ok := st.(*jelly.Dict)
	if !ok {
		return nil, &jelly.Error{Kind: jelly.ErrMalformed, Msg: fmt.Sprintf("CopyableFailure state is %T, not a dictionary", st)}
	}
	c := &CopiedFailure{}
	for _, it := range d.Items() {
		var key string
		switch k := it.Key.(type) {
		case string:
			key = k
		case []byte:
			key = string(k)
		default:
			continue
		}
		switch key {
		case "type":
			c.Type = textOf(it.Value)
		case "value":
			c.Value = textOf(it.Value)
		case "traceback":
			c.Traceback = textOf(it.Value)
		case "parents":
			if seq, ok := it.Value.([]any); ok {
				for _, p := range seq {
					c.Parents = append(c.Parents, textOf(p))
				}
			}
		case "count":
			switch n := it.Value.(type) {
			case int64:
				c.Count = n
			case *big.Int:
				c.Count = -1
			}
		case "pickled":
			c.Pickled = it.Value != nil && it.Value != false && it.Value != int64(0)
		}
	}
	return c, nil
}

func textOf(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// travelsByCopy reports whether an error is sent as itself (Twisted: the exception is
// Jellyable): it builds its own node, or has a wire class name.
func travelsByCopy(err error) bool {
	switch err.(type) {
	case *CopiedFailure:
		return false
	case jelly.Jellyable, jelly.ClassNamer:
		return true
	}
	return false
}
