package protocol

import (
	"os"
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
			if _, ok := kw["host"]; ok {
				kw["port"] = args[0]
			} else {
				kw["host"] = args[0]
			}
		case 2:
			kw["host"], kw["port"] = args[0], args[1]
		default:
			return nil, bad("too many positional arguments")
		}
		ep := &TCP4ClientEndpoint{Reactor: tcpOf(r), Timeout: 30 * time.Second}
		for k, v := range kw {
			var err error
			switch k {
			case "host":
				ep.Host = v
			case "port":
				ep.Port, err = portArg(v, bad)
			case "timeout":
				var s int
				s, err = atoi(v, "timeout", bad)
				ep.Timeout = time.Duration(s) * time.Second
				if s == 0 {
					ep.Timeout = -1 // an explicit 0 means no timeout
				}
			case "bindAddress":
				ep.BindAddress = v
			default:
				err = bad("unexpected keyword argument " + strconv.Quote(k))
			}
			if err != nil {
				return nil, err
			}
		}
		if ep.Host == "" {
			return nil, bad("missing host")
		}
		if _, ok := kw["port"]; !ok {
			return nil, bad("missing port")
		}
		return ep, nil
	case "unix":
		switch len(args) {
		case 0:
		case 1:
			kw["path"] = args[0]
		default:
			return nil, bad("too many positional arguments")
		}
		ep := &UNIXClientEndpoint{Reactor: unixOf(r), Timeout: 30 * time.Second}
		for k, v := range kw {
			var err error
			switch k {
			case "path":
				ep.Path = v
			case "timeout":
				var s int
				s, err = atoi(v, "timeout", bad)
				ep.Timeout = time.Duration(s) * time.Second
				if s == 0 {
					ep.Timeout = -1
				}
			case "lockfile":
				var n int
				n, err = atoi(v, "lockfile", bad)
				ep.CheckPID = n != 0
			default:
				err = bad("unexpected keyword argument " + strconv.Quote(k))
			}
			if err != nil {
				return nil, err
			}
		}
		if ep.Path == "" {
			return nil, bad("missing path")
		}
		return ep, nil
	}
	return nil, &UnknownEndpointTypeError{Type: typ}
}

// bindArgs matches positional and keyword arguments to parameter names, the way Python
// binds them to a parser function's signature.
func bindArgs(args []string, kw map[string]string, params []string, bad func(string) error) (map[string]string, error) {
	if len(args) > len(params) {
		return nil, bad("too many positional arguments")
	}
	values := make(map[string]string, len(params))
	for i, a := range args {
		values[params[i]] = a
	}
	for k, v := range kw {
		known := false
		for _, p := range params {
			if p == k {
				known = true
			}
		}
		if !known {
			return nil, bad("unexpected keyword argument " + strconv.Quote(k))
		}
		if _, dup := values[k]; dup {
			return nil, bad("multiple values for argument " + strconv.Quote(k))
		}
		values[k] = v
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
