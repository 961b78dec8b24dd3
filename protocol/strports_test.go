package protocol_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor/reactortest"
)

// Ports test_endpoints.py ParserTests and ServerStringTests (the TCP and UNIX parts):
// descriptions become endpoints with Twisted's defaults.
func TestServerFromString(t *testing.T) {
	r := reactortest.NewMemoryReactor() // the reactor is kept as given
	cases := []struct {
		name, desc string
		want       protocol.StreamServerEndpoint
	}{
		{"test_simpleTCP", "tcp:80", &protocol.TCP4ServerEndpoint{Reactor: r, Port: 80, Backlog: 50}},
		{"test_interfaceTCP", "tcp:80:interface=127.0.0.1", &protocol.TCP4ServerEndpoint{Reactor: r, Port: 80, Backlog: 50, Interface: "127.0.0.1"}},
		{"test_backlogTCP", "tcp:80:backlog=6", &protocol.TCP4ServerEndpoint{Reactor: r, Port: 80, Backlog: 6}},
		{"ServerStringTests.test_tcp", "tcp:1234:backlog=12:interface=10.0.0.1", &protocol.TCP4ServerEndpoint{Reactor: r, Port: 1234, Backlog: 12, Interface: "10.0.0.1"}},
		{"keyword port", "tcp:port=8800:interface=127.0.0.1", &protocol.TCP4ServerEndpoint{Reactor: r, Port: 8800, Backlog: 50, Interface: "127.0.0.1"}},
		{"case-insensitive type", "TCP:80", &protocol.TCP4ServerEndpoint{Reactor: r, Port: 80, Backlog: 50}},
		{"tcp6", "tcp6:8080", &protocol.TCP6ServerEndpoint{TCP4ServerEndpoint: protocol.TCP4ServerEndpoint{Reactor: r, Port: 8080, Backlog: 50, Interface: "::"}}},
		{"tcp6 interface", `tcp6:8080:interface=\:\:1`, &protocol.TCP6ServerEndpoint{TCP4ServerEndpoint: protocol.TCP4ServerEndpoint{Reactor: r, Port: 8080, Backlog: 50, Interface: "::1"}}},
		{"test_simpleUNIX", "unix:/var/run/finger", &protocol.UNIXServerEndpoint{Reactor: r, Address: "/var/run/finger", Backlog: 50, Mode: 0o666, WantPID: true}},
		{"test_modeUNIX", "unix:/var/run/finger:mode=0660", &protocol.UNIXServerEndpoint{Reactor: r, Address: "/var/run/finger", Backlog: 50, Mode: 0o660, WantPID: true}},
		{"test_wantPIDUNIX", "unix:/var/run/finger:lockfile=0", &protocol.UNIXServerEndpoint{Reactor: r, Address: "/var/run/finger", Backlog: 50, Mode: 0o666}},
		{"test_escape", `unix:foo\:bar\=baz\:qux\\`, &protocol.UNIXServerEndpoint{Reactor: r, Address: `foo:bar=baz:qux\`, Backlog: 50, Mode: 0o666, WantPID: true}},
		{"test_impliedEscape", "unix:address=foo=bar", &protocol.UNIXServerEndpoint{Reactor: r, Address: "foo=bar", Backlog: 50, Mode: 0o666, WantPID: true}},
		{"ServerStringTests.test_unix", "unix:/var/foo/bar:backlog=7:mode=0123:lockfile=1", &protocol.UNIXServerEndpoint{Reactor: r, Address: "/var/foo/bar", Backlog: 7, Mode: 0o123, WantPID: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ep, err := protocol.ServerFromString(r, c.desc)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, c.want, ep)
		})
	}
}

// Ports test_endpoints.py ParserTests.test_quoteStringArgument, and checks that a quoted
// argument survives the parser.
func TestQuoteStringArgument(t *testing.T) {
	equal(t, `some \: stuff \\`, protocol.QuoteStringArgument(`some : stuff \`))
	ep, err := protocol.ServerFromString(nil, "unix:"+protocol.QuoteStringArgument(`C:\odd:path`))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, `C:\odd:path`, ep.(*protocol.UNIXServerEndpoint).Address)
}

// Ports test_endpoints.py ParserTests.test_unknownType and ServerStringTests /
// ClientStringTests.test_unknownType.
func TestFromStringUnknownType(t *testing.T) {
	_, err := protocol.ServerFromString(nil, "ftl:andromeda/carcosa/hali/2387")
	var ue *protocol.UnknownEndpointTypeError
	if !errors.As(err, &ue) {
		t.Fatalf("ServerFromString error = %v", err)
	}
	equal(t, "Unknown endpoint type: 'ftl'", err.Error())
	_, err = protocol.ClientFromString(nil, "ftl:andromeda/carcosa/hali/2387")
	equal(t, "Unknown endpoint type: 'ftl'", err.Error())
	_, err = protocol.ServerFromString(nil, "bogus-type:nothing")
	if !errors.As(err, &ue) {
		t.Fatalf("error = %v", err)
	}
}

// Bad arguments give a *DescriptionError, never a panic.
func TestFromStringBadArguments(t *testing.T) {
	servers := []string{"tcp", "tcp:", "tcp:eighty", "tcp:80:backlog=x", "tcp:80:flavour=mint",
		"tcp:80:81:127.0.0.1:9", "tcp:99999", "tcp:-1", "unix", "unix:/p:mode=999", "unix:/p:lockfile=yes",
		"tcp:80:port=81", ""}
	for _, d := range servers {
		if _, err := protocol.ServerFromString(nil, d); err == nil {
			t.Errorf("ServerFromString(%q) succeeded", d)
		}
	}
	clients := []string{"tcp", "tcp:host", "tcp:host=h", "tcp:h:p", "tcp:h:80:timeout=soon",
		"tcp:h:80:x:y", "tcp:h:80:colour=red", "unix", "unix:path=", "unix:/p:lockfile=maybe", "unix:/a:/b"}
	for _, d := range clients {
		if _, err := protocol.ClientFromString(nil, d); err == nil {
			t.Errorf("ClientFromString(%q) succeeded", d)
		} else {
			var de *protocol.DescriptionError
			var ue *protocol.UnknownEndpointTypeError
			if !errors.As(err, &de) && !errors.As(err, &ue) {
				t.Errorf("ClientFromString(%q) error %T", d, err)
			}
		}
	}
}

// Ports test_endpoints.py ClientStringTests (TCP and UNIX).
func TestClientFromString(t *testing.T) {
	r := reactortest.NewMemoryReactor()
	cases := []struct {
		name, desc string
		want       protocol.StreamClientEndpoint
	}{
		{"test_tcp", "tcp:host=example.com:port=1234:timeout=7:bindAddress=10.0.0.2",
			&protocol.TCP4ClientEndpoint{Reactor: r, Host: "example.com", Port: 1234, Timeout: 7 * time.Second, BindAddress: "10.0.0.2"}},
		{"test_tcpPositionalArgs", "tcp:example.com:1234:timeout=7:bindAddress=10.0.0.2",
			&protocol.TCP4ClientEndpoint{Reactor: r, Host: "example.com", Port: 1234, Timeout: 7 * time.Second, BindAddress: "10.0.0.2"}},
		{"test_tcpHostPositionalArg", "tcp:example.com:port=1234:timeout=7:bindAddress=10.0.0.2",
			&protocol.TCP4ClientEndpoint{Reactor: r, Host: "example.com", Port: 1234, Timeout: 7 * time.Second, BindAddress: "10.0.0.2"}},
		{"test_tcpPortPositionalArg", "tcp:host=example.com:1234:timeout=7:bindAddress=10.0.0.2",
			&protocol.TCP4ClientEndpoint{Reactor: r, Host: "example.com", Port: 1234, Timeout: 7 * time.Second, BindAddress: "10.0.0.2"}},
		{"test_tcpDefaults", "tcp:host=example.com:port=1234",
			&protocol.TCP4ClientEndpoint{Reactor: r, Host: "example.com", Port: 1234, Timeout: 30 * time.Second}},
		{"test_unix", "unix:path=/var/foo/bar:lockfile=1:timeout=9",
			&protocol.UNIXClientEndpoint{Reactor: r, Path: "/var/foo/bar", Timeout: 9 * time.Second, CheckPID: true}},
		{"test_unixDefaults", "unix:path=/var/foo/bar",
			&protocol.UNIXClientEndpoint{Reactor: r, Path: "/var/foo/bar", Timeout: 30 * time.Second}},
		{"test_unixPathPositionalArg", "unix:/var/foo/bar:lockfile=1:timeout=9",
			&protocol.UNIXClientEndpoint{Reactor: r, Path: "/var/foo/bar", Timeout: 9 * time.Second, CheckPID: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ep, err := protocol.ClientFromString(r, c.desc)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, c.want, ep)
		})
	}
}

// FuzzParseDescription: arbitrary descriptions never panic and always give an endpoint or
// an error.
func FuzzFromString(f *testing.F) {
	for _, s := range []string{"tcp:80", `unix:foo\:bar\=baz\:qux\\`, "tcp:host=h:port=1:timeout=3", "unix:address=foo=bar", `\`, "::=:="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sep, serr := protocol.ServerFromString(nil, s)
		if (sep == nil) == (serr == nil) {
			t.Fatalf("ServerFromString(%q) = %v, %v", s, sep, serr)
		}
		cep, cerr := protocol.ClientFromString(nil, s)
		if (cep == nil) == (cerr == nil) {
			t.Fatalf("ClientFromString(%q) = %v, %v", s, cep, cerr)
		}
	})
}
