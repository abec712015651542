package gossipcheck

import (
	"crypto/sha256"
	"sync"
)

// boundedCache is a map with first-in first-out eviction at capacity
// (evictions counted). Not safe for concurrent use: the Validator holds
// its mutex around it.
type boundedCache[K comparable, V any] struct {
	capacity int
	entries  map[K]V
	order    []K // insertion order, oldest first
	evicted  uint64
}

func newBoundedCache[K comparable, V any](capacity int) *boundedCache[K, V] {
	return &boundedCache[K, V]{capacity: capacity, entries: make(map[K]V, capacity)}
}

func (c *boundedCache[K, V]) get(k K) (V, bool) {
	v, ok := c.entries[k]
	return v, ok
}

func (c *boundedCache[K, V]) put(k K, v V) {
	if _, ok := c.entries[k]; ok {
		c.entries[k] = v
		return
	}
	for len(c.entries) >= c.capacity && len(c.order) > 0 {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
		c.evicted++
	}
	c.entries[k] = v
	c.order = append(c.order, k)
}

func (c *boundedCache[K, V]) len() int { return len(c.entries) }

// proofDigest condenses a Merkle branch into a cache key.
func proofDigest(branch [][32]byte) [32]byte {
	h := sha256.New()
	for _, n := range branch {
		h.Write(n[:])
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// flight runs one computation per key at a time: concurrent callers with
// the same key wait for the first one's result (the columns of a block
// arrive together; their shared header checks run once).
type flight[K comparable, V any] struct {
	calls map[K]*flightCall[V]
}

type flightCall[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// do returns the result of fn for key, computing it unless a computation
// for key is under way. mu guards the flight's map (the Validator's).
func (f *flight[K, V]) do(mu *sync.Mutex, key K, fn func() (V, error)) (V, error) {
	mu.Lock()
	if f.calls == nil {
		f.calls = map[K]*flightCall[V]{}
	}
	if c, ok := f.calls[key]; ok {
		mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	c := &flightCall[V]{done: make(chan struct{})}
	f.calls[key] = c
	mu.Unlock()
	c.val, c.err = fn()
	mu.Lock()
	delete(f.calls, key)
	mu.Unlock()
	close(c.done)
	return c.val, c.err
}
