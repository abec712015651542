package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/internal/phase0transition"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
)

// fixture: a phase0 chain with a block at every slot of epoch 0 and 1 up
// to boundary+lastGap... : blocks at slots 1..spe (a boundary block) and
// spe+1..2*spe-3 (the last two slots of epoch 1 empty); altair is
// scheduled at epoch 2, so advancing the last state to the boundary
// upgrades it.
type fixture struct {
	cfg    *config.Config
	net    Network
	blocks map[uint64]*phase0.SignedBeaconBlock
	posts  map[uint64]*phase0.BeaconState
	roots  map[uint64][32]byte
	last   uint64
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() { fix, fixErr = buildFixture() })
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fix
}

func buildFixture() (*fixture, error) {
	spe := uint64(config.SlotsPerEpoch)
	cfg := testchain.Config()
	cfg.Raw = map[string]string{"ALTAIR_FORK_VERSION": "0x01000001", "ALTAIR_FORK_EPOCH": "2"}
	g, err := testchain.Genesis(64)
	if err != nil {
		return nil, err
	}
	f := &fixture{cfg: cfg, net: Network{Config: cfg, GenesisValidatorsRoot: g.GenesisValidatorsRoot},
		blocks: map[uint64]*phase0.SignedBeaconBlock{}, posts: map[uint64]*phase0.BeaconState{}, roots: map[uint64][32]byte{},
		last: 2*spe - 3}
	pre := g
	for slot := uint64(1); slot <= f.last; slot++ {
		sb, err := testchain.ProduceBlock(cfg, pre, slot, 1)
		if err != nil {
			return nil, err
		}
		post, err := phase0transition.StateTransition(cfg, pre, sb, false, true)
		if err != nil {
			return nil, err
		}
		f.blocks[slot], f.posts[slot] = sb, post
		f.roots[slot], _ = sb.Message.HashTreeRoot()
		pre = post
	}
	return f, nil
}

func (f *fixture) ssz(t *testing.T, slot uint64) (st, blk []byte) {
	t.Helper()
	st, err := f.posts[slot].MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	blk, err = f.blocks[slot].MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	return st, blk
}

// jsonBlock renders a block as /eth/v2/beacon/blocks answers in JSON (the
// header fields; the body is not read).
func jsonBlock(b *phase0.SignedBeaconBlock, stateRoot [32]byte) []byte {
	m := b.Message
	return fmt.Appendf(nil, `{"version":"phase0","execution_optimistic":false,"data":{"message":{"slot":"%d","proposer_index":"%d",`+
		`"parent_root":"0x%x","state_root":"0x%x","body":{"randao_reveal":"0x%x","graffiti":"0x%x"}},"signature":"0x%x"}}`,
		m.Slot, m.ProposerIndex, m.ParentRoot, stateRoot, m.Body.RandaoReveal, m.Body.Graffiti, b.Signature)
}

func TestVerifyBoundaryBlock(t *testing.T) {
	f := getFixture(t)
	spe := uint64(config.SlotsPerEpoch)
	st, blk := f.ssz(t, spe)
	var phases []string
	a, err := Verify(context.Background(), f.net, st, blk, nil, func(p Progress) { phases = append(phases, p.Phase) })
	if err != nil {
		t.Fatal(err)
	}
	wantRoot, _ := f.posts[spe].HashTreeRoot()
	if a.BlockRoot != f.roots[spe] || a.Epoch != 1 || a.Slot != spe || a.Advanced || a.StateRoot != wantRoot || a.Fork != forks.Phase0 {
		t.Fatalf("anchor %+v", a)
	}
	if strings.Join(phases, ",") != "decode,hash,verified" {
		t.Errorf("progress %v", phases)
	}
	// The same block as JSON (Lodestar 1.5.1's answer).
	a2, err := Verify(context.Background(), f.net, st, jsonBlock(f.blocks[spe], f.blocks[spe].Message.StateRoot), nil, nil)
	if err != nil || a2.BlockRoot != a.BlockRoot || !a2.JSONBlock {
		t.Fatalf("JSON block: %+v %v", a2, err)
	}
}

// A finalized block below an epoch boundary whose last slots are empty:
// its post-state is advanced to the boundary (here across the altair
// upgrade), both when the server gives the block's post-state and when it
// gives the state already advanced.
func TestVerifyAdvancesToBoundary(t *testing.T) {
	f := getFixture(t)
	spe := uint64(config.SlotsPerEpoch)
	st, blk := f.ssz(t, f.last)
	a, err := Verify(context.Background(), f.net, st, blk, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Advanced || a.Slot != 2*spe || a.Epoch != 2 || a.BlockRoot != f.roots[f.last] || a.BlockSlot != f.last || a.Fork != forks.Altair {
		t.Fatalf("anchor %+v", a)
	}
	adv, err := state.Decode(forks.Altair, a.State)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := adv.HashTreeRoot(); r != a.StateRoot || adv.Slot != 2*spe {
		t.Fatalf("advanced state: slot %d root %x, anchor %x", adv.Slot, r, a.StateRoot)
	}
	// The server already advanced it (Lighthouse's finalized state at the
	// epoch start): the header and state_roots tie it to the block.
	a2, err := Verify(context.Background(), f.net, a.State, blk, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a2.Advanced || a2.StateRoot != a.StateRoot || a2.BlockRoot != a.BlockRoot || a2.Epoch != 2 {
		t.Fatalf("anchor from the advanced state %+v", a2)
	}
	// ... and the JSON block with it.
	if _, err := Verify(context.Background(), f.net, a.State, jsonBlock(f.blocks[f.last], f.blocks[f.last].Message.StateRoot), nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	f := getFixture(t)
	spe := uint64(config.SlotsPerEpoch)
	st, blk := f.ssz(t, spe)
	_, prevBlk := f.ssz(t, spe-1)
	ctx := context.Background()
	check := func(name string, err error, want error, text string) {
		t.Helper()
		if !errors.Is(err, want) || !strings.Contains(err.Error(), text) {
			t.Errorf("%s: %v, want %v containing %q", name, err, want, text)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	// The block of another slot.
	_, err := Verify(ctx, f.net, st, prevBlk, nil, nil)
	check("block of another slot", err, ErrStateMismatch, "latest block is at slot")
	// A block whose state root is not the state's (JSON: header fields
	// otherwise right).
	bad := f.blocks[spe].Message.StateRoot
	bad[0] ^= 1
	_, err = Verify(ctx, f.net, st, jsonBlock(f.blocks[spe], bad), nil, nil)
	check("state root mismatch", err, ErrStateMismatch, "hash_tree_root(state)")
	// The same, signed SSZ.
	sb := *f.blocks[spe]
	msg := *sb.Message
	msg.StateRoot = bad
	sb.Message = &msg
	if err := testchain.Resign(f.posts[spe-1], &sb); err != nil {
		t.Fatal(err)
	}
	badSSZ, _ := sb.MarshalSSZ()
	_, err = Verify(ctx, f.net, st, badSSZ, nil, nil)
	check("state root mismatch (SSZ)", err, ErrStateMismatch, "block state_root")
	// Another network: genesis_validators_root, genesis time, fork version.
	other := f.net
	other.GenesisValidatorsRoot[0] ^= 1
	_, err = Verify(ctx, other, st, blk, nil, nil)
	check("other gvr", err, ErrWrongNetwork, "genesis_validators_root")
	other = f.net
	other.GenesisTime = 12345
	_, err = Verify(ctx, other, st, blk, nil, nil)
	check("other genesis time", err, ErrWrongNetwork, "genesis_time")
	c := *f.cfg
	c.GenesisForkVersion = config.Version{9, 9, 9, 9}
	other = f.net
	other.Config = &c
	_, err = Verify(ctx, other, st, blk, nil, nil)
	check("other fork version", err, ErrWrongNetwork, "fork version")
	// Weak subjectivity: the right checkpoint passes, at the anchor's epoch
	// and at an older one; a wrong root or a newer epoch is refused.
	for _, ws := range []WSCheckpoint{{Root: f.roots[spe], Epoch: 1}, {Root: [32]byte(f.posts[spe].BlockRoots[0]), Epoch: 0}} {
		if _, err := Verify(ctx, f.net, st, blk, &ws, nil); err != nil {
			t.Errorf("ws %s: %v", ws, err)
		}
	}
	wrong := WSCheckpoint{Root: f.roots[spe-1], Epoch: 1}
	_, err = Verify(ctx, f.net, st, blk, &wrong, nil)
	check("wrong ws root", err, ErrWeakSubjectivity, "checkpoint block of epoch 1")
	newer := WSCheckpoint{Root: f.roots[spe], Epoch: 5}
	_, err = Verify(ctx, f.net, st, blk, &newer, nil)
	check("newer ws", err, ErrWeakSubjectivity, "newer than the checkpoint state")
	// Garbage.
	_, err = Verify(ctx, f.net, st[:30], blk, nil, nil)
	check("short state", err, ErrBadInput, "30 bytes")
	_, err = Verify(ctx, f.net, st, []byte("not a block at all, no"), nil, nil)
	check("garbage block", err, ErrBadInput, "neither")
	_, err = Verify(ctx, f.net, st, []byte(`{"data":{"message":{"slot":"x"}}}`), nil, nil)
	check("bad JSON block", err, ErrBadInput, "slot")
}

func TestParseWS(t *testing.T) {
	r := [32]byte{0xab, 1}
	for _, s := range []string{fmt.Sprintf("0x%x:7", r), fmt.Sprintf("%x:7", r)} {
		ws, err := ParseWS(s)
		if err != nil || ws.Root != r || ws.Epoch != 7 {
			t.Errorf("%s: %+v %v", s, ws, err)
		}
	}
	for _, s := range []string{"", "0x12:3", fmt.Sprintf("0x%x", r), fmt.Sprintf("0x%x:-1", r)} {
		if _, err := ParseWS(s); !errors.Is(err, ErrBadInput) {
			t.Errorf("%q: %v", s, err)
		}
	}
}

// beaconAPI serves a state and its block like a beacon node: the state as
// SSZ, the block as JSON (Lodestar 1.5.1) or SSZ.
type beaconAPI struct {
	states map[string][]byte // state id -> SSZ
	blocks map[string][]byte // block id -> SSZ
	json   map[string][]byte // block id -> JSON
	mu     sync.Mutex
	asked  []string
}

func (b *beaconAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.asked = append(b.asked, r.URL.Path+" "+r.Header.Get("Accept"))
	b.mu.Unlock()
	if id, ok := strings.CutPrefix(r.URL.Path, "/eth/v2/debug/beacon/states/"); ok {
		if s, ok := b.states[id]; ok {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", fmt.Sprint(len(s)))
			w.Write(s)
			return
		}
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/eth/v2/beacon/blocks/"); ok {
		if j, ok := b.json[id]; ok {
			w.Header().Set("Content-Type", "application/json")
			w.Write(j)
			return
		}
		if s, ok := b.blocks[id]; ok {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(s)
			return
		}
	}
	http.Error(w, `{"code":404,"message":"not found"}`, http.StatusNotFound)
}

func TestLoadFromBeaconAPI(t *testing.T) {
	f := getFixture(t)
	spe := uint64(config.SlotsPerEpoch)
	st, blk := f.ssz(t, spe)
	api := &beaconAPI{states: map[string][]byte{"finalized": st}, blocks: map[string][]byte{fmt.Sprintf("0x%x", f.roots[spe]): blk},
		json: map[string][]byte{fmt.Sprint(spe): jsonBlock(f.blocks[spe], f.blocks[spe].Message.StateRoot)}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	var mu sync.Mutex
	var last Progress
	phases := map[string]bool{}
	a, err := Load(context.Background(), Options{Network: f.net, URL: srv.URL + "/", Progress: func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		phases[p.Phase] = true
		if p.Phase == "state" {
			last = p
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if a.BlockRoot != f.roots[spe] || !a.JSONBlock || a.Epoch != 1 {
		t.Fatalf("anchor %+v", a)
	}
	if last.Done != int64(len(st)) || last.Total != int64(len(st)) || !phases["block"] || !phases["verified"] {
		t.Errorf("progress: last state %+v, phases %v", last, phases)
	}
	if !strings.HasPrefix(api.asked[0], "/eth/v2/debug/beacon/states/finalized application/octet-stream") ||
		!strings.HasPrefix(api.asked[1], fmt.Sprintf("/eth/v2/beacon/blocks/%d application/octet-stream", spe)) {
		t.Errorf("requests %q", api.asked)
	}
	// By block root: the block first (SSZ), then the state by its root.
	api.states[fmt.Sprintf("0x%x", f.blocks[spe].Message.StateRoot)] = st
	a, err = Load(context.Background(), Options{Network: f.net, URL: srv.URL, ID: fmt.Sprintf("0x%x", f.roots[spe])})
	if err != nil || a.JSONBlock || a.BlockRoot != f.roots[spe] {
		t.Fatalf("by root: %+v %v", a, err)
	}
	// A server that does not know the id; a state bigger than allowed.
	if _, err := Load(context.Background(), Options{Network: f.net, URL: srv.URL, ID: "12345"}); !errors.Is(err, ErrFetch) || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := Load(context.Background(), Options{Network: f.net, URL: srv.URL, MaxStateBytes: 1000}); !errors.Is(err, ErrFetch) || !strings.Contains(err.Error(), "limit 1000") {
		t.Errorf("state over the limit: %v", err)
	}
	// Nothing to load.
	if _, err := Load(context.Background(), Options{Network: f.net}); !errors.Is(err, ErrBadInput) {
		t.Errorf("no source: %v", err)
	}
}
