package reactor

import (
	"bytes"
	"net"
	"testing"

	"github.com/gotwisted/twisted/failure"
)

// Ports test_tcp.py LoopbackTests.test_closePortInProtocolFactory's setup: a client connects
// over loopback, the server echoes, and both ends see ConnectionMade and their data.
func TestConnectAcceptEcho(t *testing.T) {
	r := newReactor(t)
	server := &testFactory{build: func(net.Addr) Protocol { return &echo{} }}
	_, port := listenLocal(t, r, server)
	client := &recorder{onMade: func(p *recorder) { p.Transport.Write([]byte("hello")) }}
	cf := &testFactory{build: func(net.Addr) Protocol { return client }}
	r.ConnectTCP("127.0.0.1", port, cf)
	spin(t, r, func() bool { return len(client.data) == 5 })
	if !bytes.Equal(client.data, []byte("hello")) {
		t.Fatalf("echo: got %q", client.data)
	}
	client.Transport.LoseConnection()
	spin(t, r, func() bool { return client.reason != nil && len(cf.lost) == 1 })
	if client.reason.Check(failure.Type[*ConnectionDone]()) == nil {
		t.Fatalf("reason: %v", client.reason)
	}
	if cf.starts != 1 || cf.stops != 1 {
		t.Fatalf("client factory starts=%d stops=%d", cf.starts, cf.stops)
	}
}
