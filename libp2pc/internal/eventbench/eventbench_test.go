package eventbench

import (
	"encoding/binary"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

func payload(seq, stamp uint64, size int) []byte {
	b := make([]byte, size)
	binary.LittleEndian.PutUint64(b[0:], stamp)
	binary.LittleEndian.PutUint64(b[8:], seq)
	return b
}

func TestParamsCheck(t *testing.T) {
	for _, p := range []Params{{Count: 0, Size: 64}, {Count: 1, Size: MinPayload - 1}} {
		if err := p.Check(); !errors.Is(err, ErrParams) || status.CodeOf(err) != status.InvalidArgument {
			t.Errorf("%+v: %v, want INVALID_ARGUMENT (ErrParams)", p, err)
		}
	}
	if err := (Params{Count: 1, Size: MinPayload}).Check(); err != nil {
		t.Fatal(err)
	}
}

// The clock is CLOCK_MONOTONIC: it moves forward with Go's monotonic time.
func TestMonoNowAdvances(t *testing.T) {
	a := MonoNow()
	time.Sleep(20 * time.Millisecond)
	b := MonoNow()
	if d := time.Duration(b - a); d < 20*time.Millisecond || d > 5*time.Second {
		t.Fatalf("MonoNow advanced %v over a 20 ms sleep", d)
	}
}

// Latencies: latency = receive time - stamp, percentiles over the sorted
// samples, a sequence gap counted once, bytes summed.
func TestLatencies(t *testing.T) {
	l := NewLatencies(100)
	defer l.Free()
	seqs := []uint64{0, 1, 2, 5, 6} // a gap after 2
	for i, seq := range seqs {
		l.Take(payload(seq, 1000, 32), 1000+uint64(10*(len(seqs)-i))) // latencies 50, 40, 30, 20, 10
	}
	var s Stats
	l.Fill(&s)
	want := Stats{Received: 5, SeqErrors: 1, Bytes: 5 * 32, P50Ns: 30, P99Ns: 40, MaxNs: 50}
	if s != want {
		t.Fatalf("stats %+v, want %+v", s, want)
	}
	// Never more samples than the room made, never a reallocation.
	small := NewLatencies(2)
	defer small.Free()
	for seq := uint64(0); seq < 5; seq++ {
		small.Take(payload(seq, 0, 16), 1)
	}
	if small.Len() != 2 {
		t.Fatalf("%d samples kept, room for 2", small.Len())
	}
}

// The ring hands every payload to the consumer, in order, though it is
// far smaller than the run (so both sides wait on each other).
func TestRingDeliversInOrder(t *testing.T) {
	const count, size = 20000, 24
	r := NewRing(8, size)
	l := NewLatencies(count)
	defer l.Free()
	var dropped atomic.Uint64
	done := make(chan uint64)
	go func() { done <- r.Consume(count, &dropped, l) }()
	for seq := uint64(0); seq < count; seq++ {
		r.Push(payload(seq, MonoNow(), size))
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the consumer did not finish")
	}
	var s Stats
	l.Fill(&s)
	if s.Received != count || s.SeqErrors != 0 || s.Bytes != count*size {
		t.Fatalf("stats %+v", s)
	}
}

// Drops reported to the consumer count towards the run's end: Kick makes a
// waiting consumer see them.
func TestRingEndsOnDrops(t *testing.T) {
	r := NewRing(4, 16)
	l := NewLatencies(10)
	defer l.Free()
	var dropped atomic.Uint64
	done := make(chan struct{})
	go func() { r.Consume(10, &dropped, l); close(done) }()
	for seq := uint64(0); seq < 6; seq++ {
		r.Push(payload(seq, MonoNow(), 16))
	}
	dropped.Store(4)
	r.Kick()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("6 received + 4 dropped did not end a run of 10")
	}
}

// The frame layout pipe_reader.c parses.
func TestAppendFrame(t *testing.T) {
	e := &events.Event{Type: events.Message, Seq: 7, Topic: "t", PeerID: "pp", MsgID: []byte{1, 2, 3},
		Data: []byte("data"), DropCounts: events.DropCounts{Gossip: 9}}
	got := AppendFrame([]byte{0xAA}, e)
	want := []byte{0xAA,
		0, 0, 0, 1 + 8 + 3 + 4 + 5 + 8 + 8, // length of the rest
		byte(events.Message),
		0, 0, 0, 0, 0, 0, 0, 7,
		0, 1, 't',
		0, 2, 'p', 'p',
		0, 3, 1, 2, 3,
		0, 0, 0, 4, 'd', 'a', 't', 'a',
		0, 0, 0, 0, 0, 0, 0, 9}
	if string(got) != string(want) {
		t.Fatalf("frame\n%v\nwant\n%v", got, want)
	}
}
