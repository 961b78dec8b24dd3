//go:build linux

package reactor

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// 1000 sequential connect/echo/disconnect cycles leave no descriptor and no goroutine
// behind: the reactor runs every connection on its own goroutine.
func TestSequentialConnectsDoNotLeak(t *testing.T) {
	r := newReactor(t)
	sf := &testFactory{build: func(net.Addr) Protocol { return &echo{} }}
	port, num := listenLocal(t, r, sf)
	// Warm up once so lazily created state (the reserved descriptor, buffers) exists.
	warm := &recorder{onMade: func(p *recorder) { p.Transport.LoseConnection() }}
	r.ConnectTCP("127.0.0.1", num, &testFactory{build: func(net.Addr) Protocol { return warm }})
	spin(t, r, func() bool { return warm.reason != nil })
	for i := 0; i < 3; i++ {
		r.Iterate(time.Millisecond)
	}

	fdsBefore := countFDs(t)
	goroutinesBefore := runtime.NumGoroutine()
	const cycles = 1000
	done := 0
	var next func()
	next = func() {
		if done == cycles {
			r.Stop()
			return
		}
		p := &recorder{
			onMade: func(p *recorder) { p.Transport.Write([]byte("ping")) },
			onData: func(p *recorder, _ []byte) {
				if string(p.data) == "ping" {
					p.Transport.LoseConnection()
				}
			},
		}
		cf := &testFactory{build: func(net.Addr) Protocol { return p }}
		cf.onLost = func(Connector, *failureT) {
			done++
			r.CallLater(0, next)
		}
		cf.onFailed = func(_ Connector, reason *failureT) {
			t.Errorf("cycle %d failed: %v", done, reason)
			r.Stop()
		}
		r.ConnectTCP("127.0.0.1", num, cf)
	}
	r.CallWhenRunning(next)
	safety := r.CallLater(60*time.Second, func() { t.Error("safety limit"); r.Stop() })
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	if safety.Active() {
		safety.Cancel()
	}
	if done != cycles {
		t.Fatalf("%d of %d cycles", done, cycles)
	}
	// Shutdown closed the listening port; reopen the count baseline accordingly.
	if port.Fileno() != -1 {
		t.Fatal("port still open")
	}
	fdsAfter := countFDs(t)
	if fdsAfter > fdsBefore-1 {
		t.Fatalf("descriptors: %d before (with the listener), %d after (without it)", fdsBefore, fdsAfter)
	}
	// Goroutines started by the runtime or testing may come and go; allow a moment.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutinesBefore && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > goroutinesBefore {
		t.Fatalf("goroutines: %d before, %d after", goroutinesBefore, g)
	}
}

// The accept loop survives EMFILE: with no descriptor left, waiting clients are accepted
// into the reserved descriptor and closed, and once descriptors are free again the port
// serves normally. The descriptor limit is lowered in a child process (this test binary
// re-run), so the test process itself is never starved.
func TestAcceptSurvivesEMFILE(t *testing.T) {
	if os.Getenv("REACTOR_EMFILE_CHILD") == "1" {
		emfileChild()
		return
	}
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc/self/fd to count descriptors")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcceptSurvivesEMFILE$", "-test.v")
	cmd.Env = append(os.Environ(), "REACTOR_EMFILE_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"EMFILE confirmed", "recovered 3 clients", "served after recovery", "EMFILE OK"} {
		if !strings.Contains(s, want) {
			t.Fatalf("child output lacks %q:\n%s", want, s)
		}
	}
}

func emfileChild() {
	say := func(s string) { os.Stdout.WriteString(s + "\n") }
	fail := func(s string) { say("FAIL: " + s); os.Exit(1) }
	logs := &logCapture{}
	restoreLog := installLog(logs)
	defer restoreLog()
	r, err := New()
	if err != nil {
		fail(err.Error())
	}
	served := 0
	sf := &testFactory{build: func(net.Addr) Protocol { served++; return &echo{} }}
	port, err := r.ListenTCP(0, sf, Interface("127.0.0.1"))
	if err != nil {
		fail(err.Error())
	}
	addr := &unix.SockaddrInet4{Port: port.GetHost().(*net.TCPAddr).Port, Addr: [4]byte{127, 0, 0, 1}}
	var clients [4]int
	for i := range clients {
		if clients[i], err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
			fail(err.Error())
		}
	}
	var old unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &old)
	ents, _ := os.ReadDir("/proc/self/fd")
	open := uint64(len(ents) - 1) // ReadDir's own descriptor is closed again
	lim := old
	lim.Cur = open + 16
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		fail("setrlimit: " + err.Error())
	}
	// Use up every descriptor below the limit.
	var hogs []int
	for {
		fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == unix.EMFILE {
			break
		}
		if err != nil {
			fail("open: " + err.Error())
		}
		hogs = append(hogs, fd)
		if len(hogs) > 64 {
			fail("the lowered limit did not apply")
		}
	}
	say("EMFILE confirmed")
	for i := 0; i < 3; i++ {
		if err := unix.Connect(clients[i], addr); err != nil {
			fail("connect: " + err.Error())
		}
	}
	for i := 0; i < 20 && strings.Count(strings.Join(logs.messages(-8), "\n"), "EMFILE recovery: Closed socket") < 3; i++ {
		r.Iterate(5 * time.Millisecond)
	}
	n := strings.Count(strings.Join(logs.messages(-8), "\n"), "EMFILE recovery: Closed socket")
	if served != 0 {
		fail("a protocol was built while out of descriptors")
	}
	say("recovered " + strconv.Itoa(n) + " clients")
	for i := 0; i < 3; i++ {
		buf := make([]byte, 1)
		if k, err := unix.Read(clients[i], buf); k != 0 && err == nil {
			fail("a recovered client was not closed")
		}
	}
	for _, fd := range hogs {
		unix.Close(fd)
	}
	unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	if err := unix.Connect(clients[3], addr); err != nil {
		fail("connect after recovery: " + err.Error())
	}
	unix.Write(clients[3], []byte("ping"))
	for i := 0; i < 200 && served == 0; i++ {
		r.Iterate(5 * time.Millisecond)
	}
	for i := 0; i < 10; i++ {
		r.Iterate(time.Millisecond)
	}
	rd := bufio.NewReader(os.NewFile(uintptr(clients[3]), "client"))
	buf := make([]byte, 4)
	if _, err := rd.Read(buf); err != nil || string(buf) != "ping" {
		fail("echo after recovery: " + string(buf))
	}
	say("served after recovery")
	say("EMFILE OK")
	os.Exit(0)
}
