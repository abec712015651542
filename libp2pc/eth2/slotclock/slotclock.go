// Package slotclock maps wall-clock time to beacon-chain slots: when a
// slot starts, which slot a time falls in, how long until the next one.
// It is the one slot clock of the library; the node (eth2 gossip, chain
// status) and the block pipeline (gossip validation, waiting for a block's
// slot) all read time through it, so they cannot disagree on a slot.
package slotclock

import (
	"errors"
	"math"
	"time"
)

// ErrSlotDuration reports an unusable slot duration.
var ErrSlotDuration = errors.New("slotclock: slot duration must be positive")

// Clock is a genesis time and a slot duration. The zero Clock is not
// usable; build one with New.
type Clock struct {
	genesis time.Time
	slot    time.Duration
}

// New returns the clock of a chain whose slot 0 starts at genesis.
func New(genesis time.Time, slotDuration time.Duration) (Clock, error) {
	if slotDuration <= 0 {
		return Clock{}, ErrSlotDuration
	}
	return Clock{genesis: genesis, slot: slotDuration}, nil
}

// FromUnix is New for a genesis in unix seconds and whole-second slots, the
// units of the consensus config (GENESIS_TIME, SECONDS_PER_SLOT).
func FromUnix(genesisUnix, secondsPerSlot uint64) (Clock, error) {
	if secondsPerSlot == 0 || secondsPerSlot > uint64(math.MaxInt64/int64(time.Second)) {
		return Clock{}, ErrSlotDuration
	}
	return New(time.Unix(int64(min(genesisUnix, math.MaxInt64)), 0), time.Duration(secondsPerSlot)*time.Second)
}

// Genesis is the start of slot 0.
func (c Clock) Genesis() time.Time { return c.genesis }

// SlotDuration is the length of a slot.
func (c Clock) SlotDuration() time.Duration { return c.slot }

// SlotAt is the slot t falls in; 0 before genesis.
func (c Clock) SlotAt(t time.Time) uint64 {
	if !t.After(c.genesis) {
		return 0
	}
	return uint64(t.Sub(c.genesis) / c.slot)
}

// SlotStart is when slot starts. A slot too far ahead to be represented
// starts at the latest representable time (it is in the future either way).
func (c Clock) SlotStart(slot uint64) time.Time {
	if slot > uint64(math.MaxInt64/int64(c.slot)) {
		return c.genesis.Add(time.Duration(math.MaxInt64))
	}
	return c.genesis.Add(time.Duration(slot) * c.slot)
}

// UntilNextSlot is the time from t to the start of the next slot (to
// genesis when t is before it).
func (c Clock) UntilNextSlot(t time.Time) time.Duration {
	if t.Before(c.genesis) {
		return c.genesis.Sub(t)
	}
	return c.slot - t.Sub(c.genesis)%c.slot
}
