package main

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) this process has used so far. CPU time
// per call is the figure that load from other programs on a shared machine disturbs least.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
