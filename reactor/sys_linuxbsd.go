//go:build linux || freebsd

package reactor

import "golang.org/x/sys/unix"

// newSocket creates a non-blocking, close-on-exec socket in one system call.
func newSocket(family, sotype int) (int, error) {
	return unix.Socket(family, sotype|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}

// accept accepts a connection as a non-blocking, close-on-exec socket.
func accept(fd int) (int, unix.Sockaddr, error) {
	return unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}
