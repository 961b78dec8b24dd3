package reactor

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// A registered reader gets DoRead when its descriptor is readable; returning a reason
// disconnects it with that reason.
func TestAddReaderDispatch(t *testing.T) {
	r := newReactor(t)
	rd, wr := newPipe(t)
	var got []byte
	p := &pipeDescriptor{fd: rd}
	p.onRead = func() error {
		buf := make([]byte, 16)
		n, _ := unix.Read(rd, buf)
		got = append(got, buf[:n]...)
		if string(got) == "stop" {
			return &ConnectionDone{}
		}
		return nil
	}
	if err := r.AddReader(p); err != nil {
		t.Fatal(err)
	}
	if err := r.AddReader(p); err != nil { // idempotent
		t.Fatal(err)
	}
	if len(r.GetReaders()) != 1 || len(r.GetWriters()) != 0 {
		t.Fatalf("readers %v writers %v", r.GetReaders(), r.GetWriters())
	}
	unix.Write(wr, []byte("stop"))
	spin(t, r, func() bool { return p.lost != nil })
	if !isReason[*ConnectionDone](p.lost) || len(r.GetReaders()) != 0 {
		t.Fatalf("lost with %v; readers %v", p.lost, r.GetReaders())
	}
}

// A hang-up without readable data on a reading descriptor is a clean close
// (ConnectionDone); a panic in DoRead is logged and becomes the reason.
func TestHangupAndPanicReasons(t *testing.T) {
	logs := captureLogs(t)
	r := newReactor(t)
	rd, wr := newPipe(t)
	p := &pipeDescriptor{fd: rd}
	r.AddReader(p)
	unix.Close(wr)
	spin(t, r, func() bool { return p.lost != nil })
	if !isReason[*ConnectionDone](p.lost) {
		t.Fatalf("hang-up: %v", p.lost)
	}

	rd2, wr2 := newPipe(t)
	p2 := &pipeDescriptor{fd: rd2, onRead: func() error { panic(errors.New("doRead bug")) }}
	r.AddReader(p2)
	unix.Write(wr2, []byte("x"))
	spin(t, r, func() bool { return p2.lost != nil })
	if p2.lost.Error() != "panic: doRead bug" || len(logs.failures()) != 1 {
		t.Fatalf("panic reason %v, logged %v", p2.lost, logs.failures())
	}
}

// A writer gets DoWrite while writable; RemoveWriter stops it (idempotently).
func TestAddWriter(t *testing.T) {
	r := newReactor(t)
	_, wr := newPipe(t)
	n := 0
	p := &pipeDescriptor{fd: wr}
	p.onWrite = func() error {
		n++
		if n == 3 {
			r.RemoveWriter(p)
			r.RemoveWriter(p)
		}
		return nil
	}
	r.AddWriter(p)
	spin(t, r, func() bool { return n == 3 })
	for i := 0; i < 5; i++ {
		r.Iterate(0)
	}
	if n != 3 || len(r.GetWriters()) != 0 {
		t.Fatalf("DoWrite ran %d times after removal; writers %v", n, r.GetWriters())
	}
}

// RemoveAll returns every registered descriptor, but not the waker, and unregisters them:
// the reactor still wakes for CallFromThread afterwards.
func TestRemoveAll(t *testing.T) {
	r := newReactor(t)
	rd, wr := newPipe(t)
	a, b := &pipeDescriptor{fd: rd}, &pipeDescriptor{fd: wr}
	r.AddReader(a)
	r.AddWriter(b)
	got := r.RemoveAll()
	if len(got) != 2 || len(r.GetReaders())+len(r.GetWriters()) != 0 {
		t.Fatalf("RemoveAll returned %v", got)
	}
	if len(r.RemoveAll()) != 0 {
		t.Fatal("second RemoveAll returned descriptors")
	}
	r.CallWhenRunning(func() { go r.CallFromThread(func() { r.Stop() }) })
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
}

// A descriptor whose Fileno became -1 while registered is disconnected with
// ConnectionFdescWentAway (a ConnectionLost).
func TestFilenoWentAway(t *testing.T) {
	r := newReactor(t)
	rd, wr := newPipe(t)
	p := &pipeDescriptor{fd: rd}
	r.AddReader(p)
	unix.Write(wr, []byte("x"))
	p.fd = -1
	spin(t, r, func() bool { return p.lost != nil })
	if !isReason[*ConnectionFdescWentAway](p.lost) || !isReason[AnyConnectionLost](p.lost) {
		t.Fatalf("got %v", p.lost)
	}
	if len(r.GetReaders()) != 0 {
		t.Fatal("still registered")
	}
	p.fd = rd
}

// Regular files cannot be watched by epoll: AddReader reports the error instead of
// registering (Twisted polls them continuously; this port does not).
func TestAddReaderRegularFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("epoll-specific: kqueue accepts regular files")
	}
	r := newReactor(t)
	f, err := os.Create(filepath.Join(t.TempDir(), "regular"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := &pipeDescriptor{fd: int(f.Fd())}
	if err := r.AddReader(p); !errors.Is(err, unix.EPERM) {
		t.Fatalf("AddReader on a regular file: %v", err)
	}
	if len(r.GetReaders()) != 0 {
		t.Fatal("registered anyway")
	}
	var fd *ConnectionFdescWentAway
	if err := r.AddReader(&pipeDescriptor{fd: -1}); !errors.As(err, &fd) {
		t.Fatalf("AddReader of a closed descriptor: %v", err)
	}
}
