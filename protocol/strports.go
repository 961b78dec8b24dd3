package protocol

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gotwisted/twisted/reactor"
)

// ServerFromString builds a server endpoint from a strports description (Twisted's
// endpoints.serverFromString). r is the reactor the endpoint listens with (nil: the
// default reactor).
//
//	tcp:8080                              TCP4ServerEndpoint, all interfaces, backlog 50
//	tcp:8080:interface=127.0.0.1:backlog=10
//	tcp6:8080                             TCP6ServerEndpoint, interface "::"
//	unix:/var/run/finger                  UNIXServerEndpoint, mode 666, lock file on
//	unix:/var/run/finger:mode=660:lockfile=0:backlog=5
//
// Arguments are separated by ':'; "name=value" arguments are keywords, and only the first
// '=' counts (a:b=c=d gives b="c=d"); a backslash escapes the next character
// ("unix:/srv/a\:b" is the path /srv/a:b; see QuoteStringArgument). The type is matched
// case-insensitively. An unknown type gives *UnknownEndpointTypeError; a bad argument a
// *DescriptionError. SSL and plugin types are not supported.
func ServerFromString(r Reactor, description string) (StreamServerEndpoint, error) {
	args, kw := parseDescription(description)
	bad := func(reason string) error { return &DescriptionError{Description: description, Reason: reason} }
	if len(args) == 0 {
		return nil, bad("missing endpoint type")
	}
	typ := strings.ToLower(args[0])
	args = args[1:]
	switch typ {
	case "tcp", "tcp6":
		ep := &TCP4ServerEndpoint{Reactor: tcpOf(r), Backlog: 50}
		if typ == "tcp6" {
			ep.Interface = "::"
		}
		values, err := bindArgs(args, kw, []string{"port", "interface", "backlog"}, bad)
		if err != nil {
			return nil, err
		}
		port, ok := values["port"]
		if !ok {
			return nil, bad("missing port")
		}
		if ep.Port, err = portArg(port, bad); err != nil {
			return nil, err
		}
		if v, ok := values["interface"]; ok {
			ep.Interface = v
		}
		if v, ok := values["backlog"]; ok {
			if ep.Backlog, err = atoi(v, "backlog", bad); err != nil {
				return nil, err
			}
		}
		if typ == "tcp6" {
			return &TCP6ServerEndpoint{*ep}, nil
		}
		return ep, nil
	case "unix":
		ep := &UNIXServerEndpoint{Reactor: unixOf(r), Backlog: 50, Mode: 0o666, WantPID: true}
		values, err := bindArgs(args, kw, []string{"address", "mode", "backlog", "lockfile"}, bad)
		if err != nil {
			return nil, err
		}
		addr, ok := values["address"]
		if !ok {
			return nil, bad("missing address")
		}
		ep.Address = addr
		if v, ok := values["mode"]; ok {
			m, err := strconv.ParseUint(v, 8, 32)
			if err != nil {
				return nil, bad("mode must be octal: " + strconv.Quote(v))
			}
			ep.Mode = os.FileMode(m)
		}
		if v, ok := values["backlog"]; ok {
			if ep.Backlog, err = atoi(v, "backlog", bad); err != nil {
				return nil, err
			}
		}
		if v, ok := values["lockfile"]; ok {
			n, err := atoi(v, "lockfile", bad)
			if err != nil {
				return nil, err
			}
			ep.WantPID = n != 0
		}
		return ep, nil
	}
	return nil, &UnknownEndpointTypeError{Type: typ}
}

// ClientFromString builds a client endpoint from a strports description (Twisted's
// endpoints.clientFromString). r is the reactor the endpoint connects with (nil: the
// default reactor).
//
//	tcp:host=example.com:port=80          TCP4ClientEndpoint, timeout 30 s
//	tcp:example.com:80:timeout=7:bindAddress=10.0.0.2
//	unix:/var/foo/bar                     UNIXClientEndpoint
//	unix:path=/var/foo/bar:lockfile=1:timeout=9
//
// Host and port may be positional or keywords, in any mix; timeout is in whole seconds
// (timeout=0 means no timeout). The grammar is ServerFromString's.
func ClientFromString(r Reactor, description string) (StreamClientEndpoint, error) {
	args, kw := parseDescription(description)
	bad := func(reason string) error { return &DescriptionError{Description: description, Reason: reason} }
	if len(args) == 0 {
		return nil, bad("missing endpoint type")
	}
	typ := strings.ToLower(args[0])
	args = args[1:]
	switch typ {
	case "tcp":
		// Twisted's _parseClientTCP: two positionals are host and port; one is the port if
		// host= was given, else the host.
		switch len(args) {
		case 0:
		case 1:
			if _, ok := kw.get("host"); ok {
				kw.set("port", args[0])
			} else {
				kw.set("host", args[0])
			}
		case 2:
			kw.set("host", args[0])
			kw.set("port", args[1])
		default:
			return nil, bad("too many positional arguments")
		}
		// Checked in Twisted's order, whatever the order in the description:
		// _parseClientTCP converts port, then timeout; the endpoint's constructor then
		// rejects the first unknown keyword, then a missing argument.
		ep := &TCP4ClientEndpoint{Reactor: tcpOf(r), Timeout: 30 * time.Second}
		port, hasPort := kw.get("port")
		if hasPort {
			var err error
			if ep.Port, err = portArg(port, bad); err != nil {
				return nil, err
			}
		}
		if v, ok := kw.get("timeout"); ok {
			s, err := atoi(v, "timeout", bad)
			if err != nil {
				return nil, err
			}
			ep.Timeout = time.Duration(s) * time.Second
			if s == 0 {
				ep.Timeout = -1 // an explicit 0 means no timeout
			}
		}
		if err := kw.only(bad, "host", "port", "timeout", "bindAddress"); err != nil {
			return nil, err
		}
		ep.Host, _ = kw.get("host")
		ep.BindAddress, _ = kw.get("bindAddress")
		if ep.Host == "" {
			return nil, bad("missing host")
		}
		if !hasPort {
			return nil, bad("missing port")
		}
		return ep, nil
	case "unix":
		switch len(args) {
		case 0:
		case 1:
			kw.set("path", args[0])
		default:
			return nil, bad("too many positional arguments")
		}
		// Twisted's order again: _parseClientUNIX converts lockfile, then timeout.
		ep := &UNIXClientEndpoint{Reactor: unixOf(r), Timeout: 30 * time.Second}
		if v, ok := kw.get("lockfile"); ok {
			n, err := atoi(v, "lockfile", bad)
			if err != nil {
				return nil, err
			}
			ep.CheckPID = n != 0
		}
		if v, ok := kw.get("timeout"); ok {
			s, err := atoi(v, "timeout", bad)
			if err != nil {
				return nil, err
			}
			ep.Timeout = time.Duration(s) * time.Second
			if s == 0 {
				ep.Timeout = -1
			}
		}
		if err := kw.only(bad, "path", "timeout", "lockfile"); err != nil {
			return nil, err
		}
		ep.Path, _ = kw.get("path")
		if ep.Path == "" {
			return nil, bad("missing path")
		}
		return ep, nil
	}
	return nil, &UnknownEndpointTypeError{Type: typ}
}

// bindArgs matches positional and keyword arguments to parameter names, the way Python
// binds them to a parser function's signature: keywords in description order, the first
// unknown or already bound one being the error.
func bindArgs(args []string, kw *keywords, params []string, bad func(string) error) (map[string]string, error) {
	if len(args) > len(params) {
		return nil, bad("too many positional arguments")
	}
	values := make(map[string]string, len(params))
	for i, a := range args {
		values[params[i]] = a
	}
	for _, k := range kw.names {
		if !slices.Contains(params, k) {
			return nil, bad("unexpected keyword argument " + strconv.Quote(k))
		}
		if _, dup := values[k]; dup {
			return nil, bad("multiple values for argument " + strconv.Quote(k))
		}
		values[k] = kw.values[k]
	}
	return values, nil
}

func atoi(s, what string, bad func(string) error) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, bad(what + " must be an integer: " + strconv.Quote(s))
	}
	return n, nil
}

func portArg(s string, bad func(string) error) (int, error) {
	n, err := atoi(s, "port", bad)
	if err == nil && (n < 0 || n > 65535) {
		return 0, bad("port out of range: " + s)
	}
	return n, err
}

// tcpOf and unixOf keep a nil Reactor nil (the endpoint then uses the default reactor when
// it listens or connects) rather than a non-nil interface holding nil.
func tcpOf(r Reactor) reactor.ReactorTCP {
	if r == nil {
		return nil
	}
	return r
}

func unixOf(r Reactor) reactor.ReactorUNIX {
	if r == nil {
		return nil
	}
	return r
}
