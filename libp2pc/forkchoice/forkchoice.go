// Package forkchoice is the phase0 fork choice of consensus-specs
// (specs/phase0/fork-choice.md): the Store with on_tick, on_block,
// on_attestation and get_head (LMD-GHOST over the FFG-filtered block tree),
// with an optional proposer boost, computed on a proto-array.
//
// The package holds no beacon states: a block enters with the justified
// and finalized checkpoints of its post-state (the caller ran the state
// transition), an attestation enters as the validator indices it counts
// for (the caller checked it against the target checkpoint state), and the
// balances of the justified checkpoint state come from a BalanceSource.
// This keeps every call fast (the seed's "quick non-blocking call" and
// "fast update step") and independent of the fork the states belong to.
//
// Rules: the default Config is the v1.1.0-alpha.8 phase0 fork choice, the
// rules the shipped fork_choice vectors were generated with: no proposer
// boost, best_justified_checkpoint with SAFE_SLOTS_TO_UPDATE_JUSTIFIED, the
// leaf filter comparing whole checkpoints. ProposerScoreBoost > 0 adds the
// proposer boost of v1.1.0 and later (score = committee weight * boost%).
package forkchoice

import (
	"errors"
	"fmt"
	"sync"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

// Root is a block root.
type Root = [32]byte

// Checkpoint is an FFG checkpoint.
type Checkpoint struct {
	Epoch uint64
	Root  Root
}

// Config parameterises the fork choice. Zero fields take the preset value.
type Config struct {
	GenesisTime                uint64
	SecondsPerSlot             uint64 // required
	SlotsPerEpoch              uint64 // default config.SlotsPerEpoch
	SafeSlotsToUpdateJustified uint64 // default the preset's
	ProposerScoreBoost         uint64 // percent; 0 = no proposer boost (alpha.8)
	IntervalsPerSlot           uint64 // default 3
	// PruneThreshold: prune the proto-array once this many nodes precede
	// the finalized block (default 256).
	PruneThreshold int
}

func (c *Config) fill() {
	if c.SlotsPerEpoch == 0 {
		c.SlotsPerEpoch = config.SlotsPerEpoch
	}
	if c.SafeSlotsToUpdateJustified == 0 {
		c.SafeSlotsToUpdateJustified = config.SafeSlotsToUpdateJustified
	}
	if c.IntervalsPerSlot == 0 {
		c.IntervalsPerSlot = 3
	}
	if c.PruneThreshold == 0 {
		c.PruneThreshold = 256
	}
}

// Block is what on_block needs from a block and its post-state.
type Block struct {
	Root, Parent Root
	Slot         uint64
	Justified    Checkpoint // post-state current_justified_checkpoint
	Finalized    Checkpoint // post-state finalized_checkpoint
	// Execution is the verdict on the block's execution payload (zero:
	// valid, which includes blocks without a payload); BlockHash is the
	// payload's block hash (zero without one). See execution.go.
	Execution PayloadStatus
	BlockHash Root
}

// BalanceSource returns, for the state of a justified checkpoint, the
// effective balance of every validator active in that state's current
// epoch, indexed by validator (0 for inactive validators).
type BalanceSource func(justified Checkpoint) ([]uint64, error)

// Error is an assertion of the spec's handlers that failed; the Store is
// unchanged, as the spec requires.
type Error struct {
	Fn, Rule string
}

func (e *Error) Error() string { return "forkchoice: " + e.Fn + ": " + e.Rule }

func fail(fn, format string, args ...any) error {
	return &Error{Fn: fn, Rule: fmt.Sprintf(format, args...)}
}

// ErrUnknownParent is returned by CheckBlock/OnBlock for an unknown parent.
var ErrUnknownParent = errors.New("forkchoice: parent block unknown")

type pnode struct {
	root      Root
	parent    int // -1: none (anchor or pruned)
	slot      uint64
	justified Checkpoint
	finalized Checkpoint
	weight    uint64
	exec      PayloadStatus
	blockHash Root
}

type vote struct {
	current, next Root
	nextEpoch     uint64
	has           bool
}

// Store is the fork choice store. Safe for concurrent use; every method is
// fast (no state access) except where a new justified checkpoint makes
// Head ask the BalanceSource once.
type Store struct {
	mu  sync.Mutex
	cfg Config
	src BalanceSource

	time          uint64
	justified     Checkpoint
	finalized     Checkpoint
	bestJustified Checkpoint
	boostRoot     Root

	nodes   []pnode
	indices map[Root]int

	votes         []vote
	balances      []uint64 // balances the weights were computed with
	balancesOf    Checkpoint
	haveBalances  bool
	appliedBoost  Root
	appliedAmount uint64
}

// New is get_forkchoice_store: anchor is the trusted block (its
// checkpoints are ignored), anchorStateSlot the slot of the anchor state
// (store.time starts at its slot). src supplies the justified balances.
func New(cfg Config, anchor Block, anchorStateSlot uint64, src BalanceSource) (*Store, error) {
	cfg.fill()
	if cfg.SecondsPerSlot == 0 {
		return nil, errors.New("forkchoice: SecondsPerSlot is zero")
	}
	cp := Checkpoint{Epoch: anchorStateSlot / cfg.SlotsPerEpoch, Root: anchor.Root}
	s := &Store{
		cfg: cfg, src: src,
		time:      cfg.GenesisTime + cfg.SecondsPerSlot*anchorStateSlot,
		justified: cp, finalized: cp, bestJustified: cp,
		indices: map[Root]int{},
	}
	s.nodes = append(s.nodes, pnode{root: anchor.Root, parent: -1, slot: anchor.Slot, justified: cp, finalized: cp})
	s.indices[anchor.Root] = 0
	return s, nil
}

func (s *Store) currentSlot() uint64 {
	if s.time < s.cfg.GenesisTime {
		return 0
	}
	return (s.time - s.cfg.GenesisTime) / s.cfg.SecondsPerSlot
}

func (s *Store) startSlot(epoch uint64) uint64 { return epoch * s.cfg.SlotsPerEpoch }

// ancestor is get_ancestor on the proto-array (ok false if root unknown).
func (s *Store) ancestor(root Root, slot uint64) (Root, bool) {
	i, ok := s.indices[root]
	if !ok {
		return Root{}, false
	}
	for s.nodes[i].slot > slot {
		p := s.nodes[i].parent
		if p < 0 {
			return s.nodes[i].root, true // pruned history: the oldest known
		}
		i = p
	}
	return s.nodes[i].root, true
}

// OnTick is on_tick(store, time).
func (s *Store) OnTick(time uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onTick(time)
}

func (s *Store) onTick(time uint64) {
	if time < s.time {
		return // time never goes back
	}
	prev := s.currentSlot()
	s.time = time
	cur := s.currentSlot()
	if cur > prev {
		s.boostRoot = Root{} // reset proposer boost at a new slot
	}
	if !(cur > prev && cur%s.cfg.SlotsPerEpoch == 0) {
		return
	}
	if s.bestJustified.Epoch > s.justified.Epoch {
		s.justified = s.bestJustified
	}
}

// Time returns store.time; CurrentSlot get_current_slot(store).
func (s *Store) Time() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.time
}

// CurrentSlot is get_current_slot(store).
func (s *Store) CurrentSlot() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.currentSlot()
}

// Checkpoints returns store.justified_checkpoint, finalized_checkpoint and
// best_justified_checkpoint.
func (s *Store) Checkpoints() (justified, finalized, bestJustified Checkpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.justified, s.finalized, s.bestJustified
}

// HasBlock reports whether root is in the (unpruned) block tree.
func (s *Store) HasBlock(root Root) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.indices[root]
	return ok
}

// Slot returns the slot of a known block.
func (s *Store) Slot(root Root) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.indices[root]
	if !ok {
		return 0, false
	}
	return s.nodes[i].slot, true
}

// Ancestor is get_ancestor(store, root, slot).
func (s *Store) Ancestor(root Root, slot uint64) (Root, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ancestor(root, slot)
}

// CheckBlock runs on_block's assertions that need no state: parent known,
// block not from the future, later than the finalized slot and descending
// from the finalized block. It changes nothing.
func (s *Store) CheckBlock(slot uint64, parent Root) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkBlock(slot, parent)
}

func (s *Store) checkBlock(slot uint64, parent Root) error {
	pi, ok := s.indices[parent]
	if !ok {
		return ErrUnknownParent
	}
	if s.nodes[pi].exec == PayloadInvalid {
		return fail("on_block", "parent's execution payload is invalid")
	}
	if cur := s.currentSlot(); cur < slot {
		return fail("on_block", "block slot %d is in the future (current slot %d)", slot, cur)
	}
	finSlot := s.startSlot(s.finalized.Epoch)
	if slot <= finSlot {
		return fail("on_block", "block slot %d is not after the finalized slot %d", slot, finSlot)
	}
	if a, _ := s.ancestor(parent, finSlot); a != s.finalized.Root {
		return fail("on_block", "block does not descend from the finalized block")
	}
	return nil
}

// OnBlock is on_block for a block whose state transition succeeded (b
// carries its post-state checkpoints). A known block is a no-op.
func (s *Store) OnBlock(b Block) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.indices[b.Root]; ok {
		return nil
	}
	if err := s.checkBlock(b.Slot, b.Parent); err != nil {
		return err
	}
	s.indices[b.Root] = len(s.nodes)
	s.nodes = append(s.nodes, pnode{root: b.Root, parent: s.indices[b.Parent], slot: b.Slot, justified: b.Justified, finalized: b.Finalized,
		exec: b.Execution, blockHash: b.BlockHash})

	// Proposer boost (v1.1.0+ only).
	if s.cfg.ProposerScoreBoost > 0 {
		intoSlot := (s.time - s.cfg.GenesisTime) % s.cfg.SecondsPerSlot
		if s.currentSlot() == b.Slot && intoSlot < s.cfg.SecondsPerSlot/s.cfg.IntervalsPerSlot {
			s.boostRoot = b.Root
		}
	}

	// Update justified checkpoint.
	if b.Justified.Epoch > s.justified.Epoch {
		if b.Justified.Epoch > s.bestJustified.Epoch {
			s.bestJustified = b.Justified
		}
		if s.shouldUpdateJustified(b.Justified) {
			s.justified = b.Justified
		}
	}
	// Update finalized checkpoint.
	if b.Finalized.Epoch > s.finalized.Epoch {
		s.finalized = b.Finalized
		if s.justified != b.Justified {
			if b.Justified.Epoch > s.justified.Epoch {
				s.justified = b.Justified
				return nil
			}
			finSlot := s.startSlot(s.finalized.Epoch)
			if a, _ := s.ancestor(s.justified.Root, finSlot); a != s.finalized.Root {
				s.justified = b.Justified
			}
		}
	}
	return nil
}

func (s *Store) shouldUpdateJustified(newJustified Checkpoint) bool {
	if s.currentSlot()%s.cfg.SlotsPerEpoch < s.cfg.SafeSlotsToUpdateJustified {
		return true
	}
	a, _ := s.ancestor(newJustified.Root, s.startSlot(s.justified.Epoch))
	return a == s.justified.Root
}

// Attestation is what on_attestation checks: the attestation data fields.
type Attestation struct {
	Slot      uint64
	BlockRoot Root
	Target    Checkpoint
}

// ValidateAttestation is validate_on_attestation (without the signature
// and index checks of the target state, which the caller does).
// isFromBlock skips the check that the target epoch is the current or
// previous one (v1.1.0+ validate_on_attestation(..., is_from_block): an
// attestation included in a block counts whatever the wall clock; the
// alpha.8 vectors always pass false).
func (s *Store) ValidateAttestation(a Attestation, isFromBlock bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.validateAttestation(a, isFromBlock)
}

func (s *Store) validateAttestation(a Attestation, isFromBlock bool) error {
	cur := s.currentSlot() / s.cfg.SlotsPerEpoch
	prev := cur
	if cur > 0 {
		prev = cur - 1
	}
	if !isFromBlock && a.Target.Epoch != cur && a.Target.Epoch != prev {
		return fail("on_attestation", "target epoch %d is neither current (%d) nor previous", a.Target.Epoch, cur)
	}
	if a.Target.Epoch != a.Slot/s.cfg.SlotsPerEpoch {
		return fail("on_attestation", "target epoch %d does not match slot %d", a.Target.Epoch, a.Slot)
	}
	if _, ok := s.indices[a.Target.Root]; !ok {
		return fail("on_attestation", "unknown target block")
	}
	bi, ok := s.indices[a.BlockRoot]
	if !ok {
		return fail("on_attestation", "unknown beacon block")
	}
	if s.nodes[bi].slot > a.Slot {
		return fail("on_attestation", "attestation for a block in its future")
	}
	if r, _ := s.ancestor(a.BlockRoot, s.startSlot(a.Target.Epoch)); r != a.Target.Root {
		return fail("on_attestation", "LMD vote inconsistent with FFG target")
	}
	if s.currentSlot() < a.Slot+1 {
		return fail("on_attestation", "attestation slot %d not in the past", a.Slot)
	}
	return nil
}

// OnAttestation is on_attestation for an attestation whose attesting
// indices the caller computed and checked (is_valid_indexed_attestation on
// the target checkpoint state): validate_on_attestation, then
// update_latest_messages.
func (s *Store) OnAttestation(a Attestation, indices []uint64, isFromBlock bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.validateAttestation(a, isFromBlock); err != nil {
		return err
	}
	s.applyVotes(indices, a.BlockRoot, a.Target.Epoch)
	return nil
}

// ApplyVotes is update_latest_messages alone (for votes already checked).
func (s *Store) ApplyVotes(indices []uint64, blockRoot Root, targetEpoch uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyVotes(indices, blockRoot, targetEpoch)
}

func (s *Store) applyVotes(indices []uint64, root Root, epoch uint64) {
	for _, i := range indices {
		for uint64(len(s.votes)) <= i {
			s.votes = append(s.votes, vote{})
		}
		v := &s.votes[i]
		if !v.has || epoch > v.nextEpoch {
			v.next, v.nextEpoch, v.has = root, epoch, true
		}
	}
}

// Head is get_head(store).
func (s *Store) Head() (Root, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head()
}

func (s *Store) head() (Root, error) {
	ji, ok := s.indices[s.justified.Root]
	if !ok {
		return Root{}, fmt.Errorf("forkchoice: justified root %x unknown", s.justified.Root[:4])
	}
	newBalances := s.balances
	if !s.haveBalances || s.balancesOf != s.justified {
		if s.src == nil {
			return Root{}, errors.New("forkchoice: no balance source")
		}
		b, err := s.src(s.justified)
		if err != nil {
			return Root{}, fmt.Errorf("forkchoice: balances of justified checkpoint: %w", err)
		}
		newBalances = b
	}
	// Score changes (proto-array): move each changed vote's balance.
	deltas := make([]int64, len(s.nodes))
	bal := func(b []uint64, i int) uint64 {
		if i < len(b) {
			return b[i]
		}
		return 0
	}
	for i := range s.votes {
		v := &s.votes[i]
		if !v.has {
			continue
		}
		oldB, newB := bal(s.balances, i), bal(newBalances, i)
		if v.current == v.next && oldB == newB {
			continue
		}
		if ci, ok := s.indices[v.current]; ok && s.haveBalances {
			deltas[ci] -= int64(oldB)
		}
		if ni, ok := s.indices[v.next]; ok {
			deltas[ni] += int64(newB)
		}
		v.current = v.next
	}
	// Proposer boost: the score of the boosted block and its ancestors.
	boostAmount := uint64(0)
	if s.cfg.ProposerScoreBoost > 0 && s.boostRoot != (Root{}) {
		var total uint64
		for _, b := range newBalances {
			total += b
		}
		boostAmount = total / s.cfg.SlotsPerEpoch * s.cfg.ProposerScoreBoost / 100
	}
	if i, ok := s.indices[s.appliedBoost]; ok && s.appliedAmount > 0 {
		deltas[i] -= int64(s.appliedAmount)
	}
	if i, ok := s.indices[s.boostRoot]; ok && boostAmount > 0 {
		deltas[i] += int64(boostAmount)
	}
	s.appliedBoost, s.appliedAmount = s.boostRoot, boostAmount
	s.balances, s.balancesOf, s.haveBalances = newBalances, s.justified, true

	// One backward pass (children follow parents in the array): apply the
	// deltas bottom-up, and evaluate the spec's filter_block_tree
	// (a leaf is viable when its state agrees with the store's
	// checkpoints; an inner block when some child is) and each block's
	// best viable child by (weight, root).
	n := len(s.nodes)
	hasChild := make([]bool, n)
	viable := make([]bool, n)
	best := make([]int, n)
	for i := range best {
		best[i] = -1
	}
	for i := n - 1; i >= 0; i-- {
		nd := &s.nodes[i]
		nd.weight = uint64(int64(nd.weight) + deltas[i])
		if nd.exec == PayloadInvalid {
			// sync/optimistic.md: an invalidated block (and so every
			// descendant, invalidated with it) is never head.
			viable[i] = false
		} else if !hasChild[i] {
			viable[i] = (s.justified.Epoch == 0 || nd.justified == s.justified) &&
				(s.finalized.Epoch == 0 || nd.finalized == s.finalized)
		}
		p := nd.parent
		if p < 0 {
			continue
		}
		deltas[p] += deltas[i]
		if nd.exec != PayloadInvalid {
			hasChild[p] = true // an invalidated child is no child: its parent may be a leaf again
		}
		if viable[i] {
			viable[p] = true
			if b := best[p]; b < 0 || better(&s.nodes[i], &s.nodes[b]) {
				best[p] = i
			}
		}
	}
	h := ji
	for best[h] >= 0 {
		h = best[h]
	}
	s.maybePrune()
	return s.nodes[h].root, nil
}

func better(a, b *pnode) bool {
	if a.weight != b.weight {
		return a.weight > b.weight
	}
	for k := 0; k < 32; k++ {
		if a.root[k] != b.root[k] {
			return a.root[k] > b.root[k]
		}
	}
	return false
}

// Weight returns the current LMD weight of a block (as of the last Head).
func (s *Store) Weight(root Root) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.indices[root]
	if !ok {
		return 0, false
	}
	return s.nodes[i].weight, true
}

// Len returns the number of blocks in the proto-array.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.nodes)
}

// maybePrune drops every block that is not the finalized block or one of
// its descendants once enough of them precede the finalized block. Called
// after the weights are up to date.
func (s *Store) maybePrune() {
	fi, ok := s.indices[s.finalized.Root]
	if !ok || fi < s.cfg.PruneThreshold {
		return
	}
	keep := make([]bool, len(s.nodes))
	keep[fi] = true
	for i := fi + 1; i < len(s.nodes); i++ {
		if p := s.nodes[i].parent; p >= 0 && keep[p] {
			keep[i] = true
		}
	}
	remap := make([]int, len(s.nodes))
	var out []pnode
	idx := map[Root]int{}
	for i, nd := range s.nodes {
		remap[i] = -1
		if !keep[i] {
			continue
		}
		remap[i] = len(out)
		if nd.parent >= 0 {
			nd.parent = remap[nd.parent]
		}
		idx[nd.root] = len(out)
		out = append(out, nd)
	}
	s.nodes, s.indices = out, idx
}
