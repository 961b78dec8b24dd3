package reactor

import (
	"github.com/gotwisted/twisted/failure"
)

// IReactorFDSet: registering descriptors for readability and writability, and dispatching
// poll events to them exactly as Twisted's _doReadOrWrite does (core-semantics 3.5).

func (r *Reactor) entry(fd int) *fdEntry {
	if fd < 0 || fd >= len(r.fds) {
		return nil
	}
	return r.fds[fd]
}

// findEntry locates d's registration: by its Fileno, or by identity when the descriptor has
// already closed (Fileno -1), as Twisted's removeReader does.
func (r *Reactor) findEntry(d FileDescriptor) (int, *fdEntry) {
	fd := d.Fileno()
	if e := r.entry(fd); e != nil && e.desc == d {
		return fd, e
	}
	if fd == -1 {
		for i, e := range r.fds {
			if e != nil && e.desc == d {
				return i, e
			}
		}
	}
	return -1, nil
}

// setInterest changes d's reader and/or writer registration (read/write say which to
// change; a nil descriptor removes). With optimistic, a new writer is not registered with
// the kernel: it is queued, and the next iteration calls its DoWrite after the timer pass,
// as if a poll had reported it writable (a socket with room in its send buffer always is).
// Only if that write cannot finish is EPOLLOUT registered. This saves two epoll_ctl calls
// and a poll per write on the hot path while keeping Twisted's ordering: Write still only
// buffers, and the next iteration's thread calls and timers still run before the bytes
// leave. (Within one iteration a queued write now precedes the poll's read events, an
// interleaving that depends on packet timing in Twisted too.)
func (r *Reactor) setInterest(d FileDescriptor, rd ReadDescriptor, wd WriteDescriptor, read, write, optimistic bool) error {
	fd, e := r.findEntry(d)
	var curR ReadDescriptor
	var curW WriteDescriptor
	kr, kw := false, false
	if e != nil {
		curR, curW, kr, kw = e.reader, e.writer, e.kr, e.kw
	} else {
		if (!read || rd == nil) && (!write || wd == nil) {
			return nil // removing what is not registered
		}
		fd = d.Fileno()
		if fd < 0 {
			return fdescWentAway()
		}
	}
	newR, newW := curR, curW
	if read {
		newR = rd
	}
	if write {
		newW = wd
	}
	wantKR := newR != nil
	wantKW := newW != nil && (kw || !optimistic)
	if wantKR != kr || wantKW != kw {
		if err := r.poller.update(fd, kr, kw, wantKR, wantKW); err != nil {
			return err
		}
	}
	if e == nil {
		for fd >= len(r.fds) {
			r.fds = append(r.fds, make([]*fdEntry, len(r.fds)+64)...)
		}
		e = &fdEntry{desc: d, batch: r.batch}
		r.fds[fd] = e
		r.nfds++
	}
	e.reader, e.writer, e.kr, e.kw = newR, newW, wantKR, wantKW
	if newW != nil && !wantKW && !e.queued {
		e.queued = true
		r.writeQueue = append(r.writeQueue, queuedWrite{fd, e})
	}
	if newR == nil && newW == nil {
		r.fds[fd] = nil
		r.nfds--
	}
	return nil
}

// queuedWrite is a writer waiting for its optimistic DoWrite.
type queuedWrite struct {
	fd int
	e  *fdEntry
}

// runWriteQueue gives each queued writer its DoWrite; one that could not send everything is
// registered with the kernel for writability.
func (r *Reactor) runWriteQueue(q []queuedWrite) {
	for _, w := range q {
		e := w.e
		e.queued = false
		if r.fds[w.fd] != e || e.writer == nil || e.kw {
			continue
		}
		r.doReadOrWrite(e, w.fd, evOut)
		if r.fds[w.fd] == e && e.writer != nil && !e.kw && !e.queued {
			if err := r.poller.update(w.fd, e.kr, false, e.kr, true); err != nil {
				r.disconnectSelectable(e.desc, &ConnectionLost{Err: err}, false)
				continue
			}
			e.kw = true
		}
	}
}

// AddReader registers rd for readability (idempotent). It returns the poller's error, for
// example EPERM for a regular file, which epoll cannot watch.
func (r *Reactor) AddReader(rd ReadDescriptor) error {
	return r.setInterest(rd, rd, nil, true, false, false)
}

// AddWriter registers wd for writability (idempotent).
func (r *Reactor) AddWriter(wd WriteDescriptor) error {
	return r.setInterest(wd, nil, wd, false, true, false)
}

// RemoveReader unregisters rd for readability (idempotent).
func (r *Reactor) RemoveReader(rd ReadDescriptor) {
	if _, e := r.findEntry(rd); e != nil && e.reader != nil {
		r.setInterest(rd, nil, nil, true, false, false)
	}
}

// RemoveWriter unregisters wd for writability (idempotent).
func (r *Reactor) RemoveWriter(wd WriteDescriptor) {
	if _, e := r.findEntry(wd); e != nil && e.writer != nil {
		r.setInterest(wd, nil, nil, false, true, false)
	}
}

// removeDescriptor drops every registration of d.
func (r *Reactor) removeDescriptor(d FileDescriptor) {
	fd, e := r.findEntry(d)
	if e == nil {
		return
	}
	if err := r.poller.update(fd, e.kr, e.kw, false, false); err != nil && d.Fileno() >= 0 {
		// A closed descriptor left the poller by itself; anything else is worth a log.
		logFailure("Error unregistering descriptor", failure.New(err))
	}
	r.fds[fd] = nil
	r.nfds--
}

// RemoveAll unregisters every descriptor except the reactor's internal ones (the waker is
// not a descriptor here at all) and returns them. trial's janitor uses it.
func (r *Reactor) RemoveAll() []FileDescriptor {
	var out []FileDescriptor
	for fd, e := range r.fds {
		if e == nil || e.internal {
			continue
		}
		out = append(out, e.desc)
		if err := r.poller.update(fd, e.kr, e.kw, false, false); err != nil {
			logFailure("Error unregistering descriptor", failure.New(err))
		}
		r.fds[fd] = nil
		r.nfds--
	}
	return out
}

// GetReaders returns the descriptors registered for reading.
func (r *Reactor) GetReaders() []ReadDescriptor {
	var out []ReadDescriptor
	for _, e := range r.fds {
		if e != nil && !e.internal && e.reader != nil {
			out = append(out, e.reader)
		}
	}
	return out
}

// GetWriters returns the descriptors registered for writing.
func (r *Reactor) GetWriters() []WriteDescriptor {
	var out []WriteDescriptor
	for _, e := range r.fds {
		if e != nil && !e.internal && e.writer != nil {
			out = append(out, e.writer)
		}
	}
	return out
}

// fdescWentAway is posixbase's _NO_FILEDESC.
func fdescWentAway() error {
	return &ConnectionFdescWentAway{ConnectionLost{Msg: "File descriptor lost"}}
}

// doReadOrWrite ports _doReadOrWrite: a hang-up without readable data is a clean close if
// the descriptor was reading (ConnectionDone, from the read side) and a loss otherwise;
// else read first, then write if the read did not end the connection.
func (r *Reactor) doReadOrWrite(e *fdEntry, fd int, flags pollFlags) {
	desc := e.desc
	var why error
	inRead := false
	switch {
	case flags&evLost != 0:
		why = &ConnectionLost{}
	case flags&evHup != 0 && flags&evIn == 0:
		if e.reader != nil {
			inRead = true
			why = &ConnectionDone{}
		} else {
			why = &ConnectionLost{}
		}
	default:
		why, inRead = r.callDescriptor(e, fd, flags)
	}
	if why != nil {
		r.disconnectSelectable(desc, why, inRead)
	}
}

// callDescriptor calls DoRead and/or DoWrite; a panic is logged and becomes the reason.
func (r *Reactor) callDescriptor(e *fdEntry, fd int, flags pollFlags) (why error, inRead bool) {
	defer func() {
		if p := recover(); p != nil {
			f := failure.FromPanic(p, 0)
			logFailure("Unhandled Error", f)
			why = f
		}
	}()
	if e.desc.Fileno() == -1 {
		return fdescWentAway(), false
	}
	if flags&evIn != 0 && e.reader != nil {
		inRead = true
		why = e.reader.DoRead()
	}
	if why == nil && flags&evOut != 0 && r.fds[fd] == e && e.writer != nil {
		inRead = false
		why = e.writer.DoWrite()
	}
	if why == nil && e.desc.Fileno() != fd && r.fds[fd] == e {
		why, inRead = fdescWentAway(), false
	}
	return why, inRead
}

// disconnectSelectable ports _disconnectSelectable: a clean EOF on the read side of a
// half-closeable descriptor only closes the read side; anything else unregisters the
// descriptor and calls its ConnectionLost.
func (r *Reactor) disconnectSelectable(d FileDescriptor, why error, isRead bool) {
	if rd, ok := d.(ReadDescriptor); ok {
		r.RemoveReader(rd)
	}
	f, ok := why.(*failure.Failure)
	if !ok {
		f = failure.New(why)
	}
	if _, done := why.(*ConnectionDone); done && isRead {
		if hc, ok := d.(HalfCloseableDescriptor); ok {
			r.callSafely("readConnectionLost", func() { hc.ReadConnectionLost(f) })
			return
		}
	}
	if wd, ok := d.(WriteDescriptor); ok {
		r.RemoveWriter(wd)
	} else {
		r.removeDescriptor(d)
	}
	r.callSafely("connectionLost", func() { d.ConnectionLost(f) })
}
