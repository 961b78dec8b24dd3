package reactor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// This file renders operating-system errors the way Python's str does, so that the
// reactor's messages read exactly like Twisted's; floats, str and bytes go through
// internal/pyrepr.

// strerror is C's strerror(errno), which Python's os.strerror returns: Go's errno texts are
// the C library's with the first letter lowered.
func strerror(e syscall.Errno) string {
	s := e.Error()
	if strings.HasPrefix(s, "errno ") { // not in Go's table
		return "Unknown error " + strconv.Itoa(int(e))
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// pyOSError renders an operating-system error as Python's str(OSError) does,
// "[Errno 98] Address already in use"; other errors as their Error().
func pyOSError(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		return fmt.Sprintf("[Errno %d] %s", int(e), strerror(e))
	}
	return errString(err)
}

// errnoArgs renders an operating-system error as the (errno, strerror) arguments Twisted
// builds its connect errors from, "111: Connection refused"; other errors as their Error().
func errnoArgs(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		return strconv.Itoa(int(e)) + ": " + strerror(e)
	}
	return errString(err)
}
