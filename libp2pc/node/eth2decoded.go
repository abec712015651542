package node

import (
	"sync"
	"sync/atomic"

	pb "github.com/libp2p/go-libp2p-pubsub/pb"
)

// decodedCache hands the payload the message-id function decompressed to
// the message's validator, so that each gossip message is decompressed
// once. gossipsub computes the id first (on its own goroutine), then runs
// the validator with the same *pb.Message; a message whose id is computed
// but that is never validated (a duplicate) is forgotten when its slot in
// the ring is reused. Bounded in entries and in bytes; what does not fit is
// simply decompressed again by the validator.
type decodedCache struct {
	mu    sync.Mutex
	m     map[*pb.Message][]byte
	ring  [decodedCacheEntries]*pb.Message
	next  int
	bytes int
	hits  atomic.Uint64 // payloads handed to a validator (tests)
}

const (
	decodedCacheEntries = 1024
	decodedCacheBytes   = 32 << 20
)

func (c *decodedCache) put(k *pb.Message, v []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[*pb.Message][]byte, decodedCacheEntries)
	}
	if old := c.ring[c.next]; old != nil {
		if ov, ok := c.m[old]; ok {
			c.bytes -= len(ov)
			delete(c.m, old)
		}
	}
	c.ring[c.next] = nil
	if c.bytes+len(v) > decodedCacheBytes {
		return
	}
	if ov, ok := c.m[k]; ok { // the id computed twice for one message
		c.bytes -= len(ov)
	}
	c.ring[c.next] = k
	c.next = (c.next + 1) % decodedCacheEntries
	c.m[k] = v
	c.bytes += len(v)
}

// take returns and forgets the payload cached for k.
func (c *decodedCache) take(k *pb.Message) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	if ok {
		delete(c.m, k)
		c.bytes -= len(v)
		c.hits.Add(1)
	}
	return v, ok
}
