package slotclock

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestSlots(t *testing.T) {
	genesis := time.Unix(1_700_000_000, 0)
	c, err := New(genesis, 6*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		at        time.Duration // after genesis
		slot      uint64
		untilNext time.Duration
	}{
		{-time.Hour, 0, time.Hour},
		{0, 0, 6 * time.Second},
		{5999 * time.Millisecond, 0, time.Millisecond},
		{6 * time.Second, 1, 6 * time.Second},
		{61 * time.Second, 10, 5 * time.Second},
	} {
		at := genesis.Add(x.at)
		if got := c.SlotAt(at); got != x.slot {
			t.Errorf("SlotAt(genesis%+v) = %d, want %d", x.at, got, x.slot)
		}
		if got := c.UntilNextSlot(at); got != x.untilNext {
			t.Errorf("UntilNextSlot(genesis%+v) = %v, want %v", x.at, got, x.untilNext)
		}
	}
	if got := c.SlotStart(10); !got.Equal(genesis.Add(60 * time.Second)) {
		t.Errorf("SlotStart(10) = %v", got)
	}
	// A slot number from the wire may be anything: its start saturates.
	if got := c.SlotStart(math.MaxUint64); !got.After(genesis.Add(100 * 365 * 24 * time.Hour)) {
		t.Errorf("SlotStart(max) = %v, want far in the future", got)
	}
	if c.SlotAt(c.SlotStart(123_456)) != 123_456 {
		t.Error("SlotAt(SlotStart(s)) != s")
	}
}

func TestFromUnixMatchesNew(t *testing.T) {
	a, err := FromUnix(1_600_000_000, 12)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(time.Unix(1_600_000_000, 0), 12*time.Second)
	if a != b {
		t.Fatalf("%+v != %+v", a, b)
	}
}

func TestBadDuration(t *testing.T) {
	if _, err := New(time.Now(), 0); !errors.Is(err, ErrSlotDuration) {
		t.Errorf("zero: %v", err)
	}
	if _, err := New(time.Now(), -time.Second); !errors.Is(err, ErrSlotDuration) {
		t.Errorf("negative: %v", err)
	}
	if _, err := FromUnix(0, 0); !errors.Is(err, ErrSlotDuration) {
		t.Errorf("zero seconds: %v", err)
	}
	if _, err := FromUnix(0, math.MaxUint64); !errors.Is(err, ErrSlotDuration) {
		t.Errorf("overflowing seconds: %v", err)
	}
}
