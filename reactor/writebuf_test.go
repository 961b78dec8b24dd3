package reactor

import (
	"bytes"
	"testing"
)

// drain empties w the way DoWrite does, sending at most step bytes per "syscall", and
// returns what was sent.
func drain(p *blockPool, w *writeBuffer, step int) []byte {
	var out []byte
	for w.size > 0 {
		bufs := w.pending(nil)
		n := 0
		for _, c := range bufs {
			if n+len(c) > step {
				c = c[:step-n]
			}
			out = append(out, c...)
			n += len(c)
			if n == step {
				break
			}
		}
		w.consume(p, n)
	}
	return out
}

// TestWriteBufferKeepsBytesAndOrder writes small and large pieces (some larger than
// sendLimit), reusing the caller's slice after each write as Go callers do, and checks that
// partial sends deliver every byte once and in order.
func TestWriteBufferKeepsBytesAndOrder(t *testing.T) {
	var p blockPool
	var w writeBuffer
	var want []byte
	scratch := make([]byte, 3*sendLimit)
	for i, size := range []int{1, 100, blockSize - 1, blockSize, 64 * 1024, 3, sendLimit + 7, 5, 3 * sendLimit} {
		for j := range scratch[:size] {
			scratch[j] = byte(i*31 + j)
		}
		w.write(&p, scratch[:size])
		want = append(want, scratch[:size]...)
		clear(scratch) // the caller reuses its slice: the buffer must hold its own copy
	}
	if w.size != len(want) {
		t.Fatalf("size = %d, want %d", w.size, len(want))
	}
	for _, step := range []int{len(want), sendLimit, blockSize + 3, 1000} {
		got := drain(&p, &w, step)
		if !bytes.Equal(got, want) {
			t.Fatalf("step %d: sent bytes differ from written ones (%d vs %d bytes)", step, len(got), len(want))
		}
		if len(w.chunks) != 0 || w.head != 0 || w.off != 0 {
			t.Fatalf("step %d: drained buffer not reset: %d chunks, head %d, off %d", step, len(w.chunks), w.head, w.off)
		}
		w.write(&p, want) // again, for the next step
	}
	w.reset(&p)
	if w.size != 0 || len(w.chunks) != 0 {
		t.Fatalf("reset left %d bytes in %d chunks", w.size, len(w.chunks))
	}
}

// TestWriteBufferLargeWriteDoesNotAllocate: once the reactor's free list holds enough
// blocks, a 64 KiB write (pbbench's large echo) and its sending allocate nothing. Large
// writes used to get a fresh buffer of their size on every call.
func TestWriteBufferLargeWriteDoesNotAllocate(t *testing.T) {
	var p blockPool
	var w writeBuffer
	data := make([]byte, 64*1024+100)
	iov := make([][]byte, 0, maxIovecs)
	cycle := func() {
		w.write(&p, data)
		w.write(&p, data[:10])
		for w.size > 0 {
			n := 0
			for _, c := range w.pending(iov[:0]) {
				n += len(c)
			}
			w.consume(&p, n)
		}
	}
	cycle() // fill the free list and the chunk list's capacity
	if a := testing.AllocsPerRun(100, cycle); a != 0 {
		t.Fatalf("a large write allocates %v times, want 0", a)
	}
}

// TestWriteBufferPendingLimits: one writev gets at most sendLimit bytes in at most
// maxIovecs slices (x/sys's Writev allocates beyond 8), so a partly sent head block
// shortens that send by the part already sent.
func TestWriteBufferPendingLimits(t *testing.T) {
	var p blockPool
	var w writeBuffer
	w.write(&p, make([]byte, 3*sendLimit))
	for _, sent := range []int{0, 5} {
		w.consume(&p, sent)
		bufs := w.pending(nil)
		n := 0
		for _, c := range bufs {
			n += len(c)
		}
		if n != sendLimit-sent || len(bufs) != maxIovecs || maxIovecs > 8 {
			t.Fatalf("after %d sent, pending gave %d bytes in %d slices, want %d in %d (at most 8)",
				sent, n, len(bufs), sendLimit-sent, maxIovecs)
		}
	}
}
