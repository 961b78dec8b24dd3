package trial_test

import (
	"syscall"
	"testing"
	"time"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/trial"
)

// benchTB is a fakeTB for benchmarks: the trial runs must pass.
func benchTB(b *testing.B) *fakeTB { return &fakeTB{name: "bench", tempDir: b.TempDir()} }

func checkPassed(b *testing.B, ft *fakeTB) {
	if ft.Failed() {
		b.Fatalf("the trial test failed:\n%s", ft.report())
	}
}

// processCPU is the CPU time the process has used (user and system, every thread): on a
// shared machine it says more than wall-clock time, and it counts the collector's workers.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The fixed cost of one trial.Run: a fresh reactor, the chain, the janitor, the forced
// collection after the test, the log capture.
func BenchmarkRunEmpty(b *testing.B) {
	ft := benchTB(b)
	cpu := processCPU()
	for b.Loop() {
		trial.Run(ft, func(tc *trial.T) *deferred.Deferred { return nil })
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	checkPassed(b, ft)
}

// One trial.Run whose Deferred fires from the reactor (the loop actually runs).
func BenchmarkRunCallLater(b *testing.B) {
	ft := benchTB(b)
	for b.Loop() {
		trial.Run(ft, func(tc *trial.T) *deferred.Deferred {
			d := deferred.New(nil)
			tc.Reactor().CallLater(0, func() { d.Callback(nil) })
			return d
		})
	}
	checkPassed(b, ft)
}

// The fixed cost of one trial.Sync.
func BenchmarkSyncEmpty(b *testing.B) {
	ft := benchTB(b)
	for b.Loop() {
		trial.Sync(ft, func(tc *trial.T) {})
	}
	checkPassed(b, ft)
}

// sink writes a reply of the same size for every request it has fully received.
type sink struct {
	reactor.BaseProtocol
	want, got int
	reply     []byte
}

func (s *sink) DataReceived(data []byte) {
	s.got += len(data)
	if s.got >= s.want && s.reply != nil {
		s.got = 0
		s.Transport.Write(s.reply)
	}
}

func benchmarkIOPump(b *testing.B, byteAtATime bool) {
	msg := make([]byte, 1024)
	server := &sink{want: len(msg), reply: msg}
	client := &sink{want: len(msg)}
	pump := trial.Connect(server, client, false)
	pump.ByteAtATime = byteAtATime
	b.SetBytes(int64(2 * len(msg)))
	for b.Loop() {
		client.Transport.Write(msg)
		pump.Flush()
	}
}

// A 1 KiB request and its 1 KiB answer through an IOPump, delivered whole (iosim).
func BenchmarkIOPumpChunks(b *testing.B) { benchmarkIOPump(b, false) }

// The same, one byte per DataReceived call (test_pb.py's IOPump).
func BenchmarkIOPumpByteAtATime(b *testing.B) { benchmarkIOPump(b, true) }
