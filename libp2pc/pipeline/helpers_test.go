package pipeline

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/internal/phase0transition"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

const testValidators = 64
const testSecondsPerSlot = 6

// testStoreOpts are the store options of newTestPipeline.
var testStoreOpts store.Options

type tblock struct {
	ssz    []byte
	root   Root
	parent Root
	slot   uint64
	valid  bool // valid on its own (its parent may still be invalid)
}

// builder makes signed chains with forks and invalid blocks.
type builder struct {
	t       testing.TB
	cfg     *config.Config
	genesis *phase0.BeaconState
	gRoot   Root
	states  map[Root]*phase0.BeaconState // post-states (also of bad-signature blocks)
	blocks  []tblock                     // parents before children
	byRoot  map[Root]tblock
}

func newBuilder(t testing.TB) *builder {
	g, err := testchain.Genesis(testValidators)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testchain.Config()
	gRoot, _, err := Phase0{Cfg: cfg}.Anchor(Phase0State(g))
	if err != nil {
		t.Fatal(err)
	}
	return &builder{t: t, cfg: cfg, genesis: g, gRoot: gRoot,
		states: map[Root]*phase0.BeaconState{gRoot: g}, byRoot: map[Root]tblock{}}
}

func (bd *builder) add(sb *phase0.SignedBeaconBlock, valid bool, post *phase0.BeaconState) Root {
	bd.t.Helper()
	ssz, err := sb.MarshalSSZ()
	if err != nil {
		bd.t.Fatal(err)
	}
	root, err := sb.Message.HashTreeRoot()
	if err != nil {
		bd.t.Fatal(err)
	}
	tb := tblock{ssz: ssz, root: root, parent: sb.Message.ParentRoot, slot: sb.Message.Slot, valid: valid}
	bd.blocks = append(bd.blocks, tb)
	bd.byRoot[root] = tb
	if post != nil {
		bd.states[root] = post
	}
	return root
}

// extend adds a valid block at slot on parent (attestations for the
// attest slots before it).
func (bd *builder) extend(parent Root, slot, attest uint64) Root {
	bd.t.Helper()
	pre := bd.states[parent]
	sb, err := testchain.ProduceBlock(bd.cfg, pre, slot, attest)
	if err != nil {
		bd.t.Fatal(err)
	}
	post, err := phase0transition.StateTransition(bd.cfg, pre, sb, false, true)
	if err != nil {
		bd.t.Fatal(err)
	}
	return bd.add(sb, true, post)
}

// chain extends parent with blocks at each slot of [from, to].
func (bd *builder) chain(parent Root, from, to, attest uint64) []Root {
	var out []Root
	for s := from; s <= to; s++ {
		parent = bd.extend(parent, s, attest)
		out = append(out, parent)
	}
	return out
}

// badStateRoot adds a block with a wrong state root (properly signed).
func (bd *builder) badStateRoot(parent Root, slot uint64) Root {
	bd.t.Helper()
	pre := bd.states[parent]
	sb, err := testchain.ProduceBlock(bd.cfg, pre, slot, 0)
	if err != nil {
		bd.t.Fatal(err)
	}
	sb.Message.StateRoot[0] ^= 0xff
	if err := testchain.Resign(pre, sb); err != nil {
		bd.t.Fatal(err)
	}
	return bd.add(sb, false, nil)
}

// badSignature adds a block whose content is valid but whose proposer
// signature is not; its post-state is kept so that valid-looking children
// can be built on it.
func (bd *builder) badSignature(parent Root, slot uint64) Root {
	bd.t.Helper()
	pre := bd.states[parent]
	sb, err := testchain.ProduceBlock(bd.cfg, pre, slot, 0)
	if err != nil {
		bd.t.Fatal(err)
	}
	post, err := phase0transition.StateTransition(bd.cfg, pre, sb, false, true)
	if err != nil {
		bd.t.Fatal(err)
	}
	sb.Message.Body.Graffiti[0] = 1 // sign a different message, then restore it
	if err := testchain.Resign(pre, sb); err != nil {
		bd.t.Fatal(err)
	}
	sb.Message.Body.Graffiti[0] = 0
	return bd.add(sb, false, post)
}

func (bd *builder) maxSlot() uint64 {
	m := uint64(0)
	for _, b := range bd.blocks {
		m = max(m, b.slot)
	}
	return m
}

// sequential is the reference: every block imported one by one in
// generation order (parents first) with the plain state transition.
func (bd *builder) sequential() map[Root]BlockState {
	out := map[Root]BlockState{}
	states := map[Root]*phase0.BeaconState{bd.gRoot: bd.genesis}
	for _, b := range bd.blocks {
		pre, ok := states[b.parent]
		if !ok {
			out[b.root] = Invalid
			continue
		}
		sb := new(phase0.SignedBeaconBlock)
		if err := sb.UnmarshalSSZ(b.ssz); err != nil {
			bd.t.Fatal(err)
		}
		post, err := phase0transition.StateTransition(bd.cfg, pre, sb, true, true)
		if err != nil {
			out[b.root] = Invalid
			continue
		}
		states[b.root] = post
		out[b.root] = Included
	}
	return out
}

// recorder collects the events.
type recorder struct {
	mu       sync.Mutex
	final    map[Root]BlockState
	rules    map[Root]string
	imported []Root
	heads    []Root
	finals   []Checkpoint
	states   map[Root][]BlockState
	dupFinal int
}

func newRecorder() *recorder {
	return &recorder{final: map[Root]BlockState{}, rules: map[Root]string{}, states: map[Root][]BlockState{}}
}

func (r *recorder) Event(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e.Kind {
	case EventBlockState:
		r.states[e.Root] = append(r.states[e.Root], e.State)
		if e.State == Included || e.State == Invalid || e.State == Dropped {
			if _, ok := r.final[e.Root]; ok {
				r.dupFinal++
			}
			r.final[e.Root] = e.State
			r.rules[e.Root] = e.Rule
		}
	case EventBlockImported:
		r.imported = append(r.imported, e.Root)
	case EventHeadChanged:
		r.heads = append(r.heads, e.Root)
	case EventFinalized:
		r.finals = append(r.finals, e.Checkpoint)
	}
}

func (r *recorder) snapshot() map[Root]BlockState {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[Root]BlockState{}
	for k, v := range r.final {
		out[k] = v
	}
	return out
}

// memFetcher is an in-memory Fetcher (the network one comes from the
// req/resp layer). Peers listed in fail return an error; peers in wrong
// serve a wrong block.
type memFetcher struct {
	mu     sync.Mutex
	blocks map[Root][]byte
	bySlot map[uint64][][]byte
	delay  time.Duration
	fail   map[string]bool
	wrong  map[string]bool
	calls  map[Root]int
	byPeer map[string]int
}

func newMemFetcher(bd *builder) *memFetcher {
	f := &memFetcher{blocks: map[Root][]byte{}, bySlot: map[uint64][][]byte{}, fail: map[string]bool{}, wrong: map[string]bool{},
		calls: map[Root]int{}, byPeer: map[string]int{}}
	for _, b := range bd.blocks {
		f.blocks[b.root] = b.ssz
		f.bySlot[b.slot] = append(f.bySlot[b.slot], b.ssz)
	}
	return f
}

func (f *memFetcher) BlocksByRoot(ctx context.Context, peer string, roots []Root) ([][]byte, error) {
	f.mu.Lock()
	for _, r := range roots {
		f.calls[r]++
	}
	f.byPeer[peer]++
	fail, wrong, delay := f.fail[peer], f.wrong[peer], f.delay
	f.mu.Unlock()
	select {
	case <-time.After(delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if fail {
		return nil, errors.New("peer unavailable")
	}
	var out [][]byte
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range roots {
		if wrong {
			for other, b := range f.blocks {
				if other != r {
					out = append(out, b)
					break
				}
			}
			continue
		}
		if b, ok := f.blocks[r]; ok {
			out = append(out, b)
		}
	}
	return out, nil
}

func (f *memFetcher) BlocksByRange(ctx context.Context, peer string, start, count uint64) ([][]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[peer] {
		return nil, errors.New("peer unavailable")
	}
	var out [][]byte
	for s := start; s < start+count; s++ {
		out = append(out, f.bySlot[s]...)
	}
	return out, nil
}

// newTestPipeline opens a store in dir anchored at the builder's genesis
// and starts a pipeline whose clock is past the builder's last slot.
func newTestPipeline(t testing.TB, bd *builder, dir string, f Fetcher, ev Events, mod func(*Config)) *Pipeline {
	t.Helper()
	st, err := store.Open(dir, testStoreOpts)
	if err != nil {
		t.Fatal(err)
	}
	tr := Phase0{Cfg: bd.cfg}
	if err := Init(st, tr, Phase0State(bd.genesis)); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(int64(bd.genesis.GenesisTime+(bd.maxSlot()+1)*testSecondsPerSlot), 0)
	cfg := Config{GenesisTime: bd.genesis.GenesisTime, SecondsPerSlot: testSecondsPerSlot, Now: func() time.Time { return now }}
	if mod != nil {
		mod(&cfg)
	}
	p, err := Start(cfg, st, tr, f, ev)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func idle(t testing.TB, p *Pipeline) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if err := p.Idle(ctx); err != nil {
		t.Fatalf("pipeline not idle: %+v", p.Stats())
	}
}

func sortedRoots(m map[Root]BlockState) []Root {
	var out []Root
	for r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i][:]) < string(out[j][:]) })
	return out
}
