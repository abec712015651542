package membership

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
)

func TestRingDropsOldest(t *testing.T) {
	r := newRing(3, 100)
	var dropped int
	for i := range 10 {
		d, _ := r.push([]byte{byte(i)})
		dropped += d
		if r.len() > 3 {
			t.Fatalf("ring holds %d > 3", r.len())
		}
	}
	if dropped != 7 {
		t.Errorf("dropped %d, want 7", dropped)
	}
	if got := r.drain(); !slices.EqualFunc(got, [][]byte{{7}, {8}, {9}}, bytes.Equal) {
		t.Errorf("kept %v, want the 3 most recent", got)
	}
}

func TestRingByteBound(t *testing.T) {
	r := newRing(100, 10)
	r.push(make([]byte, 4))
	r.push(make([]byte, 4))
	d, db := r.push(make([]byte, 6)) // 14 > 10: drops the oldest only
	if d != 1 || db != 4 || r.len() != 2 || r.bytes != 10 {
		t.Errorf("dropped %d (%d bytes), len %d, bytes %d", d, db, r.len(), r.bytes)
	}
	d, _ = r.push(make([]byte, 10))
	if d != 2 || r.len() != 1 || r.bytes != 10 {
		t.Errorf("exact fit: dropped %d, bytes %d", d, r.bytes)
	}
}

func TestRingBatchAndWrap(t *testing.T) {
	r := newRing(8, 1<<20)
	next := 0
	for round := range 50 {
		for range round%5 + 1 {
			r.push([]byte{byte(next)})
			next++
		}
		batch := r.popBatch(nil, 3)
		if len(batch) == 0 || len(batch) > 3 {
			t.Fatalf("batch of %d", len(batch))
		}
	}
	// Whatever is left is consecutive.
	left := r.drain()
	for i := 1; i < len(left); i++ {
		if left[i][0] != left[i-1][0]+1 {
			t.Fatalf("not FIFO: %v", left)
		}
	}
	// A message larger than the batch limit is still returned alone.
	r.push(make([]byte, 10))
	if b := r.popBatch(nil, 3); len(b) != 1 {
		t.Errorf("oversized batch head: got %d", len(b))
	}
}

func TestFrameRoundTripAndLimits(t *testing.T) {
	var buf bytes.Buffer
	buf.Write(EncodeFrame([]byte("hello")))
	buf.Write(EncodeFrame(nil))
	buf.Write(EncodeFrame(make([]byte, 11)))
	p, err := ReadFrame(&buf, 10)
	if err != nil || string(p) != "hello" {
		t.Fatalf("got %q, %v", p, err)
	}
	if p, err = ReadFrame(&buf, 10); err != nil || len(p) != 0 {
		t.Fatalf("empty frame: %q, %v", p, err)
	}
	if _, err = ReadFrame(&buf, 10); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
	if _, err = ReadFrame(bytes.NewReader(nil), 10); err != io.EOF {
		t.Fatalf("clean end: %v", err)
	}
	if _, err = ReadFrame(bytes.NewReader(EncodeFrame([]byte("abc"))[:5]), 10); err != io.ErrUnexpectedEOF {
		t.Fatalf("truncated payload: %v", err)
	}
	if _, err = ReadFrame(bytes.NewReader([]byte{0, 0}), 10); err != io.ErrUnexpectedEOF {
		t.Fatalf("truncated header: %v", err)
	}
	// A huge announced length is rejected before any allocation.
	if _, err = ReadFrame(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff}), MaxFrameLimit); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("4 GiB frame: %v", err)
	}
}

type nopTransport struct{ Transport }

func TestConfigValidation(t *testing.T) {
	sink := func(Event) {}
	tr := nopTransport{}
	for name, c := range map[string]Config{
		"nil transport":         {Sink: sink},
		"nil sink":              {Transport: tr},
		"negative queue":        {Transport: tr, Sink: sink, QueueMaxMsgs: -1},
		"frame over limit":      {Transport: tr, Sink: sink, MaxMessageSize: MaxFrameLimit + 1},
		"queue below a frame":   {Transport: tr, Sink: sink, MaxMessageSize: 1000, QueueMaxBytes: 1000},
		"tentative below frame": {Transport: tr, Sink: sink, MaxMessageSize: 1000, TentativeBufferBytes: 1003},
		"backoff inverted":      {Transport: tr, Sink: sink, BackoffMin: 2, BackoffMax: 1},
	} {
		if err := c.normalize(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	c := Config{Transport: tr, Sink: sink}
	if err := c.normalize(); err != nil {
		t.Fatal(err)
	}
	if c.MaxMessageSize != 1<<20 || c.QueueMaxMsgs != 1024 || c.MaxTentative != 16 || c.TentativeBufferMsgs != 64 || c.WriteTimeout <= 0 {
		t.Errorf("defaults: %+v", c)
	}
}
