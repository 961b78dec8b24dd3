//go:build linux

package reactor

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// poller is the Linux poller: level-triggered epoll (no EPOLLET, so a connection that still
// has data is reported again next iteration and reads once per event, as in Twisted), plus an
// eventfd waker registered as an internal reader.
type poller struct {
	epfd    int
	wakefd  int
	events  []unix.EpollEvent
	wakeBuf [8]byte
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
	return p, nil
}

func (p *poller) close() error {
	err1 := unix.Close(p.epfd)
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

// wait blocks for at most timeoutMs milliseconds (-1: forever) and returns how many events
// event() can report. EINTR is not an error: the loop simply runs another iteration.
func (p *poller) wait(timeoutMs int) (int, error) {
	n, err := unix.EpollWait(p.epfd, p.events, timeoutMs)
	if err != nil {
		if err == unix.EINTR {
			return 0, nil
		}
		return 0, os.NewSyscallError("epoll_wait", err)
	}
	return n, nil
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
