package protocol

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// This file holds the strports description grammar shared by ServerFromString and
// ClientFromString: Twisted's endpoints._tokenize and endpoints._parse.

// parseDescription splits a strports description into positional and keyword arguments,
// exactly like Twisted's endpoints._parse:
//
//   - ':' separates arguments;
//   - the first '=' of an argument makes it a keyword (key=value); later '=' characters
//     belong to the value, so "a:b=c=d" gives b="c=d";
//   - a backslash escapes the next character ("unix:/srv/a\:b" gives the path "/srv/a:b");
//     a trailing lone backslash is dropped, as Twisted drops it.
//
// Keywords keep their last value when repeated and their first position (Python dict
// semantics). The order of the positional arguments is kept.
func parseDescription(description string) (args []string, kw *keywords) {
	kw = &keywords{values: map[string]string{}}
	var (
		sofar   []string
		current strings.Builder
		// afterEquals is true once this argument had its '=': further '=' are literal.
		afterEquals bool
	)
	add := func() {
		if len(sofar) == 1 {
			args = append(args, sofar[0])
		} else {
			kw.set(sofar[0], sofar[1])
		}
		sofar = sofar[:0]
	}
	for i := 0; i < len(description); i++ {
		c := description[i]
		switch {
		case c == ':':
			sofar = append(sofar, current.String())
			current.Reset()
			add()
			afterEquals = false
		case c == '=' && !afterEquals:
			sofar = append(sofar, current.String())
			current.Reset()
			afterEquals = true
		case c == '\\':
			if i+1 < len(description) {
				i++
				current.WriteByte(description[i])
			}
		default:
			current.WriteByte(c)
		}
	}
	sofar = append(sofar, current.String())
	add()
	return args, kw
}

// keywords are a description's name=value arguments, like the kwargs dict Twisted builds:
// values by name, and the names in the order they first appeared. Checks that walk the
// keywords go by names, never by ranging over values, so that a description with several
// bad keywords always reports the same one (the first, as Python's argument binding does).
type keywords struct {
	names  []string
	values map[string]string
}

func (k *keywords) set(name, value string) {
	if _, ok := k.values[name]; !ok {
		k.names = append(k.names, name)
	}
	k.values[name] = value
}

func (k *keywords) get(name string) (string, bool) {
	v, ok := k.values[name]
	return v, ok
}

// only returns the error for the first keyword, in description order, that is not one of
// known: Python's "unexpected keyword argument" TypeError.
func (k *keywords) only(bad func(string) error, known ...string) error {
	for _, name := range k.names {
		if !slices.Contains(known, name) {
			return bad("unexpected keyword argument " + strconv.Quote(name))
		}
	}
	return nil
}

// QuoteStringArgument quotes an argument for interpolation into a strports description:
// backslashes and colons are escaped with a backslash. It is Twisted's
// endpoints.quoteStringArgument.
func QuoteStringArgument(argument string) string {
	argument = strings.ReplaceAll(argument, `\`, `\\`)
	return strings.ReplaceAll(argument, `:`, `\:`)
}

// UnknownEndpointTypeError is returned by ServerFromString and ClientFromString for a
// description whose type (the part before the first ':') is not one they know. Its
// message is Twisted's: Unknown endpoint type: 'ftl'.
type UnknownEndpointTypeError struct {
	Type string
}

func (e *UnknownEndpointTypeError) Error() string {
	return fmt.Sprintf("Unknown endpoint type: '%s'", e.Type)
}

// DescriptionError reports a strports description that names a known endpoint type but
// has a missing, unknown or malformed argument (Twisted raises TypeError or ValueError).
type DescriptionError struct {
	Description string
	Reason      string
}

func (e *DescriptionError) Error() string {
	return fmt.Sprintf("invalid endpoint description %q: %s", e.Description, e.Reason)
}
