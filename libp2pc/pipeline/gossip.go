package pipeline

import (
	"time"
)

// MaximumGossipClockDisparity is MAXIMUM_GOSSIP_CLOCK_DISPARITY (500 ms).
const MaximumGossipClockDisparity = 500 * time.Millisecond

// GossipResult is the gossipsub validation verdict.
type GossipResult int

const (
	Accept GossipResult = iota
	Reject
	Ignore
)

func (r GossipResult) String() string {
	return [...]string{"accept", "reject", "ignore"}[r]
}

// ValidateGossipBlock applies the beacon_block topic conditions of
// phase0 p2p-interface.md to a signed block's SSZ received at now, in
// the spec's order of cheap to expensive. It does not import the block:
// on Accept the caller also Submits it. A block whose parent is unknown is
// ignored (the caller may Submit it anyway, which downloads the parent).
func (p *Pipeline) ValidateGossipBlock(ssz []byte, now time.Time) (GossipResult, string) {
	b, err := p.tr.DecodeBlock(ssz)
	if err != nil {
		return Reject, "undecodable block: " + err.Error()
	}
	slot, parent := b.Slot(), b.ParentRoot()
	// [IGNORE] not from a future slot (with MAXIMUM_GOSSIP_CLOCK_DISPARITY).
	if p.clock.SlotStart(slot).After(now.Add(MaximumGossipClockDisparity)) {
		return Ignore, "block is from a future slot"
	}
	// [IGNORE] later than the latest finalized slot.
	_, fin, _ := p.fc.Checkpoints()
	finSlot := fin.Epoch * p.cfg.SlotsPerEpoch
	if slot <= finSlot {
		return Ignore, "block slot is not after the finalized slot"
	}
	// [IGNORE] first block with a valid signature for (proposer, slot).
	key := [2]uint64{b.ProposerIndex(), slot}
	p.mu.Lock()
	_, dup := p.seen[key]
	_, parentBad := p.invalid[parent]
	_, inFlight := p.entries[parent]
	p.mu.Unlock()
	if dup {
		return Ignore, "a block of this proposer at this slot was already seen"
	}
	// [REJECT] the parent passes validation.
	if parentBad {
		return Reject, "parent block is invalid"
	}
	// [IGNORE] the parent has been seen (and processed: its state is needed).
	parentSlot, known := p.fc.Slot(parent)
	if !known {
		if inFlight || p.st.HasBlock(parent) {
			return Ignore, "parent block not yet processed"
		}
		return Ignore, "parent block unknown"
	}
	// [REJECT] later than its parent.
	if slot <= parentSlot {
		return Reject, "block slot is not after its parent's"
	}
	// [REJECT] the finalized checkpoint is an ancestor.
	if a, _ := p.fc.Ancestor(parent, finSlot); a != fin.Root {
		return Reject, "block does not descend from the finalized checkpoint"
	}
	// [REJECT] expected proposer and valid proposer signature, on the
	// parent state advanced to the block's slot.
	pre, err := p.loadState(parent)
	if err != nil {
		return Ignore, "parent state unavailable: " + err.Error()
	}
	if err := p.tr.VerifyProposer(pre, b); err != nil {
		return Reject, RuleOf(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, dup := p.seen[key]; dup {
		return Ignore, "a block of this proposer at this slot was already seen"
	}
	if len(p.seen) >= 16384 { // forget the finalized-out entries
		for k := range p.seen {
			if k[1] <= finSlot {
				delete(p.seen, k)
			}
		}
	}
	p.seen[key] = struct{}{}
	return Accept, ""
}
