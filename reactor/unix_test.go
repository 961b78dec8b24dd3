package reactor

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func sockPath(t *testing.T) string {
	// UNIX socket paths are limited to ~100 bytes; t.TempDir() can be long.
	dir, err := os.MkdirTemp("", "rx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s")
}

// ListenUNIX and ConnectUNIX carry a protocol like TCP does; the socket file gets the
// requested mode and is removed when the port stops.
func TestUNIXEcho(t *testing.T) {
	r := newReactor(t)
	path := sockPath(t)
	p, err := r.ListenUNIX(path, &testFactory{build: func(net.Addr) Protocol { return &echo{} }}, Mode(0o600))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket file: %v %v", fi, err)
	}
	if a, ok := p.GetHost().(*net.UnixAddr); !ok || a.Name != path {
		t.Fatalf("GetHost %v", p.GetHost())
	}
	client := &recorder{onMade: func(p *recorder) { p.Transport.Write([]byte("over unix")) }}
	cf := &testFactory{build: func(net.Addr) Protocol { return client }}
	r.ConnectUNIX(path, cf)
	spin(t, r, func() bool { return string(client.data) == "over unix" })
	if a, ok := client.Transport.GetPeer().(*net.UnixAddr); !ok || a.Name != path {
		t.Fatalf("client peer %v", client.Transport.GetPeer())
	}
	client.Transport.LoseConnection()
	stopped := false
	p.StopListening().AddCallback(func(any) (any, error) { stopped = true; return nil, nil })
	spin(t, r, func() bool { return stopped && client.reason != nil })
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("socket file left behind: %v", err)
	}
}

// Connecting to a path nobody listens on fails through ClientConnectionFailed.
func TestUNIXConnectFailure(t *testing.T) {
	r := newReactor(t)
	cf := &testFactory{}
	r.ConnectUNIX(sockPath(t), cf)
	spin(t, r, func() bool { return len(cf.failed) == 1 })
	if !isReason[AnyConnectError](cf.failed[0]) || !errors.Is(cf.failed[0], unix.ENOENT) {
		t.Fatalf("got %v", cf.failed[0])
	}
}

// WantPID takes path+".lock": a second listener fails with CannotListenError, a stale
// socket file is replaced, and CheckPID clients insist on the lock.
func TestUNIXWantPID(t *testing.T) {
	r := newReactor(t)
	path := sockPath(t)
	os.WriteFile(path, nil, 0o600) // a stale file where the socket goes
	f := &testFactory{build: func(net.Addr) Protocol { return &echo{} }}
	p, err := r.ListenUNIX(path, f, WantPID(true))
	if err != nil {
		t.Fatalf("stale socket file not replaced: %v", err)
	}
	var cle *CannotListenError
	if _, err := r.ListenUNIX(path, f, WantPID(true)); !errors.As(err, &cle) {
		t.Fatalf("second WantPID listener: %v", err)
	}
	client := &recorder{}
	r.ConnectUNIX(path, &testFactory{build: func(net.Addr) Protocol { return client }}, CheckPID(true))
	spin(t, r, func() bool { return client.Connected })
	client.Transport.LoseConnection()
	stopped := false
	p.StopListening().AddCallback(func(any) (any, error) { stopped = true; return nil, nil })
	spin(t, r, func() bool { return stopped })
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Fatal("lock file left behind")
	}

	plain, err := r.ListenUNIX(path, f)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.(*Port).connectionLostNow()
	cf := &testFactory{}
	r.ConnectUNIX(path, cf, CheckPID(true))
	spin(t, r, func() bool { return len(cf.failed) == 1 })
	if !isReason[*BadFileError](cf.failed[0]) {
		t.Fatalf("CheckPID without a lock: %v", cf.failed[0])
	}
}
