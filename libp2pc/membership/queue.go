package membership

// ring is a FIFO of byte slices bounded both in count and in total bytes.
// Pushing into a full ring drops the oldest entries until the new one fits:
// the ring always keeps the most recently pushed messages. It is not
// synchronised; its owner locks around it.
type ring struct {
	items    [][]byte
	head, n  int
	bytes    int
	maxMsgs  int
	maxBytes int
}

func newRing(maxMsgs, maxBytes int) ring {
	return ring{maxMsgs: maxMsgs, maxBytes: maxBytes}
}

// push appends msg and returns how many old entries (and bytes) it dropped.
// msg must not be larger than maxBytes (callers check sizes beforehand).
func (r *ring) push(msg []byte) (dropped, droppedBytes int) {
	for r.n > 0 && (r.n >= r.maxMsgs || r.bytes+len(msg) > r.maxBytes) {
		old := r.popFront()
		dropped++
		droppedBytes += len(old)
	}
	if r.n == len(r.items) {
		r.grow()
	}
	r.items[(r.head+r.n)%len(r.items)] = msg
	r.n++
	r.bytes += len(msg)
	return dropped, droppedBytes
}

func (r *ring) grow() {
	size := 2 * len(r.items)
	if size < 8 {
		size = 8
	}
	if size > r.maxMsgs {
		size = r.maxMsgs
	}
	items := make([][]byte, size)
	for i := 0; i < r.n; i++ {
		items[i] = r.items[(r.head+i)%len(r.items)]
	}
	r.items, r.head = items, 0
}

func (r *ring) popFront() []byte {
	msg := r.items[r.head]
	r.items[r.head] = nil
	r.head = (r.head + 1) % len(r.items)
	r.n--
	r.bytes -= len(msg)
	return msg
}

// popBatch removes and returns up to maxBytes worth of messages from the front
// (always at least one if the ring is not empty), appended to dst.
func (r *ring) popBatch(dst [][]byte, maxBytes int) [][]byte {
	total := 0
	for r.n > 0 {
		next := len(r.items[r.head])
		if total > 0 && total+next > maxBytes {
			break
		}
		dst = append(dst, r.popFront())
		total += next
	}
	return dst
}

// drain removes everything and returns it in order.
func (r *ring) drain() [][]byte {
	out := make([][]byte, 0, r.n)
	for r.n > 0 {
		out = append(out, r.popFront())
	}
	r.items, r.head = nil, 0
	return out
}

func (r *ring) len() int { return r.n }
