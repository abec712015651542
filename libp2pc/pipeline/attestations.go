package pipeline

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/forkchoice"
)

// Gossip attestations feed fork choice: beacon_aggregate_and_proof and
// beacon_attestation_{subnet_id} are validated by the p2p-interface rules
// (phase0, with the deneb EIP-7045 window and the electra formats) and the
// votes of every accepted one go to on_attestation.

const (
	// AttestationPropagationSlotRange is ATTESTATION_PROPAGATION_SLOT_RANGE.
	AttestationPropagationSlotRange = 32
	// TargetAggregatorsPerCommittee is TARGET_AGGREGATORS_PER_COMMITTEE.
	TargetAggregatorsPerCommittee = 16
	// AttestationSubnetCount is ATTESTATION_SUBNET_COUNT.
	AttestationSubnetCount = 64

	// Bounds of the validator's memory (every map is pruned by epoch and
	// capped; what a cap refuses is counted and answered IGNORE).
	maxCheckpointStates = 4
	maxSeenPerEpoch     = 1 << 20
	maxDeferredVotes    = 16384
)

// Generic is what an attestation validator needs of a Transitioner: the
// fork-generic state behind a State (AnyFork has it).
type Generic interface {
	Generic(s State) *state.BeaconState
}

// AttestationCounters count the outcomes of gossip attestations.
type AttestationCounters struct {
	Accepted, Rejected, Ignored uint64
	VotesApplied                uint64 // accepted attestations whose votes reached fork choice
	VotesDeferred               uint64 // current-slot attestations held for the next slot
	VotesDropped                uint64 // deferred votes dropped: queue full, or fork choice refused them later
	SeenCapHits                 uint64 // messages IGNOREd because a seen-set was full
}

// AttestationValidator validates gossip attestations and aggregates against
// a Pipeline's fork choice and states. Safe for concurrent use (gossipsub
// runs one validation goroutine per message).
type AttestationValidator struct {
	p   *Pipeline
	gen Generic
	cfg *config.Config

	mu          sync.Mutex
	states      map[forkchoice.Checkpoint]*checkpointState
	stateOrder  []forkchoice.Checkpoint
	aggregates  map[uint64]map[[32]byte][][]byte // target epoch -> data root -> aggregation bits seen
	aggregators map[uint64]map[uint64]struct{}   // target epoch -> aggregator indices seen
	attesters   map[uint64]map[uint64]struct{}   // target epoch -> attester indices seen (subnets)
	deferred    []deferredVote

	accepted, rejected, ignored          atomic.Uint64
	applied, deferredN, dropped, capHits atomic.Uint64
}

type checkpointState struct {
	once sync.Once
	s    *state.BeaconState
	err  error
}

type deferredVote struct {
	a       forkchoice.Attestation
	indices []uint64
}

// NewAttestationValidator returns a validator over p. The Pipeline's
// Transitioner must implement Generic (AnyFork does); cfg is the chain's
// consensus config (fork schedule, domains).
func NewAttestationValidator(p *Pipeline, cfg *config.Config) (*AttestationValidator, error) {
	g, ok := p.tr.(Generic)
	if !ok {
		return nil, fmt.Errorf("attestations: the pipeline's transitioner (%T) has no generic state", p.tr)
	}
	return &AttestationValidator{
		p: p, gen: g, cfg: cfg,
		states:      map[forkchoice.Checkpoint]*checkpointState{},
		aggregates:  map[uint64]map[[32]byte][][]byte{},
		aggregators: map[uint64]map[uint64]struct{}{},
		attesters:   map[uint64]map[uint64]struct{}{},
	}, nil
}

// Counters returns a snapshot of the counters.
func (v *AttestationValidator) Counters() AttestationCounters {
	return AttestationCounters{
		Accepted: v.accepted.Load(), Rejected: v.rejected.Load(), Ignored: v.ignored.Load(),
		VotesApplied: v.applied.Load(), VotesDeferred: v.deferredN.Load(), VotesDropped: v.dropped.Load(),
		SeenCapHits: v.capHits.Load(),
	}
}

func (v *AttestationValidator) count(r GossipResult, why string) (GossipResult, string) {
	switch r {
	case Accept:
		v.accepted.Add(1)
	case Reject:
		v.rejected.Add(1)
	default:
		v.ignored.Add(1)
	}
	return r, why
}

// attestation is the fork-independent view of a gossip attestation.
type attestation struct {
	data      *phase0.AttestationData
	committee uint64 // committee index (electra: from committee_bits / the SingleAttestation)
	bits      []byte // aggregation bits (nil for an electra SingleAttestation)
	attester  uint64 // electra SingleAttestation's attester_index
	single    bool   // electra SingleAttestation
	sig       [96]byte
}

// ValidateAggregate validates a SignedAggregateAndProof received on
// beacon_aggregate_and_proof at now (fork: the fork of the topic's
// digest) and, on Accept, gives its votes to fork choice.
func (v *AttestationValidator) ValidateAggregate(fork forks.Fork, ssz []byte, now time.Time) (GossipResult, string) {
	var (
		a                 attestation
		aggregator        uint64
		selection, outSig [96]byte
		signingRoot       func(domain [32]byte) ([32]byte, error)
	)
	if fork >= forks.Electra {
		m := new(electra.SignedAggregateAndProof)
		if err := m.UnmarshalSSZ(ssz); err != nil {
			return v.count(Reject, "undecodable aggregate: "+err.Error())
		}
		// [REJECT] exactly one committee bit; data.index is 0.
		idx := helpers.CommitteeIndices(m.Message.Aggregate.CommitteeBits[:])
		if len(idx) != 1 {
			return v.count(Reject, "aggregate must name exactly one committee")
		}
		if m.Message.Aggregate.Data.Index != 0 {
			return v.count(Reject, "electra attestation data.index must be 0")
		}
		a = attestation{data: m.Message.Aggregate.Data, committee: idx[0], bits: m.Message.Aggregate.AggregationBits, sig: m.Message.Aggregate.Signature}
		aggregator, selection, outSig = m.Message.AggregatorIndex, m.Message.SelectionProof, m.Signature
		signingRoot = func(d [32]byte) ([32]byte, error) { return helpers.SigningRoot(m.Message, d) }
	} else {
		m := new(phase0.SignedAggregateAndProof)
		if err := m.UnmarshalSSZ(ssz); err != nil {
			return v.count(Reject, "undecodable aggregate: "+err.Error())
		}
		a = attestation{data: m.Message.Aggregate.Data, committee: m.Message.Aggregate.Data.Index, bits: m.Message.Aggregate.AggregationBits, sig: m.Message.Aggregate.Signature}
		aggregator, selection, outSig = m.Message.AggregatorIndex, m.Message.SelectionProof, m.Signature
		signingRoot = func(d [32]byte) ([32]byte, error) { return helpers.SigningRoot(m.Message, d) }
	}
	if r, why := v.window(fork, a.data, now); r != Accept {
		return v.count(r, why)
	}
	dataRoot, err := a.data.HashTreeRoot()
	if err != nil {
		return v.count(Reject, "attestation data: "+err.Error())
	}
	target := a.data.Target.Epoch
	// [IGNORE] no valid aggregate of this data whose bits are a superset
	// was seen; first aggregate of this aggregator for the target epoch.
	if v.seenAggregate(target, dataRoot, a.bits) {
		return v.count(Ignore, "an aggregate of this attestation data with these participants was already seen")
	}
	if v.seenIn(v.aggregators, target, aggregator) {
		return v.count(Ignore, "an aggregate of this aggregator for the target epoch was already seen")
	}
	if r, why := v.blockChecks(a.data); r != Accept {
		return v.count(r, why)
	}
	s, r, why := v.checkpointState(a.data.Target)
	if r != Accept {
		return v.count(r, why)
	}
	committee, r, why := v.committee(s, a.data.Slot, a.committee)
	if r != Accept {
		return v.count(r, why)
	}
	indices, r, why := attesting(committee, a.bits)
	if r != Accept {
		return v.count(r, why)
	}
	// [REJECT] the aggregator is in the committee and selected by its proof.
	in := false
	for _, i := range committee {
		in = in || i == aggregator
	}
	if !in {
		return v.count(Reject, "aggregator is not in the committee")
	}
	if !isAggregator(len(committee), selection) {
		return v.count(Reject, "selection proof does not select the aggregator")
	}
	if aggregator >= uint64(len(s.Validators)) {
		return v.count(Reject, "aggregator index out of range")
	}
	pk := s.Validators[aggregator].Pubkey[:]
	epoch := a.data.Slot / config.SlotsPerEpoch
	// [REJECT] selection proof, aggregator signature, aggregate signature.
	d, err := helpers.Domain(s, config.DomainSelectionProof, epoch)
	if err != nil {
		return v.count(Ignore, err.Error())
	}
	var slotRoot [32]byte
	binary.LittleEndian.PutUint64(slotRoot[:], a.data.Slot)
	root, err := helpers.SigningRootOfRoot(slotRoot, d)
	if err != nil || !bls.Verify(pk, root[:], selection[:]) {
		return v.count(Reject, "invalid selection proof")
	}
	if d, err = helpers.Domain(s, config.DomainAggregateAndProof, epoch); err != nil {
		return v.count(Ignore, err.Error())
	}
	if root, err = signingRoot(d); err != nil || !bls.Verify(pk, root[:], outSig[:]) {
		return v.count(Reject, "invalid aggregator signature")
	}
	if r, why := v.verifyAttestation(s, a.data, indices, a.sig); r != Accept {
		return v.count(r, why)
	}
	// Record as seen only once valid (the spec's "valid aggregate ... seen").
	if v.markAggregate(target, dataRoot, a.bits) || v.markIn(v.aggregators, target, aggregator) {
		return v.count(Ignore, "an aggregate of this attestation data or aggregator was already seen")
	}
	v.vote(a.data, indices)
	return v.count(Accept, "")
}

// ValidateSubnetAttestation validates an attestation received on
// beacon_attestation_{subnet} (phase0..deneb: an unaggregated Attestation;
// electra+: a SingleAttestation) and, on Accept, gives its vote to fork
// choice.
func (v *AttestationValidator) ValidateSubnetAttestation(fork forks.Fork, subnet uint64, ssz []byte, now time.Time) (GossipResult, string) {
	var a attestation
	if fork >= forks.Electra {
		m := new(electra.SingleAttestation)
		if err := m.UnmarshalSSZ(ssz); err != nil {
			return v.count(Reject, "undecodable attestation: "+err.Error())
		}
		if m.Data.Index != 0 {
			return v.count(Reject, "electra attestation data.index must be 0")
		}
		a = attestation{data: m.Data, committee: m.CommitteeIndex, attester: m.AttesterIndex, single: true, sig: m.Signature}
	} else {
		m := new(phase0.Attestation)
		if err := m.UnmarshalSSZ(ssz); err != nil {
			return v.count(Reject, "undecodable attestation: "+err.Error())
		}
		a = attestation{data: m.Data, committee: m.Data.Index, bits: m.AggregationBits, sig: m.Signature}
	}
	if r, why := v.window(fork, a.data, now); r != Accept {
		return v.count(r, why)
	}
	if r, why := v.blockChecks(a.data); r != Accept {
		return v.count(r, why)
	}
	s, r, why := v.checkpointState(a.data.Target)
	if r != Accept {
		return v.count(r, why)
	}
	committee, r, why := v.committee(s, a.data.Slot, a.committee)
	if r != Accept {
		return v.count(r, why)
	}
	// [REJECT] the subnet is the attestation's.
	perSlot := helpers.CommitteeCountPerSlot(s, a.data.Slot/config.SlotsPerEpoch)
	if want := (perSlot*(a.data.Slot%config.SlotsPerEpoch) + a.committee) % AttestationSubnetCount; want != subnet {
		return v.count(Reject, fmt.Sprintf("attestation belongs to subnet %d, not %d", want, subnet))
	}
	var attester uint64
	if a.single {
		// [REJECT] the attester is in the committee.
		found := false
		for _, i := range committee {
			found = found || i == a.attester
		}
		if !found {
			return v.count(Reject, "attester is not in the committee")
		}
		attester = a.attester
	} else {
		// [REJECT] unaggregated: exactly one bit, and the bit count is the committee's.
		indices, r, why := attesting(committee, a.bits)
		if r != Accept {
			return v.count(r, why)
		}
		if len(indices) != 1 {
			return v.count(Reject, "attestation is not unaggregated (exactly one bit)")
		}
		attester = indices[0]
	}
	target := a.data.Target.Epoch
	// [IGNORE] first attestation of this validator for the target epoch.
	if v.seenIn(v.attesters, target, attester) {
		return v.count(Ignore, "an attestation of this validator for the target epoch was already seen")
	}
	if r, why := v.verifyAttestation(s, a.data, []uint64{attester}, a.sig); r != Accept {
		return v.count(r, why)
	}
	if v.markIn(v.attesters, target, attester) {
		return v.count(Ignore, "an attestation of this validator for the target epoch was already seen")
	}
	v.vote(a.data, []uint64{attester})
	return v.count(Accept, "")
}

// window applies the slot checks: the attestation is from a recent slot
// (phase0: ATTESTATION_PROPAGATION_SLOT_RANGE; deneb+: the current or
// previous epoch), not from the future (with clock disparity), and its
// target epoch is its slot's.
func (v *AttestationValidator) window(fork forks.Fork, d *phase0.AttestationData, now time.Time) (GossipResult, string) {
	if d == nil || d.Target == nil || d.Source == nil {
		return Reject, "attestation data incomplete"
	}
	// [REJECT] target epoch is the slot's epoch.
	if d.Target.Epoch != d.Slot/config.SlotsPerEpoch {
		return Reject, "target epoch is not the attestation slot's epoch"
	}
	latest := v.p.clock.SlotAt(now.Add(MaximumGossipClockDisparity))
	earliest := v.p.clock.SlotAt(now.Add(-MaximumGossipClockDisparity))
	if d.Slot > latest {
		return Ignore, "attestation is from a future slot"
	}
	if fork >= forks.Deneb {
		cur := earliest / config.SlotsPerEpoch
		if e := d.Slot / config.SlotsPerEpoch; e+1 < cur {
			return Ignore, "attestation is older than the previous epoch"
		}
	} else if d.Slot+AttestationPropagationSlotRange < earliest {
		return Ignore, "attestation is older than ATTESTATION_PROPAGATION_SLOT_RANGE"
	}
	return Accept, ""
}

// blockChecks: the voted block is known and valid, the target is its
// ancestor at the target epoch's start, and it descends from the finalized
// checkpoint.
func (v *AttestationValidator) blockChecks(d *phase0.AttestationData) (GossipResult, string) {
	fc := v.p.fc
	p := v.p
	p.mu.Lock()
	_, bad := p.invalid[d.BeaconBlockRoot]
	p.mu.Unlock()
	if bad {
		return Reject, "attestation votes for an invalid block"
	}
	if !fc.HasBlock(d.BeaconBlockRoot) {
		return Ignore, "attestation votes for an unknown block"
	}
	start := d.Target.Epoch * config.SlotsPerEpoch
	if a, ok := fc.Ancestor(d.BeaconBlockRoot, start); !ok || a != d.Target.Root {
		return Reject, "target is not the voted block's checkpoint ancestor"
	}
	_, fin, _ := fc.Checkpoints()
	if a, ok := fc.Ancestor(d.BeaconBlockRoot, fin.Epoch*config.SlotsPerEpoch); !ok || a != fin.Root {
		return Ignore, "voted block does not descend from the finalized checkpoint"
	}
	return Accept, ""
}

// checkpointState is store.checkpoint_states[target]: the target block's
// post-state advanced to the target epoch's first slot (cached: every
// attestation of an epoch shares it).
func (v *AttestationValidator) checkpointState(t *phase0.Checkpoint) (*state.BeaconState, GossipResult, string) {
	key := forkchoice.Checkpoint{Epoch: t.Epoch, Root: t.Root}
	v.mu.Lock()
	cs, ok := v.states[key]
	if !ok {
		cs = &checkpointState{}
		v.states[key] = cs
		v.stateOrder = append(v.stateOrder, key)
		if len(v.stateOrder) > maxCheckpointStates {
			delete(v.states, v.stateOrder[0])
			v.stateOrder = v.stateOrder[1:]
		}
	}
	v.mu.Unlock()
	cs.once.Do(func() {
		st, err := v.p.loadState(t.Root)
		if err != nil {
			cs.err = fmt.Errorf("target state unavailable: %v", err)
			return
		}
		g := v.gen.Generic(st)
		start := t.Epoch * config.SlotsPerEpoch
		if g.Slot < start {
			g = g.Copy()
			if err := transition.AdvanceSlots(v.cfg, g, start); err != nil {
				cs.err = fmt.Errorf("advancing the target state: %v", err)
				return
			}
		}
		cs.s = g
	})
	if cs.err != nil {
		v.mu.Lock()
		if v.states[key] == cs { // retry later: the state may become available
			delete(v.states, key)
		}
		v.mu.Unlock()
		return nil, Ignore, cs.err.Error()
	}
	return cs.s, Accept, ""
}

// committee returns the beacon committee (slot, index) on the checkpoint
// state, rejecting an index beyond the slot's committee count.
func (v *AttestationValidator) committee(s *state.BeaconState, slot, index uint64) ([]uint64, GossipResult, string) {
	if n := helpers.CommitteeCountPerSlot(s, slot/config.SlotsPerEpoch); index >= n {
		return nil, Reject, fmt.Sprintf("committee index %d, the slot has %d", index, n)
	}
	c, err := helpers.BeaconCommittee(s, slot, index)
	if err != nil {
		return nil, Ignore, err.Error()
	}
	return c, Accept, ""
}

// attesting returns the committee members whose bits are set; the bitlist
// must have the committee's length and at least one bit set.
func attesting(committee []uint64, bits []byte) ([]uint64, GossipResult, string) {
	n, err := helpers.BitlistLen(bits)
	if err != nil {
		return nil, Reject, "aggregation bits: " + err.Error()
	}
	if n != uint64(len(committee)) {
		return nil, Reject, fmt.Sprintf("aggregation bits length %d, committee size %d", n, len(committee))
	}
	var out []uint64
	for i, vi := range committee {
		if helpers.BitlistBit(bits, uint64(i)) {
			out = append(out, vi)
		}
	}
	if len(out) == 0 {
		return nil, Reject, "attestation has no participants"
	}
	return out, Accept, ""
}

// isAggregator is is_aggregator on a selection proof.
func isAggregator(committeeLen int, proof [96]byte) bool {
	modulo := max(1, committeeLen/TargetAggregatorsPerCommittee)
	h := sha256.Sum256(proof[:])
	return binary.LittleEndian.Uint64(h[:8])%uint64(modulo) == 0
}

// verifyAttestation checks the (aggregate) BLS signature of indices over
// the data with the beacon-attester domain of the target epoch.
func (v *AttestationValidator) verifyAttestation(s *state.BeaconState, d *phase0.AttestationData, indices []uint64, sig [96]byte) (GossipResult, string) {
	dom, err := helpers.Domain(s, config.DomainBeaconAttester, d.Target.Epoch)
	if err != nil {
		return Ignore, err.Error()
	}
	root, err := helpers.SigningRoot(d, dom)
	if err != nil {
		return Reject, err.Error()
	}
	pks := make([][]byte, len(indices))
	for i, vi := range indices {
		if vi >= uint64(len(s.Validators)) {
			return Reject, "attester index out of range"
		}
		pks[i] = s.Validators[vi].Pubkey[:]
	}
	if !bls.FastAggregateVerify(pks, root[:], sig[:]) {
		return Reject, "invalid attestation signature"
	}
	return Accept, ""
}

// vote hands the votes to fork choice: at once if the attestation's slot
// is past, else held until it is (on_attestation counts an attestation
// only from the slot after its own).
func (v *AttestationValidator) vote(d *phase0.AttestationData, indices []uint64) {
	a := forkchoice.Attestation{Slot: d.Slot, BlockRoot: d.BeaconBlockRoot,
		Target: forkchoice.Checkpoint{Epoch: d.Target.Epoch, Root: d.Target.Root}}
	v.p.fc.OnTick(v.p.unixNow())
	v.Flush()
	if v.p.fc.CurrentSlot() > a.Slot {
		v.apply(a, indices)
		return
	}
	v.mu.Lock()
	if len(v.deferred) >= maxDeferredVotes {
		v.mu.Unlock()
		v.dropped.Add(1)
		return
	}
	v.deferred = append(v.deferred, deferredVote{a, indices})
	v.mu.Unlock()
	v.deferredN.Add(1)
}

func (v *AttestationValidator) apply(a forkchoice.Attestation, indices []uint64) {
	if err := v.p.fc.OnAttestation(a, indices, false); err != nil {
		v.dropped.Add(1)
		return
	}
	v.applied.Add(1)
}

// Flush applies the deferred votes whose slot has passed. The node calls
// it every slot; each validation also does.
func (v *AttestationValidator) Flush() {
	v.p.fc.OnTick(v.p.unixNow())
	cur := v.p.fc.CurrentSlot()
	v.mu.Lock()
	var ready []deferredVote
	keep := v.deferred[:0]
	for _, d := range v.deferred {
		if d.a.Slot < cur {
			ready = append(ready, d)
		} else {
			keep = append(keep, d)
		}
	}
	v.deferred = keep
	v.mu.Unlock()
	for _, d := range ready {
		v.apply(d.a, d.indices)
	}
}

// --- seen sets, by target epoch ---------------------------------------------

// prune forgets epochs older than the previous one (their messages are
// outside every propagation window). Caller holds v.mu.
func (v *AttestationValidator) pruneLocked() {
	cur := v.p.fc.CurrentSlot() / config.SlotsPerEpoch
	for _, m := range []map[uint64]map[uint64]struct{}{v.aggregators, v.attesters} {
		for e := range m {
			if e+1 < cur {
				delete(m, e)
			}
		}
	}
	for e := range v.aggregates {
		if e+1 < cur {
			delete(v.aggregates, e)
		}
	}
}

// maxBitsPerData bounds the aggregation bitlists remembered per data root.
const maxBitsPerData = 16

// superset reports whether bitlist a has every bit of b (same length).
func superset(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if b[i]&^a[i] != 0 {
			return false
		}
	}
	return true
}

func (v *AttestationValidator) seenAggregate(epoch uint64, root [32]byte, bits []byte) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, seen := range v.aggregates[epoch][root] {
		if superset(seen, bits) {
			return true
		}
	}
	return false
}

// markAggregate records bits under root; true if a superset was already
// there (or the sets are full, counted).
func (v *AttestationValidator) markAggregate(epoch uint64, root [32]byte, bits []byte) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.pruneLocked()
	m := v.aggregates[epoch]
	if m == nil {
		m = map[[32]byte][][]byte{}
		v.aggregates[epoch] = m
	}
	list := m[root]
	for _, seen := range list {
		if superset(seen, bits) {
			return true
		}
	}
	if len(m) >= maxSeenPerEpoch && list == nil {
		v.capHits.Add(1)
		return true
	}
	if len(list) >= maxBitsPerData {
		list = list[1:] // forget the oldest: at worst a duplicate passes again
	}
	m[root] = append(list, append([]byte(nil), bits...))
	return false
}

func (v *AttestationValidator) seenIn(sets map[uint64]map[uint64]struct{}, epoch, i uint64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := sets[epoch][i]
	return ok
}

func (v *AttestationValidator) markIn(sets map[uint64]map[uint64]struct{}, epoch, i uint64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.pruneLocked()
	m := sets[epoch]
	if m == nil {
		m = map[uint64]struct{}{}
		sets[epoch] = m
	}
	if _, ok := m[i]; ok {
		return true
	}
	if len(m) >= maxSeenPerEpoch {
		v.capHits.Add(1)
		return true
	}
	m[i] = struct{}{}
	return false
}
