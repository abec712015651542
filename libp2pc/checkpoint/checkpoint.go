// Package checkpoint obtains and checks the trusted anchor of a node that
// does not sync from genesis: a finalized checkpoint state and its block,
// of any fork, given as SSZ files or fetched from a beacon node's standard
// REST API (checkpoint sync).
//
// Load runs in the caller's goroutine (the node runs it off the host's
// thread) and reports progress through Options.Progress: a mainnet state is
// hundreds of MB to download, decode and hash.
//
// Checks, in order (each failure is an error wrapping one of the Err*
// values below, with the numbers that differ):
//
//   - the network, from the state's fixed-offset header before it is
//     decoded: genesis_validators_root and genesis_time equal the node's,
//     and fork.current_version / previous_version are the versions the
//     configured schedule has in force at the state's epoch (ErrWrongNetwork);
//   - the block belongs to the state: block.state_root is
//     hash_tree_root(state) when the state is the block's post-state, or,
//     when the server answered a state advanced through empty slots, the
//     state's latest_block_header is the block's header and
//     state.state_roots holds the block's state root (ErrStateMismatch);
//   - the anchor is at an epoch boundary: a state whose slot is not a
//     multiple of SLOTS_PER_EPOCH (the finalized block of an epoch whose
//     first slots were empty) is advanced with process_slots to the next
//     boundary, as Lighthouse and Prysm do, so that the anchor is the
//     spec's checkpoint state (get_forkchoice_store takes the anchor epoch
//     from the state's current epoch);
//   - an optional weak-subjectivity checkpoint root:epoch: at the anchor's
//     epoch its root must be the anchor block root; at an older epoch
//     within the state's block_roots history, the block root the state
//     records for the epoch's start slot (ErrWeakSubjectivity). A newer
//     epoch cannot be checked from the state and is refused;
//   - (Load) the anchor is within its weak subjectivity period
//     (is_within_weak_subjectivity_period, specs/phase0 and
//     specs/electra/weak-subjectivity.md): the wall-clock epoch is at most
//     the anchor's epoch plus compute_weak_subjectivity_period of the
//     anchor state (ErrStale), unless the host overrides (Options.AllowStale).
package checkpoint

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
)

// The errors a refused anchor wraps (errors.Is).
var (
	ErrWrongNetwork     = errors.New("checkpoint: state of another network")
	ErrStateMismatch    = errors.New("checkpoint: block and state do not match")
	ErrWeakSubjectivity = errors.New("checkpoint: weak subjectivity checkpoint not satisfied")
	ErrBadInput         = errors.New("checkpoint: bad input")
)

// WSCheckpoint is a weak-subjectivity checkpoint (root:epoch).
type WSCheckpoint struct {
	Root  [32]byte
	Epoch uint64
}

// ParseWS parses "0x<64 hex>:<epoch>" (the 0x is optional), the format
// clients take for --weak-subjectivity-checkpoint.
func ParseWS(s string) (WSCheckpoint, error) {
	root, epoch, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return WSCheckpoint{}, fmt.Errorf("%w: weak subjectivity checkpoint %q is not ROOT:EPOCH", ErrBadInput, s)
	}
	b, err := hex.DecodeString(strings.TrimPrefix(root, "0x"))
	if err != nil || len(b) != 32 {
		return WSCheckpoint{}, fmt.Errorf("%w: weak subjectivity root %q is not 32 bytes of hex", ErrBadInput, root)
	}
	e, err := strconv.ParseUint(epoch, 10, 64)
	if err != nil {
		return WSCheckpoint{}, fmt.Errorf("%w: weak subjectivity epoch %q: %v", ErrBadInput, epoch, err)
	}
	return WSCheckpoint{Root: [32]byte(b), Epoch: e}, nil
}

func (w WSCheckpoint) String() string { return fmt.Sprintf("0x%x:%d", w.Root, w.Epoch) }

// Network is what the anchor must belong to.
type Network struct {
	Config                *config.Config // fork versions and epochs, and the transition (advancing)
	GenesisValidatorsRoot [32]byte
	GenesisTime           uint64 // 0: not checked
}

// Progress is one step of Load.
type Progress struct {
	Phase string // "state", "block" (downloads), "decode", "hash", "advance", "verified"
	Done  int64  // bytes downloaded (downloads), else 0
	Total int64  // Content-Length when known (-1 unknown), else 0
}

// Anchor is a checked anchor, ready for the store (pipeline.Init).
type Anchor struct {
	// State is the SSZ of the anchor state: at an epoch boundary (the
	// given state, or that state advanced through empty slots).
	State     []byte
	BlockRoot [32]byte // the checkpoint block's root (the anchor root)
	BlockSlot uint64
	StateRoot [32]byte // hash_tree_root of the returned State
	Slot      uint64   // State's slot (a multiple of SLOTS_PER_EPOCH)
	Epoch     uint64   // Slot / SLOTS_PER_EPOCH: the anchor checkpoint's epoch
	Fork      forks.Fork
	Advanced  bool // State was advanced through empty slots here
	// WSPeriod is compute_weak_subjectivity_period(State), in epochs.
	WSPeriod uint64
	// Stale: Load found the anchor outside its weak subjectivity period
	// and accepted it because Options.AllowStale was set.
	Stale bool
	// JSONBlock: the block came as JSON (Lodestar 1.5.1 answers
	// /eth/v2/beacon/blocks in JSON): its header fields were checked, its
	// body was not hashed (the state's latest_block_header gives the root).
	JSONBlock bool
}

// blockHeader is what the checks need of the checkpoint block.
type blockHeader struct {
	slot, proposer    uint64
	parent, stateRoot [32]byte
	bodyRoot          *[32]byte // nil for a JSON block
	root              *[32]byte // hash_tree_root(message), nil for a JSON block
}

// Fixed offsets of the BeaconState header in every fork's SSZ encoding:
// genesis_time, genesis_validators_root, slot, fork (previous_version,
// current_version, epoch).
const (
	offGenesisTime = 0
	offGVR         = 8
	offSlot        = 40
	offPrevVersion = 48
	offCurVersion  = 52
	stateHeaderLen = 64
)

// Verify checks a state and its block (SSZ SignedBeaconBlock, or the JSON
// of /eth/v2/beacon/blocks) against the network and the optional ws
// checkpoint, and returns the anchor. progress may be nil.
func Verify(ctx context.Context, net Network, stateSSZ, block []byte, ws *WSCheckpoint, progress func(Progress)) (*Anchor, error) {
	if progress == nil {
		progress = func(Progress) {}
	}
	if net.Config == nil {
		return nil, fmt.Errorf("%w: no consensus config", ErrBadInput)
	}
	sc, err := forks.ScheduleOf(net.Config)
	if err != nil {
		return nil, fmt.Errorf("%w: consensus config: %v", ErrBadInput, err)
	}
	if err := checkNetwork(net, sc, stateSSZ); err != nil {
		return nil, err
	}
	slot := binary.LittleEndian.Uint64(stateSSZ[offSlot:])
	hdr, isJSON, err := decodeBlock(sc, block)
	if err != nil {
		return nil, err
	}
	progress(Progress{Phase: "decode"})
	st, err := state.Decode(sc.AtSlot(slot), stateSSZ)
	if err != nil {
		return nil, fmt.Errorf("%w: the state does not decode as a %s state (slot %d): %v", ErrBadInput, sc.AtSlot(slot), slot, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	progress(Progress{Phase: "hash"})
	stateRoot, err := st.HashTreeRoot()
	if err != nil {
		return nil, err
	}
	blockRoot, err := matchBlock(st, stateRoot, hdr)
	if err != nil {
		return nil, err
	}
	a := &Anchor{BlockRoot: blockRoot, BlockSlot: hdr.slot, JSONBlock: isJSON}
	spe := uint64(config.SlotsPerEpoch)
	if st.Slot%spe != 0 {
		// The finalized block is below an epoch boundary whose slots were
		// empty: the checkpoint state is its post-state advanced to the
		// boundary (process_slots), which is the anchor.
		progress(Progress{Phase: "advance"})
		adv := st.Copy()
		if err := transition.AdvanceSlots(net.Config, adv, (st.Slot/spe+1)*spe); err != nil {
			return nil, fmt.Errorf("checkpoint: advancing the state from slot %d to the epoch boundary: %w", st.Slot, err)
		}
		st, a.Advanced = adv, true
		if stateRoot, err = st.HashTreeRoot(); err != nil {
			return nil, err
		}
		// The network check again: an upgrade at the boundary changes the fork.
		if st.Fork.CurrentVersion != sc.Version(sc.AtSlot(st.Slot)) {
			return nil, fmt.Errorf("%w: advanced state's fork version %x, the config's %x", ErrWrongNetwork, st.Fork.CurrentVersion, sc.Version(sc.AtSlot(st.Slot)))
		}
	}
	a.Slot, a.Epoch, a.StateRoot, a.Fork = st.Slot, st.Slot/spe, stateRoot, st.ForkName
	a.WSPeriod = WeakSubjectivityPeriod(net.Config, st)
	if ws != nil {
		if err := checkWS(st, a, *ws); err != nil {
			return nil, err
		}
	}
	if a.Advanced {
		if a.State, err = st.MarshalSSZ(); err != nil {
			return nil, err
		}
	} else {
		a.State = stateSSZ
	}
	progress(Progress{Phase: "verified"})
	return a, nil
}

// checkNetwork reads the state's fixed header.
func checkNetwork(net Network, sc *forks.Schedule, s []byte) error {
	if len(s) < stateHeaderLen {
		return fmt.Errorf("%w: a state of %d bytes", ErrBadInput, len(s))
	}
	gvr := [32]byte(s[offGVR : offGVR+32])
	if gvr != net.GenesisValidatorsRoot {
		return fmt.Errorf("%w: genesis_validators_root %x, the node's is %x", ErrWrongNetwork, gvr, net.GenesisValidatorsRoot)
	}
	if gt := binary.LittleEndian.Uint64(s[offGenesisTime:]); net.GenesisTime != 0 && gt != net.GenesisTime {
		return fmt.Errorf("%w: genesis_time %d, the node's is %d", ErrWrongNetwork, gt, net.GenesisTime)
	}
	slot := binary.LittleEndian.Uint64(s[offSlot:])
	epoch := slot / config.SlotsPerEpoch
	f := sc.AtEpoch(epoch)
	cur := config.Version(s[offCurVersion : offCurVersion+4])
	prev := config.Version(s[offPrevVersion : offPrevVersion+4])
	if cur != sc.Version(f) {
		return fmt.Errorf("%w: state at slot %d has fork version %x, the config has %s (%x) in force at epoch %d",
			ErrWrongNetwork, slot, cur[:], f, sc.Version(f), epoch)
	}
	// previous_version: the version of this fork or of one before it
	// (genesis states of chains that start in a later fork carry either).
	for p := forks.Phase0; p <= f; p++ {
		if prev == sc.Version(p) && (p == f || sc.Epochs[p] <= sc.Epochs[f]) {
			return nil
		}
	}
	return fmt.Errorf("%w: state's previous fork version %x is none of the config's up to %s", ErrWrongNetwork, prev[:], f)
}

// matchBlock checks that the block is the state's latest block and returns
// its root.
func matchBlock(st *state.BeaconState, stateRoot [32]byte, b blockHeader) ([32]byte, error) {
	h := *st.LatestBlockHeader
	if h.Slot != b.slot || h.ProposerIndex != b.proposer || h.ParentRoot != b.parent ||
		(b.bodyRoot != nil && h.BodyRoot != *b.bodyRoot) {
		return [32]byte{}, fmt.Errorf("%w: the state's latest block is at slot %d (parent %x), the block is at slot %d (parent %x)",
			ErrStateMismatch, h.Slot, h.ParentRoot[:4], b.slot, b.parent[:4])
	}
	if st.Slot == b.slot {
		// The block's post-state: its state_root commits to this state.
		if b.stateRoot != stateRoot {
			return [32]byte{}, fmt.Errorf("%w: block state_root %x, hash_tree_root(state) %x", ErrStateMismatch, b.stateRoot, stateRoot)
		}
		h.StateRoot = stateRoot
	} else {
		// Advanced through empty slots: process_slot filled the header's
		// state root and recorded it in state_roots.
		recorded := st.StateRoots[b.slot%config.SlotsPerHistoricalRoot]
		if st.Slot < b.slot || st.Slot-b.slot > config.SlotsPerHistoricalRoot || h.StateRoot != b.stateRoot || recorded != b.stateRoot {
			return [32]byte{}, fmt.Errorf("%w: block state_root %x, the state (slot %d) records %x for slot %d",
				ErrStateMismatch, b.stateRoot, st.Slot, recorded, b.slot)
		}
	}
	root, err := h.HashTreeRoot()
	if err != nil {
		return [32]byte{}, err
	}
	if b.root != nil && *b.root != root {
		return [32]byte{}, fmt.Errorf("%w: block root %x, the state's latest block header hashes to %x", ErrStateMismatch, *b.root, root)
	}
	return root, nil
}

// checkWS checks the weak-subjectivity checkpoint against the anchor.
func checkWS(st *state.BeaconState, a *Anchor, ws WSCheckpoint) error {
	spe := uint64(config.SlotsPerEpoch)
	switch {
	case ws.Epoch == a.Epoch:
		if ws.Root != a.BlockRoot {
			return fmt.Errorf("%w: %s, the checkpoint block of epoch %d is %x", ErrWeakSubjectivity, ws, a.Epoch, a.BlockRoot)
		}
	case ws.Epoch < a.Epoch:
		slot := ws.Epoch * spe
		if st.Slot-slot > config.SlotsPerHistoricalRoot {
			return fmt.Errorf("%w: %s is older than the state's block_roots history (slot %d)", ErrWeakSubjectivity, ws, st.Slot)
		}
		got := st.BlockRoots[slot%config.SlotsPerHistoricalRoot]
		if got != ws.Root {
			return fmt.Errorf("%w: %s, the state records %x at slot %d", ErrWeakSubjectivity, ws, got, slot)
		}
	default:
		return fmt.Errorf("%w: %s is newer than the checkpoint state (epoch %d): start from a newer state", ErrWeakSubjectivity, ws, a.Epoch)
	}
	return nil
}

// decodeBlock reads the header of an SSZ SignedBeaconBlock, or of the JSON
// answer of /eth/v2/beacon/blocks/{id}.
func decodeBlock(sc *forks.Schedule, b []byte) (blockHeader, bool, error) {
	if t := strings.TrimSpace(string(b[:min(len(b), 16)])); strings.HasPrefix(t, "{") {
		h, err := decodeJSONBlock(b)
		return h, true, err
	}
	const offMsg = 100 // offset(4) + signature(96)
	if len(b) < offMsg+8 || binary.LittleEndian.Uint32(b) != offMsg {
		return blockHeader{}, false, fmt.Errorf("%w: the block is neither an SSZ SignedBeaconBlock nor JSON (%d bytes)", ErrBadInput, len(b))
	}
	slot := binary.LittleEndian.Uint64(b[offMsg:])
	sb, err := state.DecodeSignedBlock(sc.AtSlot(slot), b)
	if err != nil {
		return blockHeader{}, false, fmt.Errorf("%w: the block does not decode as a %s block (slot %d): %v", ErrBadInput, sc.AtSlot(slot), slot, err)
	}
	root, err := sb.Message.HashTreeRoot()
	if err != nil {
		return blockHeader{}, false, err
	}
	body, err := sb.Message.BodyRoot()
	if err != nil {
		return blockHeader{}, false, err
	}
	m := sb.Message
	return blockHeader{slot: m.Slot, proposer: m.ProposerIndex, parent: m.ParentRoot, stateRoot: m.StateRoot,
		bodyRoot: &body, root: &root}, false, nil
}

// decodeJSONBlock reads the header fields of {"version", "data":
// {"message": {"slot", "proposer_index", "parent_root", "state_root",
// "body"}, "signature"}} (beacon-APIs numbers are decimal strings).
func decodeJSONBlock(b []byte) (blockHeader, error) {
	var doc struct {
		Data struct {
			Message struct {
				Slot          string          `json:"slot"`
				ProposerIndex string          `json:"proposer_index"`
				ParentRoot    string          `json:"parent_root"`
				StateRoot     string          `json:"state_root"`
				Body          json.RawMessage `json:"body"`
			} `json:"message"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return blockHeader{}, fmt.Errorf("%w: JSON block: %v", ErrBadInput, err)
	}
	m := doc.Data.Message
	var h blockHeader
	var err error
	if h.slot, err = strconv.ParseUint(m.Slot, 10, 64); err != nil {
		return h, fmt.Errorf("%w: JSON block: slot %q", ErrBadInput, m.Slot)
	}
	if h.proposer, err = strconv.ParseUint(m.ProposerIndex, 10, 64); err != nil {
		return h, fmt.Errorf("%w: JSON block: proposer_index %q", ErrBadInput, m.ProposerIndex)
	}
	for _, f := range []struct {
		name, v string
		dst     *[32]byte
	}{{"parent_root", m.ParentRoot, &h.parent}, {"state_root", m.StateRoot, &h.stateRoot}} {
		raw, err := hex.DecodeString(strings.TrimPrefix(f.v, "0x"))
		if err != nil || len(raw) != 32 {
			return h, fmt.Errorf("%w: JSON block: %s %q", ErrBadInput, f.name, f.v)
		}
		*f.dst = [32]byte(raw)
	}
	if len(m.Body) == 0 {
		return h, fmt.Errorf("%w: JSON block without a body", ErrBadInput)
	}
	return h, nil
}
