package peermgr

// Status is the content of a Status request/response (v1; v2 adds
// EarliestAvailableSlot, which the decision does not use).
type Status struct {
	ForkDigest            [4]byte
	FinalizedRoot         [32]byte
	FinalizedEpoch        uint64
	HeadRoot              [32]byte
	HeadSlot              uint64
	EarliestAvailableSlot uint64
}

// LocalView is what the decision needs to know about the local chain.
type LocalView struct {
	// Status is the node's own Status (its fork digest at the wall-clock
	// epoch and its finalized checkpoint).
	Status Status
	// CurrentSlot is the wall-clock slot; SlotsPerEpoch converts it.
	CurrentSlot   uint64
	SlotsPerEpoch uint64
	// RootAtEpoch returns the root of the canonical block at the start slot
	// of a finalized epoch (the checkpoint root at that epoch), ok false
	// when the node cannot tell (e.g. pruned or not synced that far). Nil
	// skips the historical check.
	RootAtEpoch func(epoch uint64) (root [32]byte, ok bool)
}

// StatusPolicy tunes CheckStatus.
type StatusPolicy struct {
	// ClockDisparitySlots is how far (in slots) a peer's head may be ahead
	// of the wall clock before the peer is taken to be on another chain or
	// genesis time (default 1 when zero; negative disables the check).
	ClockDisparitySlots int64
	// MaxFinalizedLag, when > 0, disconnects peers whose finalized epoch is
	// more than this many epochs behind ours. 0 (default) keeps them: a
	// peer behind us can still sync from us.
	MaxFinalizedLag uint64
}

// Verdict is the outcome of CheckStatus.
type Verdict uint8

const (
	Keep       Verdict = iota // the peer is on our chain
	Disconnect                // disconnect with Decision.Reason
	Ban                       // disconnect and ban: the peer is on another network or chain
)

func (v Verdict) String() string {
	return [...]string{"keep", "disconnect", "ban"}[v]
}

// Decision is the outcome of checking a peer's Status.
type Decision struct {
	Verdict Verdict
	Reason  GoodbyeReason // for Disconnect and Ban
	Why     string        // human-readable cause
}

// CheckStatus applies the phase0 p2p-interface.md Status rules:
//
//  1. a different fork digest: the peer is on another fork → Ban (2).
//  2. the peer's finalized checkpoint is not in our chain at that epoch
//     (equal epochs with different roots, or our root at the peer's
//     finalized epoch differs) → Ban (2). The genesis checkpoint (epoch 0)
//     is always consistent.
//
// and, as clients do, two sanity checks:
//
//  3. the peer's head slot is beyond the wall clock (plus
//     ClockDisparitySlots), or its finalized epoch is beyond the current
//     epoch → Ban (2): it runs another genesis or a broken clock.
//  4. optional: finalized more than MaxFinalizedLag epochs behind ours →
//     Disconnect (2), no ban.
func CheckStatus(local LocalView, remote Status, pol StatusPolicy) Decision {
	ls := local.Status
	if remote.ForkDigest != ls.ForkDigest {
		return Decision{Ban, IrrelevantNetwork, "fork digest differs"}
	}
	if pol.ClockDisparitySlots >= 0 {
		tol := uint64(pol.ClockDisparitySlots)
		if tol == 0 {
			tol = 1
		}
		if remote.HeadSlot > local.CurrentSlot+tol {
			return Decision{Ban, IrrelevantNetwork, "head slot ahead of the wall clock"}
		}
		if local.SlotsPerEpoch > 0 && remote.FinalizedEpoch > local.CurrentSlot/local.SlotsPerEpoch {
			return Decision{Ban, IrrelevantNetwork, "finalized epoch ahead of the wall clock"}
		}
	}
	if remote.FinalizedEpoch > 0 && remote.FinalizedEpoch <= ls.FinalizedEpoch {
		if remote.FinalizedEpoch == ls.FinalizedEpoch {
			if remote.FinalizedRoot != ls.FinalizedRoot {
				return Decision{Ban, IrrelevantNetwork, "finalized root differs at our finalized epoch"}
			}
		} else if local.RootAtEpoch != nil {
			if root, ok := local.RootAtEpoch(remote.FinalizedEpoch); ok && root != remote.FinalizedRoot {
				return Decision{Ban, IrrelevantNetwork, "finalized checkpoint not in our chain"}
			}
		}
	}
	if pol.MaxFinalizedLag > 0 && ls.FinalizedEpoch > remote.FinalizedEpoch+pol.MaxFinalizedLag {
		return Decision{Disconnect, IrrelevantNetwork, "finalized checkpoint too far behind"}
	}
	return Decision{Verdict: Keep}
}
