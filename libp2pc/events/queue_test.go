package events

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

func caps(g, c, e int) Capacities { return Capacities{Gossip: g, Control: c, Errors: e} }

func drainAll(q *Queue) []Event {
	out, _ := q.Drain(nil, 1<<20)
	return out
}

func TestGossipOverflowDropsOldestAndReportsOnce(t *testing.T) {
	q := NewQueue(caps(4, 4, 4))
	for i := 0; i < 10; i++ {
		q.PushGossip(Event{Type: Message, Data: []byte{byte(i)}})
	}
	got := drainAll(q)
	// 4 newest messages survive, plus exactly one Drops report.
	var msgs []byte
	var reports []Event
	for _, e := range got {
		switch e.Type {
		case Message:
			msgs = append(msgs, e.Data[0])
		case Drops:
			reports = append(reports, e)
		}
	}
	if fmt.Sprint(msgs) != fmt.Sprint([]byte{6, 7, 8, 9}) {
		t.Fatalf("kept %v, want the 4 newest", msgs)
	}
	if len(reports) != 1 || reports[0].DropCounts.Gossip != 6 {
		t.Fatalf("drop reports %+v, want one reporting 6 gossip drops", reports)
	}
	st := q.Stats()
	if st.Dropped.Gossip != 6 || st.GossipHighWater != 4 || st.Delivered != uint64(len(got)) {
		t.Fatalf("stats %+v", st)
	}
	// A later drop produces a new report with the cumulative count.
	for i := 0; i < 5; i++ {
		q.PushGossip(Event{Type: Message, Data: []byte{byte(i)}})
	}
	var second []Event
	for _, e := range drainAll(q) {
		if e.Type == Drops {
			second = append(second, e)
		}
	}
	if len(second) != 1 || second[0].DropCounts.Gossip != 7 {
		t.Fatalf("second reports %+v, want one with the cumulative count 7", second)
	}
}

func TestEventsLeaveInSequenceOrderAcrossClasses(t *testing.T) {
	q := NewQueue(caps(8, 8, 8))
	if !q.Reserve(3) {
		t.Fatal("reserve failed")
	}
	q.PushReserved(Event{Type: PeerConnected})
	q.PushGossip(Event{Type: Message})
	q.PushError(Event{Type: Error})
	q.PushReserved(Event{Type: RequestDone})
	q.PushGossip(Event{Type: Message})
	q.PushReserved(Event{Type: PeerDisconnected})
	got := drainAll(q)
	want := []Type{PeerConnected, Message, Error, RequestDone, Message, PeerDisconnected}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i, e := range got {
		if e.Type != want[i] || e.Seq != uint64(i+1) {
			t.Fatalf("event %d = %v seq %d, want %v seq %d", i, e.Type, e.Seq, want[i], i+1)
		}
	}
}

func TestControlAdmissionIsByReservation(t *testing.T) {
	q := NewQueue(caps(2, 3, 2))
	if !q.Reserve(2) || !q.Reserve(1) {
		t.Fatal("reservations within capacity must succeed")
	}
	if q.Reserve(1) {
		t.Fatal("reservation beyond capacity must fail")
	}
	q.PushReserved(Event{Type: RequestDone})
	if q.Reserve(1) {
		t.Fatal("a queued event still occupies its slot until drained")
	}
	drainAll(q)
	if !q.Reserve(1) {
		t.Fatal("a drained slot must be reusable")
	}
	q.Unreserve(1)
	// A flood of gossip never takes a reserved slot away.
	for i := 0; i < 100; i++ {
		q.PushGossip(Event{Type: Message})
	}
	q.PushReserved(Event{Type: PeerConnected})
	q.PushReserved(Event{Type: PeerDisconnected})
	var control int
	for _, e := range drainAll(q) {
		if e.Type == PeerConnected || e.Type == PeerDisconnected {
			control++
		}
	}
	if control != 2 {
		t.Fatalf("got %d reserved events, want 2", control)
	}
}

func TestPushReservedWithoutReservationPanics(t *testing.T) {
	q := NewQueue(caps(1, 1, 1))
	defer func() {
		if recover() == nil {
			t.Fatal("expected a panic")
		}
	}()
	q.PushReserved(Event{Type: RequestDone})
}

func TestErrorOverflowDropsNewest(t *testing.T) {
	q := NewQueue(caps(1, 1, 2))
	for i := 0; i < 5; i++ {
		q.PushError(Event{Type: Error, Text: fmt.Sprint(i)})
	}
	var texts []string
	var drops uint64
	for _, e := range drainAll(q) {
		if e.Type == Error {
			texts = append(texts, e.Text)
		}
		if e.Type == Drops {
			drops = e.DropCounts.Errors
		}
	}
	if fmt.Sprint(texts) != "[0 1]" || drops != 3 {
		t.Fatalf("errors %v drops %d", texts, drops)
	}
}

func TestCloseEndsTheStreamAfterRemainingEvents(t *testing.T) {
	q := NewQueue(caps(2, 2, 2))
	q.Reserve(1)
	q.PushReserved(Event{Type: Stopped})
	q.Close()
	q.PushGossip(Event{Type: Message}) // ignored after close
	out, done := q.WaitDrain(nil, 10)
	if len(out) != 1 || out[0].Type != Stopped || !done {
		t.Fatalf("got %v done=%v", out, done)
	}
	if q.Reserve(1) {
		t.Fatal("a closed queue takes no reservations")
	}
}

func TestReadinessHooksTrackEmptiness(t *testing.T) {
	q := NewQueue(caps(4, 4, 4))
	var ready, empty int
	q.SetReadinessHooks(func() { ready++ }, func() { empty++ })
	q.PushGossip(Event{Type: Message})
	q.PushGossip(Event{Type: Message}) // already non-empty: no second signal
	if ready != 1 {
		t.Fatalf("ready signalled %d times, want 1", ready)
	}
	q.Drain(nil, 1)
	if empty != 0 {
		t.Fatal("queue still holds an event: must not report empty")
	}
	q.Drain(nil, 1)
	if empty != 1 {
		t.Fatalf("empty signalled %d times, want 1", empty)
	}
	q.PushGossip(Event{Type: Message})
	if ready != 2 {
		t.Fatalf("ready signalled %d times, want 2", ready)
	}
}

func BenchmarkPushDrain(b *testing.B) {
	q := NewQueue(caps(1024, 16, 16))
	payload := make([]byte, 100)
	buf := make([]Event, 0, 256)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		q.PushGossip(Event{Type: Message, Data: payload})
		if i%256 == 255 {
			buf, _ = q.Drain(buf[:0], 256)
		}
	}
}

// The consumer sleeps in the kernel (threadWaker) on a locked OS thread, as
// the node's delivery thread does; every kind of push and Close must wake
// it, including pushes racing with it going to sleep (a lost wake-up would
// leave it asleep with events queued: the test would hang and time out).
func TestWaitDrainIsWokenByEveryPushAndByClose(t *testing.T) {
	const rounds = 20000
	q := NewQueue(caps(64, 64, 64))
	type result struct {
		got     int
		ordered bool
	}
	res := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var buf []Event
		got, last, ordered := 0, uint64(0), true
		for {
			var done bool
			buf, done = q.WaitDrain(buf[:0], 16)
			for _, e := range buf {
				if e.Seq <= last {
					ordered = false
				}
				last = e.Seq
				if e.Type != Drops {
					got++
				}
			}
			if done {
				res <- result{got, ordered}
				return
			}
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; i < rounds; i++ {
		switch i % 3 {
		case 0:
			for !q.Reserve(1) { // the consumer frees room as it drains
				if time.Now().After(deadline) {
					t.Fatalf("control class full for 60 s: the consumer is asleep with %d events queued", q.Stats().ControlLen)
				}
				runtime.Gosched()
			}
			q.PushReserved(Event{Type: RequestDone})
		case 1:
			q.PushGossip(Event{Type: Message}) // a drop (consumer descheduled) is counted below
		case 2:
			q.PushError(Event{Type: Error})
		}
		if i%64 == 0 {
			time.Sleep(10 * time.Microsecond) // let the consumer fall asleep now and then
		}
	}
	q.Close()
	select {
	case r := <-res:
		st := q.Stats()
		want := rounds - int(st.Dropped.Errors) - int(st.Dropped.Gossip)
		if r.got != want || !r.ordered {
			t.Fatalf("consumer got %d events (want %d), in order: %v; stats %+v", r.got, want, r.ordered, st)
		}
	case <-time.After(time.Until(deadline) + time.Second):
		t.Fatalf("consumer never finished: a wake-up was lost (stats %+v)", q.Stats())
	}
}
