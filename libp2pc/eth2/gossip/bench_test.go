package gossip

import (
	"math/rand"
	"testing"
)

// blockLikePayload is 128 KiB of SSZ-like data: half random bytes (roots,
// signatures: incompressible) and half zero runs (padding, small integers),
// so snappy does real work in both directions.
func blockLikePayload() []byte {
	const size = 128 << 10
	rng := rand.New(rand.NewSource(1))
	b := make([]byte, size)
	for off := 0; off < size; off += 256 {
		rng.Read(b[off : off+128])
	}
	return b
}

// BenchmarkMessageIDAndDecode is what a node does for each received block:
// compute the Altair message-id (which decompresses) and decode the payload
// for validation. Throughput is of uncompressed bytes.
func BenchmarkMessageIDAndDecode(b *testing.B) {
	ssz := blockLikePayload()
	data := EncodePayload(ssz)
	topic := "/eth2/b5303f2a/beacon_block/ssz_snappy"
	b.SetBytes(int64(len(ssz)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = MessageIDAltair(topic, data)
		if _, err := DecodePayload(data, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessageID alone (one decompression plus one SHA-256).
func BenchmarkMessageID(b *testing.B) {
	ssz := blockLikePayload()
	data := EncodePayload(ssz)
	topic := "/eth2/b5303f2a/beacon_block/ssz_snappy"
	b.SetBytes(int64(len(ssz)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = MessageIDAltair(topic, data)
	}
}
