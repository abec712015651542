package membership_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/membership"
)

// BenchmarkThroughput measures one sender streaming to one receiver (so the
// figures are per peer) over each transport, plus a raw TCP loopback
// reference using the same framing with plain net.Conn reads and writes.
//
// The sender keeps at most `window` messages outstanding (acquired before
// Send, released by the receiver's sink), below the queue bounds, so nothing
// is dropped and the figure is the sustained delivery rate, not the rate at
// which Send fills a queue.
//
//	go test -run '^$' -bench BenchmarkThroughput -benchtime 2s ./libp2pc/membership/
func BenchmarkThroughput(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		name := fmt.Sprintf("%dKiB", size>>10)
		b.Run("rawtcp/"+name, func(b *testing.B) { benchRawTCP(b, size) })
		for _, env := range envs {
			b.Run(env.name+"/"+name, func(b *testing.B) { benchModule(b, env, size) })
		}
	}
}

// report: MB/s comes from SetBytes, msgs/s from the measured elapsed time
// (the same interval, as the timer is stopped at the last delivery).
func report(b *testing.B, size int, elapsed time.Duration) {
	b.SetBytes(int64(size))
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

func benchModule(b *testing.B, env netEnv, size int) {
	cfg := membership.Config{MaxMessageSize: 1 << 20}
	window := 512
	if size > 4<<10 {
		window = 128 // 8 MiB outstanding, under the 16 MiB queue bound
	}
	sem := make(chan struct{}, window)
	var got atomic.Int64
	done := make(chan struct{})
	bcfg := cfg
	bcfg.Sink = func(e membership.Event) {
		<-sem
		if got.Add(1) == int64(b.N) {
			close(done)
		}
	}
	a := startNode(b, env.newIdent(b), cfg, nil)
	rx := startNode(b, env.newIdent(b), bcfg, nil)
	for _, n := range []*node{a, rx} {
		if err := n.mod.SetMembership(members(a, rx)); err != nil {
			b.Fatal(err)
		}
	}
	msg := make([]byte, size)
	// Warm up the connection outside the measurement.
	sem <- struct{}{}
	if b.N == 1 {
		close(done)
	}
	got.Store(-1)
	a.mod.Send(rx.id(), msg)
	eventually(b, "warm-up", func() bool { return got.Load() == 0 })

	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		sem <- struct{}{}
		if err := a.mod.Send(rx.id(), msg); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(waitLimit):
		b.Fatalf("received %d of %d (counters %+v)", got.Load(), b.N, a.mod.Counters())
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if c := a.mod.Counters(); c.Dropped != 0 {
		b.Fatalf("dropped %d messages", c.Dropped)
	}
	report(b, size, elapsed)
}

func benchRawTCP(b *testing.B, size int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		br := bufio.NewReaderSize(c, 64<<10)
		for i := 0; i < b.N; i++ {
			if _, err := membership.ReadFrame(br, 1<<20); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, size)
	bw := bufio.NewWriterSize(c, 64<<10)
	b.ResetTimer()
	start := time.Now()
	var hdr [membership.FrameHeaderLen]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(size))
	for i := 0; i < b.N; i++ {
		// The least work possible: no copy of the payload (Send copies it).
		bw.Write(hdr[:])
		if _, err := bw.Write(msg); err != nil {
			b.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := <-done; err != nil && err != io.EOF {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, size, elapsed)
}
