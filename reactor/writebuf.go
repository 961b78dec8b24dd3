package reactor

// writeBuffer holds a transport's unsent bytes as a list of blocks. Write copies the
// caller's bytes into the tail block and as many fresh blocks as it needs: Transport.Write
// promises the caller its slice back (Go callers reuse their buffers, unlike Python's
// immutable bytes, and an echo writes the reactor's own read buffer), so keeping a
// reference, as Twisted does, is not an option. DoWrite hands up to sendLimit bytes across
// up to maxIovecs blocks to one writev. Blocks come from and return to a per-reactor free
// list, so a busy connection writes without allocating, whatever the size of its writes
// (a large write is many blocks, never a buffer of its own: that was one allocation of the
// write's size per call).
type writeBuffer struct {
	chunks [][]byte // chunks[head][off:] is the unsent head; chunks[:head] are sent
	head   int
	off    int
	size   int // unsent bytes
}

const (
	blockSize     = 16 * 1024
	sendLimit     = 128 * 1024            // Twisted's SEND_LIMIT
	maxIovecs     = sendLimit / blockSize // 8: x/sys Writev keeps up to 8 iovecs on the stack
	maxFreeBlocks = 256                   // 4 MiB of idle blocks per reactor at most (more is garbage)
	bufferSize    = 64 * 1024             // producer high-water mark (Twisted's bufferSize, 2**2**2**2)
)

// blockPool is the reactor's free list of write blocks (loop goroutine only).
type blockPool struct{ free [][]byte }

func (p *blockPool) get() []byte {
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		return b
	}
	return make([]byte, 0, blockSize)
}

func (p *blockPool) put(b []byte) {
	if cap(b) == blockSize && len(p.free) < maxFreeBlocks {
		p.free = append(p.free, b[:0])
	}
}

func (w *writeBuffer) write(p *blockPool, data []byte) {
	w.size += len(data)
	if n := len(w.chunks); n > w.head {
		last := w.chunks[n-1]
		if cap(last) == blockSize {
			k := copy(last[len(last):cap(last)], data)
			w.chunks[n-1] = last[:len(last)+k]
			data = data[k:]
		}
	}
	for len(data) > 0 {
		b := p.get()
		k := copy(b[:cap(b)], data)
		w.chunks = append(w.chunks, b[:k])
		data = data[k:]
	}
}

// pending returns up to sendLimit unsent bytes as at most maxIovecs slices, in dst.
func (w *writeBuffer) pending(dst [][]byte) [][]byte {
	total := 0
	for i, c := range w.chunks[w.head:] {
		if i == 0 {
			c = c[w.off:]
		}
		if len(c) > sendLimit-total {
			c = c[:sendLimit-total]
		}
		dst = append(dst, c)
		total += len(c)
		if total >= sendLimit || len(dst) == maxIovecs {
			break
		}
	}
	return dst
}

// consume drops n sent bytes, recycling emptied blocks.
func (w *writeBuffer) consume(p *blockPool, n int) {
	w.size -= n
	for n > 0 {
		head := len(w.chunks[w.head]) - w.off
		if n < head {
			w.off += n
			return
		}
		n -= head
		p.put(w.chunks[w.head])
		w.chunks[w.head] = nil
		w.head++
		w.off = 0
	}
	if w.head == len(w.chunks) {
		w.chunks = w.chunks[:0]
		w.head = 0
	} else if w.head > 32 && 2*w.head > len(w.chunks) {
		// A buffer that never fully drains: slide the live chunks down.
		k := copy(w.chunks, w.chunks[w.head:])
		clear(w.chunks[k:])
		w.chunks = w.chunks[:k]
		w.head = 0
	}
}

// reset drops everything (abort, connection lost).
func (w *writeBuffer) reset(p *blockPool) {
	for i, c := range w.chunks[w.head:] {
		p.put(c)
		w.chunks[w.head+i] = nil
	}
	w.chunks = w.chunks[:0]
	w.head, w.off, w.size = 0, 0, 0
}
