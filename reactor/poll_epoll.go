//go:build linux

package reactor

import (
	"encoding/binary"
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// poller is the Linux poller: level-triggered epoll (no EPOLLET, so a connection that still
// has data is reported again next iteration and reads once per event, as in Twisted), plus an
// eventfd waker registered as an internal reader.
//
// The loop never blocks a thread in epoll_wait. It polls without waiting, and when nothing
// is ready it parks the loop goroutine on the epoll descriptor itself through the Go
// runtime's network poller (an epoll descriptor is readable while it has events). The OS
// thread is then free for other goroutines, and waking the loop costs what waking any
// network goroutine costs, instead of a thread hand-off around a blocking system call.
type poller struct {
	epfd     int
	wakefd   int
	events   []unix.EpollEvent
	wakeBuf  [8]byte
	file     *os.File        // epfd, registered with the runtime poller
	rc       syscall.RawConn // nil: fall back to a blocking epoll_wait
	ready    func(uintptr) bool
	n        int // result of the last poll made by ready
	err      error
	deadline bool // a read deadline is set on file
}

func newPoller() (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	p := &poller{epfd: epfd, wakefd: wakefd, events: make([]unix.EpollEvent, 128)}
	binary.NativeEndian.PutUint64(p.wakeBuf[:], 1)
	if unix.SetNonblock(epfd, true) == nil {
		p.file = os.NewFile(uintptr(epfd), "epoll")
		// SetReadDeadline fails unless the runtime poller accepted the descriptor.
		if rc, err := p.file.SyscallConn(); err == nil && p.file.SetReadDeadline(time.Time{}) == nil {
			p.rc = rc
			p.ready = p.pollReady // one method value, not a closure per wait
		}
	}
	return p, nil
}

func (p *poller) close() error {
	var err1 error
	if p.file != nil {
		err1 = p.file.Close()
	} else {
		err1 = unix.Close(p.epfd)
	}
	err2 := unix.Close(p.wakefd)
	p.epfd, p.wakefd = -1, -1
	if err1 != nil {
		return err1
	}
	return err2
}

// update moves fd's interest from (oldR, oldW) to (newR, newW). The caller updates its own
// bookkeeping only when this succeeds, as Twisted does.
func (p *poller) update(fd int, oldR, oldW, newR, newW bool) error {
	if oldR == newR && oldW == newW {
		return nil
	}
	var mask uint32
	if newR {
		mask |= unix.EPOLLIN
	}
	if newW {
		mask |= unix.EPOLLOUT
	}
	ev := unix.EpollEvent{Events: mask, Fd: int32(fd)}
	var op int
	switch {
	case !oldR && !oldW:
		op = unix.EPOLL_CTL_ADD
	case mask == 0:
		op = unix.EPOLL_CTL_DEL
	default:
		op = unix.EPOLL_CTL_MOD
	}
	if err := unix.EpollCtl(p.epfd, op, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// wait waits for at most timeoutMs milliseconds (-1: no limit) and returns how many events
// event() can report. EINTR is not an error: the loop simply runs another iteration.
func (p *poller) wait(timeoutMs int) (int, error) {
	if timeoutMs == 0 {
		return p.poll()
	}
	if p.rc == nil {
		n, err := unix.EpollWait(p.epfd, p.events, timeoutMs)
		if err == unix.EINTR {
			return 0, nil
		}
		return n, os.NewSyscallError("epoll_wait", err)
	}
	// Read calls ready first (one zero-timeout poll) and parks only if nothing is ready.
	if timeoutMs > 0 {
		p.file.SetReadDeadline(time.Now().Add(time.Duration(timeoutMs) * time.Millisecond))
		p.deadline = true
	} else if p.deadline {
		p.file.SetReadDeadline(time.Time{})
		p.deadline = false
	}
	p.n, p.err = 0, nil
	if rerr := p.rc.Read(p.ready); rerr != nil && !errors.Is(rerr, os.ErrDeadlineExceeded) {
		// The runtime poller refused to wait: block in epoll_wait from now on rather
		// than spin.
		p.rc = nil
		return 0, nil
	}
	return p.n, p.err
}

// pollReady is the RawConn.Read callback: false parks the goroutine until epfd is readable.
func (p *poller) pollReady(uintptr) bool {
	p.n, p.err = p.poll()
	return p.n > 0 || p.err != nil
}

// poll is epoll_wait with a zero timeout. It cannot block, so it skips the runtime's
// system-call bookkeeping.
func (p *poller) poll() (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd),
		uintptr(unsafe.Pointer(&p.events[0])), uintptr(len(p.events)), 0, 0, 0)
	switch e {
	case 0:
		return int(r), nil
	case unix.EINTR:
		return 0, nil
	}
	return 0, os.NewSyscallError("epoll_wait", e)
}

// grow enlarges the event buffer after a poll that filled it, so a busy reactor sees every
// ready descriptor in one poll (Twisted asks for one event per registered descriptor).
func (p *poller) grow(n, registered int) {
	if n == len(p.events) && len(p.events) < registered+1 {
		p.events = make([]unix.EpollEvent, 2*len(p.events))
	}
}

// event returns the i-th event of the last wait. fd is -1 for the waker.
func (p *poller) event(i int) (fd int, flags pollFlags) {
	ev := &p.events[i]
	if int(ev.Fd) == p.wakefd {
		return -1, evIn
	}
	if ev.Events&unix.EPOLLIN != 0 {
		flags |= evIn
	}
	if ev.Events&unix.EPOLLOUT != 0 {
		flags |= evOut
	}
	if ev.Events&(unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		flags |= evHup
	}
	return int(ev.Fd), flags
}

// wake interrupts a blocking wait. Safe from any goroutine.
func (p *poller) wake() {
	// EAGAIN means the counter is already non-zero: the loop will wake anyway.
	unix.Write(p.wakefd, p.wakeBuf[:])
}

// drainWaker resets the eventfd counter.
func (p *poller) drainWaker() {
	var buf [8]byte
	unix.Read(p.wakefd, buf[:])
}
