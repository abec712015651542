package node

import (
	"bytes"
	"testing"

	pb "github.com/libp2p/go-libp2p-pubsub/pb"
)

// TestDecodedCacheBounds: a payload is handed over once; the ring forgets
// entries never taken (duplicates) and the byte bound refuses what does
// not fit, so the cache never holds more than its bounds.
func TestDecodedCacheBounds(t *testing.T) {
	var c decodedCache
	k := &pb.Message{}
	c.put(k, []byte{1, 2, 3})
	if v, ok := c.take(k); !ok || !bytes.Equal(v, []byte{1, 2, 3}) {
		t.Fatalf("take: %v %v", v, ok)
	}
	if _, ok := c.take(k); ok {
		t.Fatal("taken twice")
	}
	// More puts than entries, never taken: the oldest are forgotten.
	keys := make([]*pb.Message, decodedCacheEntries+10)
	for i := range keys {
		keys[i] = &pb.Message{}
		c.put(keys[i], make([]byte, 100))
	}
	if len(c.m) != decodedCacheEntries || c.bytes != 100*decodedCacheEntries {
		t.Fatalf("%d entries, %d bytes", len(c.m), c.bytes)
	}
	if _, ok := c.take(keys[0]); ok {
		t.Fatal("the oldest entry survived the ring")
	}
	if _, ok := c.take(keys[len(keys)-1]); !ok {
		t.Fatal("the newest entry is missing")
	}
	// A payload over the byte bound is not kept.
	big := &pb.Message{}
	c.put(big, make([]byte, decodedCacheBytes))
	if _, ok := c.take(big); ok {
		t.Fatal("an entry over the byte bound was kept")
	}
	if c.bytes > decodedCacheBytes {
		t.Fatalf("%d bytes held", c.bytes)
	}
}
