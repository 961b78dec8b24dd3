package reactor

// pollFlags is the poller-independent readiness of one descriptor.
type pollFlags uint8

const (
	evIn   pollFlags = 1 << iota // readable
	evOut                        // writable
	evHup                        // hang-up or error (epoll EPOLLHUP/EPOLLERR)
	evLost                       // end of file with an error (kqueue EV_EOF + fflags)
)
