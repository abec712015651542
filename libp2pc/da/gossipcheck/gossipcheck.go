// Package gossipcheck applies every gossip rule of the data availability
// topics of consensus-specs: blob_sidecar_{subnet_id} (deneb and electra
// p2p-interface.md) and data_column_sidecar_{subnet_id} (fulu
// p2p-interface.md), in the spec's order, each failure a REJECT or an
// IGNORE with a reason label. The pure checks (field and length checks,
// subnet, inclusion proofs, KZG) come from da/sidecar; the chain-facing
// facts (finalized checkpoint, known blocks, proposer keys, expected
// proposer) come through the Chain interface, so the package runs alone in
// tests with real signed headers and real KZG proofs.
//
// The proposer signature and the column inclusion proof are verified once
// per block (cached by header root), not once per column, as the spec's
// note on verify_data_column_sidecar_inclusion_proof allows.
package gossipcheck

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/da/sidecar"
	"github.com/libp2pc/libp2pc/libp2pc/latency"
)

// MaximumGossipClockDisparity is MAXIMUM_GOSSIP_CLOCK_DISPARITY.
const MaximumGossipClockDisparity = 500 * time.Millisecond

// Verdict is the gossipsub verdict of a sidecar.
type Verdict int

const (
	Accept Verdict = iota
	Reject
	Ignore
)

func (v Verdict) String() string {
	switch v {
	case Accept:
		return "ACCEPT"
	case Reject:
		return "REJECT"
	case Ignore:
		return "IGNORE"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Reason labels of the chain-facing rules. The pure checks carry the
// da/sidecar reason names ("index_out_of_range", "wrong_subnet",
// "inclusion_proof", "kzg_proof", ...).
const (
	ReasonFutureSlot           = "future_slot"
	ReasonNotAfterFinalized    = "not_after_finalized_slot"
	ReasonProposerOutOfRange   = "proposer_index_out_of_range"
	ReasonBadSignature         = "proposer_signature"
	ReasonParentUnknown        = "parent_unknown"
	ReasonParentInvalid        = "parent_invalid"
	ReasonNotAfterParent       = "slot_not_after_parent"
	ReasonFinalizedNotAncestor = "finalized_not_ancestor"
	ReasonAlreadySeen          = "already_seen"
	ReasonWrongProposer        = "wrong_proposer"
	ReasonShufflingUnavailable = "shuffling_unavailable"
	ReasonStateUnavailable     = "state_unavailable"
)

// Result is the outcome of a validation: Accept with an empty Reason, or
// Reject / Ignore with the rule's label and what was wrong.
type Result struct {
	Verdict Verdict
	Reason  string
	Detail  string
}

func (r Result) String() string {
	if r.Verdict == Accept {
		return "ACCEPT"
	}
	return fmt.Sprintf("%s %s: %s", r.Verdict, r.Reason, r.Detail)
}

var accept = Result{Verdict: Accept}

func reject(reason, format string, args ...any) Result {
	return Result{Verdict: Reject, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

func ignore(reason, format string, args ...any) Result {
	return Result{Verdict: Ignore, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// fromSidecar turns a da/sidecar check failure into a Result.
func fromSidecar(err error) Result {
	var e *sidecar.Error
	if errors.As(err, &e) {
		v := Reject
		if e.Verdict == sidecar.Ignore {
			v = Ignore
		}
		return Result{Verdict: v, Reason: e.Reason.String(), Detail: e.Detail}
	}
	return Result{Verdict: Reject, Reason: "malformed", Detail: err.Error()}
}

// BlockState is what the chain knows of a block root.
type BlockState int

const (
	BlockUnknown BlockState = iota // not seen (store.blocks lacks it)
	BlockInvalid                   // seen and failed validation (no state)
	BlockValid                     // seen and imported (store.block_states has it)
)

// Chain is what the gossip rules read of the node's chain. The node's chain
// service implements it; every method must be safe for concurrent use and
// cheap or cached (ExpectedProposer is called once per block, the others
// once per sidecar).
type Chain interface {
	// Finalized is store.finalized_checkpoint.
	Finalized() (epoch uint64, root [32]byte)
	// Block reports what the chain knows of root, and its slot when seen.
	Block(root [32]byte) (slot uint64, state BlockState)
	// CheckpointBlock is get_checkpoint_block(store, root, epoch): the
	// block root at the start slot of epoch on root's chain; ok is false
	// when the chain cannot tell (root unknown, or below what it keeps).
	CheckpointBlock(root [32]byte, epoch uint64) (checkpoint [32]byte, ok bool)
	// ProposerPubkey is state.validators[index].pubkey in the head state
	// (a pubkey cache of it: indices and keys never change); ok is false
	// when index >= len(state.validators). An error means the chain cannot
	// tell now (no head state): the rule then IGNOREs.
	ProposerPubkey(index uint64) (pubkey [48]byte, ok bool, err error)
	// ExpectedProposer is get_beacon_proposer_index of the parent's
	// post-state processed to slot. An error means the shuffling is not
	// available (the rule then IGNOREs).
	ExpectedProposer(parentRoot [32]byte, slot uint64) (uint64, error)
}

// Config is what the rules read of the network's configuration.
type Config struct {
	// Spec gives the fork schedule (the domain of the proposer signature),
	// the blob limits of deneb and electra and fulu's blob schedule.
	Spec                  *config.Config
	GenesisTime           time.Time
	GenesisValidatorsRoot [32]byte
	// Custody gives DATA_COLUMN_SIDECAR_SUBNET_COUNT (custody.Mainnet when zero).
	Custody custody.Params
	KZG     *kzg.Context
	// SeenCapacity bounds each first-seen set (4096 when zero; entries at
	// or below the finalized slot go first, then the lowest slots, counted).
	SeenCapacity int
	// BlockCacheCapacity bounds the per-block caches of verified headers,
	// inclusion proofs and expected proposers (256 when zero).
	BlockCacheCapacity int
}

// Stats counts the work the caches saved and the entries they dropped.
type Stats struct {
	SignatureChecks    uint64 // BLS verifications made
	SignatureCacheHits uint64 // headers whose verdict came from the cache
	InclusionChecks    uint64 // column inclusion proofs verified
	InclusionCacheHits uint64
	SeenEvicted        uint64 // first-seen entries dropped above capacity
	BlockCacheEvicted  uint64
}

// seenKey is the spec's (block_header.slot, block_header.proposer_index, index).
type seenKey struct{ slot, proposer, index uint64 }

// Validator checks sidecars against the spec's gossip rules. Safe for
// concurrent use (gossipsub runs validators in parallel).
type Validator struct {
	cfg      Config
	sched    *forks.Schedule
	chain    Chain
	colRules sidecar.ColumnRules

	mu         sync.Mutex
	seenBlobs  map[seenKey]struct{}
	seenCols   map[seenKey]struct{}
	signatures *boundedCache[sigKey, bool]
	inclusions *boundedCache[inclusionKey, bool]
	proposers  *boundedCache[proposerKey, uint64]
	// In-flight computations of the cached values (under mu).
	sigFlight      flight[sigKey, bool]
	inclFlight     flight[inclusionKey, bool]
	proposerFlight flight[proposerKey, uint64]

	sigChecks, sigHits, inclChecks, inclHits, seenEvicted atomic.Uint64

	// Timings of the column rules (Timings).
	columnVerification, columnKZGBatch *latency.Histogram
}

// VerificationBuckets are the upper bounds (seconds) of the column
// verification histograms: a column's rules take about a millisecond
// (cached header) to tens of milliseconds (first BLS check, many blobs).
var VerificationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

// Timings are the histograms of the column rules' running time.
type Timings struct {
	// ColumnVerification: every ValidateDataColumnSidecar call, whatever
	// its verdict (beacon-metrics'
	// beacon_data_column_sidecar_gossip_verification_seconds).
	ColumnVerification latency.Snapshot
	// ColumnKZGBatch: the batched cell proof verification of one column
	// (verify_data_column_sidecar_kzg_proofs; beacon-metrics'
	// beacon_kzg_verification_data_column_batch_seconds).
	ColumnKZGBatch latency.Snapshot
}

// Timings returns the timing histograms.
func (v *Validator) Timings() Timings {
	return Timings{ColumnVerification: v.columnVerification.Snapshot(), ColumnKZGBatch: v.columnKZGBatch.Snapshot()}
}

type sigKey struct {
	headerRoot [32]byte
	signature  [96]byte
}

type inclusionKey struct {
	headerRoot, commitmentsRoot, proofRoot [32]byte
}

type proposerKey struct {
	parent [32]byte
	slot   uint64
}

// New returns a Validator reading chain.
func New(cfg Config, chain Chain) (*Validator, error) {
	if cfg.Spec == nil || cfg.KZG == nil || chain == nil {
		return nil, errors.New("gossipcheck: Spec, KZG and chain are required")
	}
	if cfg.Custody == (custody.Params{}) {
		cfg.Custody = custody.Mainnet
	}
	if err := cfg.Custody.Validate(); err != nil {
		return nil, err
	}
	if cfg.SeenCapacity <= 0 {
		cfg.SeenCapacity = 4096
	}
	if cfg.BlockCacheCapacity <= 0 {
		cfg.BlockCacheCapacity = 256
	}
	sched, err := forks.ScheduleOf(cfg.Spec)
	if err != nil {
		return nil, fmt.Errorf("gossipcheck: fork schedule: %w", err)
	}
	return &Validator{
		cfg:        cfg,
		sched:      sched,
		chain:      chain,
		colRules:   sidecar.ColumnRules{Config: cfg.Spec, Custody: cfg.Custody},
		seenBlobs:  map[seenKey]struct{}{},
		seenCols:   map[seenKey]struct{}{},
		signatures: newBoundedCache[sigKey, bool](cfg.BlockCacheCapacity),
		inclusions: newBoundedCache[inclusionKey, bool](cfg.BlockCacheCapacity),
		proposers:  newBoundedCache[proposerKey, uint64](cfg.BlockCacheCapacity),

		columnVerification: latency.New(VerificationBuckets),
		columnKZGBatch:     latency.New(VerificationBuckets),
	}, nil
}

// Stats returns the counters.
func (v *Validator) Stats() Stats {
	v.mu.Lock()
	evicted := v.signatures.evicted + v.inclusions.evicted + v.proposers.evicted
	v.mu.Unlock()
	return Stats{
		SignatureChecks:    v.sigChecks.Load(),
		SignatureCacheHits: v.sigHits.Load(),
		InclusionChecks:    v.inclChecks.Load(),
		InclusionCacheHits: v.inclHits.Load(),
		SeenEvicted:        v.seenEvicted.Load(),
		BlockCacheEvicted:  evicted,
	}
}

// ColumnSubnet is compute_subnet_for_data_column_sidecar.
func (v *Validator) ColumnSubnet(index uint64) uint64 {
	return v.cfg.Custody.ComputeSubnetForDataColumnSidecar(index)
}

// BlobRules are the blob sidecar limits at slot (deneb's or electra's).
func (v *Validator) BlobRules(slot uint64) sidecar.BlobRules {
	return sidecar.BlobRulesAt(v.cfg.Spec, slot/config.SlotsPerEpoch)
}

// ValidateBlobSidecar applies the rules of blob_sidecar_{subnet} to sc
// received on subnet at now. On Accept the sidecar is marked seen.
func (v *Validator) ValidateBlobSidecar(sc *deneb.BlobSidecar, subnet uint64, now time.Time) Result {
	if sc == nil || sc.SignedBlockHeader == nil || sc.SignedBlockHeader.Message == nil {
		return reject("malformed", "blob sidecar without signed block header")
	}
	h := sc.SignedBlockHeader.Message
	rules := v.BlobRules(h.Slot)
	// [REJECT] blob_sidecar.index < MAX_BLOBS_PER_BLOCK (_ELECTRA from electra).
	if sc.Index >= rules.MaxBlobsPerBlock {
		return reject(sidecar.ReasonIndexOutOfRange.String(), "blob index %d, limit %d at slot %d", sc.Index, rules.MaxBlobsPerBlock, h.Slot)
	}
	// [REJECT] compute_subnet_for_blob_sidecar(index) == subnet_id.
	if want := rules.ComputeSubnetForBlobSidecar(sc.Index); want != subnet {
		return reject(sidecar.ReasonWrongSubnet.String(), "blob %d belongs on subnet %d, received on %d", sc.Index, want, subnet)
	}
	if _, r := v.checkHeader(sc.SignedBlockHeader, now); r.Verdict != Accept {
		return r
	}
	// [REJECT] verify_blob_sidecar_inclusion_proof.
	if err := sidecar.VerifyBlobSidecarInclusionProof(sc); err != nil {
		return fromSidecar(err)
	}
	// [REJECT] verify_blob_kzg_proof(blob, kzg_commitment, kzg_proof).
	if err := sidecar.VerifyBlobSidecarKZGProof(v.cfg.KZG, sc); err != nil {
		return fromSidecar(err)
	}
	key := seenKey{h.Slot, h.ProposerIndex, sc.Index}
	// [IGNORE] first sidecar for (slot, proposer_index, index).
	if v.isSeen(v.seenBlobs, key) {
		return ignore(ReasonAlreadySeen, "blob %d of proposer %d at slot %d already seen", sc.Index, h.ProposerIndex, h.Slot)
	}
	// [REJECT] expected proposer (IGNORE when the shuffling is unavailable).
	if r := v.checkProposer(h); r.Verdict != Accept {
		return r
	}
	if !v.markSeen(v.seenBlobs, key) {
		return ignore(ReasonAlreadySeen, "blob %d of proposer %d at slot %d already seen", sc.Index, h.ProposerIndex, h.Slot)
	}
	return accept
}

// ValidateDataColumnSidecar applies the rules of data_column_sidecar_{subnet}
// to sc received on subnet at now. On Accept the sidecar is marked seen.
// Its running time is recorded (Timings).
func (v *Validator) ValidateDataColumnSidecar(sc *fulu.DataColumnSidecar, subnet uint64, now time.Time) Result {
	defer v.columnVerification.Since(time.Now())
	return v.validateDataColumnSidecar(sc, subnet, now)
}

func (v *Validator) validateDataColumnSidecar(sc *fulu.DataColumnSidecar, subnet uint64, now time.Time) Result {
	if sc == nil || sc.SignedBlockHeader == nil || sc.SignedBlockHeader.Message == nil {
		return reject("malformed", "data column sidecar without signed block header")
	}
	h := sc.SignedBlockHeader.Message
	key := seenKey{h.Slot, h.ProposerIndex, sc.Index}
	// [IGNORE] first sidecar for (slot, proposer_index, index).
	if v.isSeen(v.seenCols, key) {
		return ignore(ReasonAlreadySeen, "column %d of proposer %d at slot %d already seen", sc.Index, h.ProposerIndex, h.Slot)
	}
	// [REJECT] verify_data_column_sidecar (index, 0 < commitments <= the
	// epoch's blob limit, one cell and one proof per commitment).
	if err := sidecar.VerifyDataColumnSidecar(v.colRules, sc); err != nil {
		return fromSidecar(err)
	}
	// [REJECT] compute_subnet_for_data_column_sidecar(index) == subnet_id.
	if err := sidecar.CheckDataColumnSubnet(v.colRules, sc, subnet); err != nil {
		return fromSidecar(err)
	}
	headerRoot, r := v.checkHeader(sc.SignedBlockHeader, now)
	if r.Verdict != Accept {
		return r
	}
	// [REJECT] verify_data_column_sidecar_inclusion_proof, once per
	// (header, commitments, proof).
	if r := v.checkColumnInclusion(headerRoot, sc); r.Verdict != Accept {
		return r
	}
	// [REJECT] verify_data_column_sidecar_kzg_proofs: all cells, one batch.
	kzgStart := time.Now()
	err := sidecar.VerifyDataColumnSidecarKZGProofs(v.cfg.KZG, sc)
	v.columnKZGBatch.Since(kzgStart)
	if err != nil {
		return fromSidecar(err)
	}
	// [REJECT] expected proposer (IGNORE when the shuffling is unavailable).
	if r := v.checkProposer(h); r.Verdict != Accept {
		return r
	}
	if !v.markSeen(v.seenCols, key) {
		return ignore(ReasonAlreadySeen, "column %d of proposer %d at slot %d already seen", sc.Index, h.ProposerIndex, h.Slot)
	}
	return accept
}

// checkHeader applies the rules both topics share, from the clock to the
// finalized ancestor, and gives the header's root.
func (v *Validator) checkHeader(sh *phase0.SignedBeaconBlockHeader, now time.Time) ([32]byte, Result) {
	h := sh.Message
	// [IGNORE] not from a future slot (MAXIMUM_GOSSIP_CLOCK_DISPARITY allowed).
	if start := v.slotStart(h.Slot); start.After(now.Add(MaximumGossipClockDisparity)) {
		return [32]byte{}, ignore(ReasonFutureSlot, "slot %d starts at %s, now is %s", h.Slot, start.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	// [IGNORE] from a slot greater than the latest finalized slot.
	finEpoch, finRoot := v.chain.Finalized()
	if finSlot := finEpoch * config.SlotsPerEpoch; h.Slot <= finSlot {
		return [32]byte{}, ignore(ReasonNotAfterFinalized, "slot %d, finalized slot %d", h.Slot, finSlot)
	}
	// [REJECT] the proposer index is a valid validator index.
	pubkey, ok, err := v.chain.ProposerPubkey(h.ProposerIndex)
	if err != nil {
		return [32]byte{}, ignore(ReasonStateUnavailable, "proposer %d's key: %v", h.ProposerIndex, err)
	}
	if !ok {
		return [32]byte{}, reject(ReasonProposerOutOfRange, "proposer index %d is not a validator", h.ProposerIndex)
	}
	headerRoot, err := h.HashTreeRoot()
	if err != nil {
		return [32]byte{}, reject("malformed", "header root: %v", err)
	}
	// [REJECT] the proposer signature of the header is valid.
	if r := v.checkSignature(headerRoot, sh, pubkey); r.Verdict != Accept {
		return headerRoot, r
	}
	// [IGNORE] the block's parent has been seen.
	parentSlot, st := v.chain.Block(h.ParentRoot)
	switch st {
	case BlockUnknown:
		return headerRoot, ignore(ReasonParentUnknown, "parent %x not seen", h.ParentRoot[:8])
	case BlockInvalid:
		// [REJECT] the block's parent passes validation.
		return headerRoot, reject(ReasonParentInvalid, "parent %x failed validation", h.ParentRoot[:8])
	}
	// [REJECT] from a higher slot than the block's parent.
	if h.Slot <= parentSlot {
		return headerRoot, reject(ReasonNotAfterParent, "slot %d, parent's slot %d", h.Slot, parentSlot)
	}
	// [REJECT] the finalized checkpoint is an ancestor of the block.
	if cp, ok := v.chain.CheckpointBlock(h.ParentRoot, finEpoch); !ok || cp != finRoot {
		return headerRoot, reject(ReasonFinalizedNotAncestor, "finalized root %x is not an ancestor of parent %x", finRoot[:8], h.ParentRoot[:8])
	}
	return headerRoot, accept
}

func (v *Validator) slotStart(slot uint64) time.Time {
	return v.cfg.GenesisTime.Add(time.Duration(slot) * v.cfg.Spec.SlotDuration())
}

// checkSignature verifies the proposer signature of a header, once per
// (header root, signature): the columns and blobs of one block share it.
func (v *Validator) checkSignature(headerRoot [32]byte, sh *phase0.SignedBeaconBlockHeader, pubkey [48]byte) Result {
	key := sigKey{headerRoot, sh.Signature}
	v.mu.Lock()
	valid, hit := v.signatures.get(key)
	v.mu.Unlock()
	if hit {
		v.sigHits.Add(1)
	} else {
		valid, _ = v.sigFlight.do(&v.mu, key, func() (bool, error) {
			v.mu.Lock()
			ok, hit := v.signatures.get(key) // a flight that ended meanwhile
			v.mu.Unlock()
			if hit {
				v.sigHits.Add(1)
				return ok, nil
			}
			v.sigChecks.Add(1)
			ok = v.verifySignature(headerRoot, sh, pubkey)
			v.mu.Lock()
			v.signatures.put(key, ok)
			v.mu.Unlock()
			return ok, nil
		})
	}
	if !valid {
		return reject(ReasonBadSignature, "header of slot %d does not carry proposer %d's signature", sh.Message.Slot, sh.Message.ProposerIndex)
	}
	return accept
}

func (v *Validator) verifySignature(headerRoot [32]byte, sh *phase0.SignedBeaconBlockHeader, pubkey [48]byte) bool {
	epoch := sh.Message.Slot / config.SlotsPerEpoch
	version := v.sched.Version(v.sched.AtEpoch(epoch))
	domain, err := helpers.ComputeDomain(config.DomainBeaconProposer, version, v.cfg.GenesisValidatorsRoot)
	if err != nil {
		return false
	}
	msg, err := helpers.SigningRootOfRoot(headerRoot, domain)
	if err != nil {
		return false
	}
	return bls.Verify(pubkey[:], msg[:], sh.Signature[:])
}

// checkColumnInclusion verifies the commitments' inclusion proof once per
// (header root, commitments root, proof).
func (v *Validator) checkColumnInclusion(headerRoot [32]byte, sc *fulu.DataColumnSidecar) Result {
	commitmentsRoot, err := sidecar.CommitmentsRoot(sc.KZGCommitments)
	if err != nil {
		return reject(sidecar.ReasonTooManyCommitments.String(), "%v", err)
	}
	key := inclusionKey{headerRoot: headerRoot, commitmentsRoot: commitmentsRoot, proofRoot: proofDigest(sc.KZGCommitmentsInclusionProof)}
	v.mu.Lock()
	ok, hit := v.inclusions.get(key)
	v.mu.Unlock()
	if hit {
		v.inclHits.Add(1)
		if !ok {
			return reject(sidecar.ReasonInclusionProof.String(), "column %d: commitments are not in the body root (cached)", sc.Index)
		}
		return accept
	}
	var verr error
	ok, _ = v.inclFlight.do(&v.mu, key, func() (bool, error) {
		v.mu.Lock()
		ok, hit := v.inclusions.get(key)
		v.mu.Unlock()
		if hit {
			v.inclHits.Add(1)
			return ok, nil
		}
		v.inclChecks.Add(1)
		verr = sidecar.VerifyDataColumnSidecarInclusionProof(sc)
		v.mu.Lock()
		v.inclusions.put(key, verr == nil)
		v.mu.Unlock()
		return verr == nil, nil
	})
	if verr != nil {
		return fromSidecar(verr)
	}
	if !ok {
		return reject(sidecar.ReasonInclusionProof.String(), "column %d: commitments are not in the body root", sc.Index)
	}
	return accept
}

// checkProposer: [REJECT] the sidecar is proposed by the expected
// proposer_index; IGNORE when the shuffling is not available. Cached per
// (parent, slot).
func (v *Validator) checkProposer(h *phase0.BeaconBlockHeader) Result {
	key := proposerKey{h.ParentRoot, h.Slot}
	v.mu.Lock()
	want, hit := v.proposers.get(key)
	v.mu.Unlock()
	if !hit {
		var err error
		want, err = v.proposerFlight.do(&v.mu, key, func() (uint64, error) {
			v.mu.Lock()
			p, hit := v.proposers.get(key)
			v.mu.Unlock()
			if hit {
				return p, nil
			}
			p, err := v.chain.ExpectedProposer(h.ParentRoot, h.Slot)
			if err == nil {
				v.mu.Lock()
				v.proposers.put(key, p)
				v.mu.Unlock()
			}
			return p, err
		})
		if err != nil {
			return ignore(ReasonShufflingUnavailable, "expected proposer of slot %d on parent %x: %v", h.Slot, h.ParentRoot[:8], err)
		}
	}
	if h.ProposerIndex != want {
		return reject(ReasonWrongProposer, "proposer index %d, expected %d at slot %d", h.ProposerIndex, want, h.Slot)
	}
	return accept
}

func (v *Validator) isSeen(set map[seenKey]struct{}, k seenKey) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := set[k]
	return ok
}

// markSeen adds k to set; false when another validation got there first.
// Above capacity, the entries at or below the finalized slot go first,
// then the lowest slots (counted).
func (v *Validator) markSeen(set map[seenKey]struct{}, k seenKey) bool {
	finEpoch, _ := v.chain.Finalized()
	finSlot := finEpoch * config.SlotsPerEpoch
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := set[k]; ok {
		return false
	}
	if len(set) >= v.cfg.SeenCapacity {
		for old := range set {
			if old.slot <= finSlot {
				delete(set, old)
			}
		}
		for len(set) >= v.cfg.SeenCapacity {
			lowest := seenKey{slot: ^uint64(0)}
			for old := range set {
				if old.slot < lowest.slot {
					lowest = old
				}
			}
			delete(set, lowest)
			v.seenEvicted.Add(1)
		}
	}
	set[k] = struct{}{}
	return true
}
