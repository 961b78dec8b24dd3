//go:build darwin || freebsd

package reactor

import (
	"os"

	"golang.org/x/sys/unix"
)

// poller is the BSD/macOS poller: kqueue with separate EVFILT_READ and EVFILT_WRITE
// registrations (level-triggered: no EV_CLEAR), and an EVFILT_USER event as the waker.
type poller struct {
	kq      int
	events  []unix.Kevent_t
	changes [2]unix.Kevent_t
}

const wakeIdent = 0 // EVFILT_USER identifiers do not share the descriptor namespace

func newPoller() (*poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(kq)
	p := &poller{kq: kq, events: make([]unix.Kevent_t, 128)}
	ch := []unix.Kevent_t{{Ident: wakeIdent, Filter: unix.EVFILT_USER, Flags: unix.EV_ADD | unix.EV_CLEAR}}
	if _, err := unix.Kevent(kq, ch, nil, nil); err != nil {
		unix.Close(kq)
		return nil, os.NewSyscallError("kevent", err)
	}
	return p, nil
}

func (p *poller) close() error {
	err := unix.Close(p.kq)
	p.kq = -1
	return err
}

func (p *poller) update(fd int, oldR, oldW, newR, newW bool) error {
	ch := p.changes[:0]
	if oldR != newR {
		var flags uint16 = unix.EV_DELETE
		if newR {
			flags = unix.EV_ADD
		}
		var ev unix.Kevent_t
		unix.SetKevent(&ev, fd, unix.EVFILT_READ, int(flags))
		ch = append(ch, ev)
	}
	if oldW != newW {
		var flags uint16 = unix.EV_DELETE
		if newW {
			flags = unix.EV_ADD
		}
		var ev unix.Kevent_t
		unix.SetKevent(&ev, fd, unix.EVFILT_WRITE, int(flags))
		ch = append(ch, ev)
	}
	if len(ch) == 0 {
		return nil
	}
	if _, err := unix.Kevent(p.kq, ch, nil, nil); err != nil {
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

func (p *poller) wait(timeoutMs int) (int, error) {
	var ts *unix.Timespec
	if timeoutMs >= 0 {
		t := unix.NsecToTimespec(int64(timeoutMs) * 1e6)
		ts = &t
	}
	n, err := unix.Kevent(p.kq, nil, p.events, ts)
	if err != nil {
		if err == unix.EINTR {
			return 0, nil
		}
		return 0, os.NewSyscallError("kevent", err)
	}
	return n, nil
}

func (p *poller) grow(n, registered int) {
	if n == len(p.events) && len(p.events) < 2*registered+1 {
		p.events = make([]unix.Kevent_t, 2*len(p.events))
	}
}

// event returns the i-th event. kqueue reports read and write readiness as separate events;
// EV_EOF carrying an error code is a non-clean loss (Twisted's kqreactor rule).
func (p *poller) event(i int) (fd int, flags pollFlags) {
	ev := &p.events[i]
	switch ev.Filter {
	case unix.EVFILT_USER:
		return -1, evIn
	case unix.EVFILT_READ:
		flags = evIn
	case unix.EVFILT_WRITE:
		flags = evOut
	}
	if ev.Flags&unix.EV_EOF != 0 && ev.Fflags != 0 && ev.Data != 0 {
		flags = evLost
	}
	return int(ev.Ident), flags
}

func (p *poller) wake() {
	ch := []unix.Kevent_t{{Ident: wakeIdent, Filter: unix.EVFILT_USER, Fflags: unix.NOTE_TRIGGER}}
	unix.Kevent(p.kq, ch, nil, nil)
}

func (p *poller) drainWaker() {}
