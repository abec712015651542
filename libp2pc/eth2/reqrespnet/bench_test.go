package reqrespnet

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
)

// BenchmarkBlocksByRange measures blocks_by_range/2 throughput on loopback
// TCP: one request of 64 blocks of 128 KiB (random-ish, so snappy has work)
// per iteration, served by a Go Responder; reports blocks/s and MB/s.
func BenchmarkBlocksByRange(b *testing.B) {
	const count, size = 64, 128 << 10
	blk := make([]byte, size)
	x := uint32(1)
	for i := range blk {
		x = x*1664525 + 1013904223
		blk[i] = byte(x >> 24)
	}
	ha, hb := newHostB(b), newHostB(b)
	ka := newRecSink()
	ka.doneCh = make(chan uint64, 1)
	sa := New(ha, Config{}, discardSink{ka})
	off := RateLimits{}
	sb := New(hb, Config{RateLimits: &off}, ka)
	defer func() { sa.Close(); sb.Close(); ha.Close(); hb.Close() }()
	sb.Serve(reqresp.BeaconBlocksByRangeV2, ServeByGo, responderFunc(func(ctx context.Context, req *IncomingRequest, w ResponseWriter) error {
		var d [4]byte
		for i := 0; i < count; i++ {
			if err := w.WriteChunk(&d, blk); err != nil {
				return err
			}
		}
		return nil
	}))
	if err := ha.Connect(context.Background(), peer.AddrInfo{ID: hb.ID(), Addrs: hb.Addrs()}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(count * size)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := sa.Request(context.Background(), uint64(i+1), hb.ID(), reqresp.BeaconBlocksByRangeV2, byRange(0, count), 0); err != nil {
			b.Fatal(err)
		}
		<-ka.doneCh
	}
	b.ReportMetric(float64(b.N*count)/time.Since(start).Seconds(), "blocks/s")
}

// discardSink counts chunks without keeping them.
type discardSink struct{ *recSink }

func (discardSink) Chunk(context.Context, uint64, reqresp.Protocol, reqresp.Chunk) error { return nil }
func (d discardSink) Done(id uint64, err error, n int) {
	if err != nil || n != 64 {
		panic(err)
	}
	d.doneCh <- id
}
