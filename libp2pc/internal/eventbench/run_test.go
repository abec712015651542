//go:build libp2pc_bench

package eventbench

import (
	"os"
	"testing"
)

// The in-process case end to end on a real node: every message published
// is received (or counted as dropped), in order, with its latency.
// `go test -tags libp2pc_bench ./libp2pc/internal/eventbench/`.
func TestRunGo(t *testing.T) {
	const count = 5000
	s, err := RunGo(Params{Count: count, Size: 64, Window: 256, QueueCap: 1024, RingSlots: 128})
	if err != nil {
		t.Fatal(err)
	}
	if s.Sent != count || s.Received+s.Dropped != count || s.SeqErrors != 0 && s.Dropped == 0 {
		t.Fatalf("stats %+v", s)
	}
	if s.EndNs <= s.StartNs || s.P50Ns == 0 || s.P50Ns > s.P99Ns || s.P99Ns > s.MaxNs {
		t.Fatalf("times %+v", s)
	}
	t.Logf("%d messages, %d dropped, p50 %d ns, p99 %d ns", s.Received, s.Dropped, s.P50Ns, s.P99Ns)
}

// The pipe case, with the reader of examples/bench when it is built
// (EVENTBENCH_PIPE_READER=build/bench/pipe_reader).
func TestRunPipe(t *testing.T) {
	reader := os.Getenv("EVENTBENCH_PIPE_READER")
	if reader == "" {
		t.Skip("set EVENTBENCH_PIPE_READER to examples/bench's pipe_reader (make bench-events-build builds it)")
	}
	const count = 2000
	s, err := RunPipe(reader, Params{Count: count, Size: 64, Window: 256, QueueCap: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if s.Sent != count || s.Received+s.Dropped != count || s.EndNs <= s.StartNs || s.P50Ns > s.P99Ns {
		t.Fatalf("stats %+v", s)
	}
}
