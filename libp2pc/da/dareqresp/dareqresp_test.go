package dareqresp

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/da/dafixture"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
)

func TestRequestCodecs(t *testing.T) {
	r := Range{StartSlot: 77, Count: 5, Columns: []uint64{3, 0, 127}}
	got, err := DecodeColumnRange(EncodeColumnRange(r))
	if err != nil || got.StartSlot != 77 || got.Count != 5 || !slices.Equal(got.Columns, r.Columns) {
		t.Fatalf("column range: %+v %v", got, err)
	}
	if b, err := DecodeBlobRange(EncodeBlobRange(r)); err != nil || b.StartSlot != 77 || b.Count != 5 {
		t.Fatalf("blob range: %+v %v", b, err)
	}
	ids := []BlobIdentifier{{BlockRoot: [32]byte{1}, Index: 2}, {BlockRoot: [32]byte{3}, Index: 8}}
	if back, err := DecodeBlobIdentifiers(EncodeBlobIdentifiers(ids)); err != nil || !slices.Equal(back, ids) {
		t.Fatalf("blob ids: %v %v", back, err)
	}
	cbr := []ColumnsByRoot{{BlockRoot: [32]byte{9}, Columns: []uint64{1, 2}}, {BlockRoot: [32]byte{8}}, {BlockRoot: [32]byte{7}, Columns: []uint64{127}}}
	back, err := DecodeColumnsByRoot(EncodeColumnsByRoot(cbr))
	if err != nil || len(back) != 3 || back[0].BlockRoot != cbr[0].BlockRoot || !slices.Equal(back[0].Columns, cbr[0].Columns) ||
		len(back[1].Columns) != 0 || !slices.Equal(back[2].Columns, cbr[2].Columns) {
		t.Fatalf("columns by root: %+v %v", back, err)
	}
	bad := map[string][]byte{
		"column 128":           EncodeColumnRange(Range{Count: 1, Columns: []uint64{128}}),
		"repeated column":      EncodeColumnRange(Range{Count: 1, Columns: []uint64{4, 4}}),
		"bad columns offset":   append(EncodeBlobRange(Range{}), 0, 0, 0, 0),
		"129 columns":          EncodeColumnRange(Range{Count: 1, Columns: seq(129)}),
		"blob ids not x40":     make([]byte, 41),
		"too many blob ids":    make([]byte, 40*(MaxRequestBlobSidecars+1)),
		"by root, bad offsets": {8, 0, 0, 0, 4, 0, 0, 0},
		"by root, 129 roots":   EncodeColumnsByRoot(make([]ColumnsByRoot, MaxRequestBlocksDeneb+1)),
	}
	for name, b := range bad {
		var err error
		switch name {
		case "blob ids not x40", "too many blob ids":
			_, err = DecodeBlobIdentifiers(b)
		case "by root, bad offsets", "by root, 129 roots":
			_, err = DecodeColumnsByRoot(b)
		default:
			_, err = DecodeColumnRange(b)
		}
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func seq(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i % 128)
	}
	return out
}

// memSource is an in-memory sidecar store.
type memSource struct {
	mu       sync.Mutex
	blobs    map[[32]byte]map[uint64][]byte
	columns  map[[32]byte]map[uint64][]byte
	slots    map[uint64][32]byte // canonical block per slot
	earliest uint64
}

func newMemSource() *memSource {
	return &memSource{blobs: map[[32]byte]map[uint64][]byte{}, columns: map[[32]byte]map[uint64][]byte{}, slots: map[uint64][32]byte{}}
}

func (m *memSource) addColumns(t *testing.T, scs []*fulu.DataColumnSidecar, keep []uint64) [32]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	root, _ := scs[0].SignedBlockHeader.Message.HashTreeRoot()
	m.slots[scs[0].SignedBlockHeader.Message.Slot] = root
	if m.columns[root] == nil {
		m.columns[root] = map[uint64][]byte{}
	}
	for _, c := range keep {
		ssz, err := scs[c].MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		m.columns[root][c] = ssz
	}
	return root
}

func (m *memSource) addBlobs(t *testing.T, scs []*deneb.BlobSidecar) [32]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	root, _ := scs[0].SignedBlockHeader.Message.HashTreeRoot()
	m.slots[scs[0].SignedBlockHeader.Message.Slot] = root
	m.blobs[root] = map[uint64][]byte{}
	for _, sc := range scs {
		ssz, err := sc.MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		m.blobs[root][sc.Index] = ssz
	}
	return root
}

func pick(set map[uint64][]byte, indices []uint64) [][]byte {
	var out [][]byte
	sorted := slices.Clone(indices)
	slices.Sort(sorted)
	for _, i := range sorted {
		if b, ok := set[i]; ok {
			out = append(out, b)
		}
	}
	return out
}

func (m *memSource) BlobSidecars(root [32]byte, indices []uint64) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return pick(m.blobs[root], indices), nil
}

func (m *memSource) DataColumnSidecars(root [32]byte, columns []uint64) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return pick(m.columns[root], columns), nil
}

func (m *memSource) byRange(start, count uint64, from map[[32]byte]map[uint64][]byte, indices func(map[uint64][]byte) []uint64) [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	var slots []uint64
	for s := range m.slots {
		if s >= start && s < start+count {
			slots = append(slots, s)
		}
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i] < slots[j] })
	var out [][]byte
	for _, s := range slots {
		set := from[m.slots[s]]
		out = append(out, pick(set, indices(set))...)
	}
	return out
}

func (m *memSource) BlobSidecarsByRange(start, count uint64) ([][]byte, error) {
	return m.byRange(start, count, m.blobs, func(set map[uint64][]byte) []uint64 {
		var all []uint64
		for i := range set {
			all = append(all, i)
		}
		return all
	}), nil
}

func (m *memSource) DataColumnSidecarsByRange(start, count uint64, columns []uint64) ([][]byte, error) {
	return m.byRange(start, count, m.columns, func(map[uint64][]byte) []uint64 { return columns }), nil
}

func (m *memSource) EarliestSidecarSlot() uint64 { return m.earliest }

// digestAt: a distinct digest per epoch, so that a wrong slot shows.
func digestAt(slot uint64) [4]byte {
	e := slot / config.SlotsPerEpoch
	return [4]byte{0xda, byte(e), byte(e >> 8), 0x15}
}

type nopSink struct{}

func (nopSink) Chunk(context.Context, uint64, reqresp.Protocol, reqresp.Chunk) error { return nil }
func (nopSink) Done(uint64, error, int)                                              {}
func (nopSink) Incoming(*reqrespnet.IncomingRequest) bool                            { return false }
func (nopSink) PeerStatus(peer.ID, reqresp.Protocol, []byte, error)                  {}
func (nopSink) Goodbye(peer.ID, uint64)                                              {}

type netNode struct {
	h   host.Host
	svc *reqrespnet.Service
	src *memSource
	srv *Server
}

func newNetNode(t *testing.T, digest func(uint64) [4]byte) *netNode {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), libp2p.DisableRelay())
	if err != nil {
		t.Fatal(err)
	}
	n := &netNode{h: h, svc: reqrespnet.New(h, reqrespnet.Config{}, nopSink{}), src: newMemSource()}
	n.srv, err = NewServer(ServerConfig{Source: n.src, DigestAtSlot: digest, ServeFromSlot: func() uint64 { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.srv.Serve(n.svc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.svc.Close(); h.Close() })
	return n
}

func connect(t *testing.T, a, b *netNode) {
	t.Helper()
	if err := a.h.Connect(context.Background(), peer.AddrInfo{ID: b.h.ID(), Addrs: b.h.Addrs()}); err != nil {
		t.Fatal(err)
	}
}

type fixture struct {
	ctx     *kzg.Context
	columns []*fulu.DataColumnSidecar
	blobs   []*deneb.BlobSidecar
	slot    uint64
}

var (
	fixOnce sync.Once
	fix     fixture
)

func loadFixture(t *testing.T) fixture {
	fixOnce.Do(func() {
		ctx, err := kzg.Default()
		if err != nil {
			t.Fatal(err)
		}
		fix.ctx = ctx
		fix.slot = dafixture.FuluEpoch*config.SlotsPerEpoch + 1
		fix.columns = dafixture.Columns(t, ctx, dafixture.BlockSpec{Slot: fix.slot, Proposer: 2, Parent: [32]byte{5}, Blobs: 1, Seed: 3})
		fix.blobs = dafixture.Blobs(t, ctx, dafixture.BlockSpec{Slot: 3, Proposer: 1, Parent: [32]byte{4}, Blobs: 2, Seed: 3})
	})
	if fix.ctx == nil {
		t.Fatal("fixture failed")
	}
	return fix
}

func TestSidecarSlotOffsets(t *testing.T) {
	f := loadFixture(t)
	col, _ := f.columns[9].MarshalSSZ()
	blob, _ := f.blobs[1].MarshalSSZ()
	if s, err := DataColumnSidecarSlot(col); err != nil || s != f.slot {
		t.Fatalf("column slot %d %v, want %d", s, err, f.slot)
	}
	if s, err := BlobSidecarSlot(blob); err != nil || s != 3 {
		t.Fatalf("blob slot %d %v, want 3", s, err)
	}
}

// Columns are fetched by root from the peers that custody them: the first
// choice (custodying most) has only some of them and the fetcher goes on to
// the next for the rest; a peer answering with the wrong context bytes is
// reported and its sidecars dropped.
func TestFetchColumnsWithRetries(t *testing.T) {
	f := loadFixture(t)
	client := newNetNode(t, digestAt)
	// Custody claims: liar 0..7 (answers under wrong digests), partial
	// 0..5 (has 0..3), full 4..7. The fetcher asks the one covering most
	// of what is missing: liar, then partial, then full.
	partial := newNetNode(t, digestAt)
	full := newNetNode(t, digestAt)
	liar := newNetNode(t, func(uint64) [4]byte { return [4]byte{1, 2, 3, 4} })
	for _, n := range []*netNode{partial, full, liar} {
		connect(t, client, n)
	}
	root := partial.src.addColumns(t, f.columns, []uint64{0, 1, 2, 3})
	full.src.addColumns(t, f.columns, []uint64{0, 1, 2, 3, 4, 5, 6, 7})
	liar.src.addColumns(t, f.columns, []uint64{0, 1, 2, 3, 4, 5, 6, 7})
	custodians := func(c uint64) []peer.ID {
		ids := []peer.ID{liar.h.ID()}
		if c <= 5 {
			ids = append(ids, partial.h.ID())
		}
		if c >= 4 && c <= 7 {
			ids = append(ids, full.h.ID())
		}
		return ids
	}
	var mu sync.Mutex
	var bad []peer.ID
	fe, err := NewFetcher(FetcherConfig{Net: client.svc, ColumnPeers: custodians, DigestAtSlot: digestAt,
		RequestTimeout: 5 * time.Second, OnBadPeer: func(p peer.ID, why string) {
			mu.Lock()
			bad = append(bad, p)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	want := []uint64{0, 1, 2, 3, 4, 5, 6, 7}
	got, err := fe.FetchDataColumnSidecars(ctx, root, f.slot, want)
	if err != nil {
		t.Fatalf("fetch: %v (stats %+v)", err, fe.Stats())
	}
	var idx []uint64
	for _, sc := range got {
		idx = append(idx, sc.Index)
		if r, _ := sc.SignedBlockHeader.Message.HashTreeRoot(); r != root {
			t.Fatal("a sidecar of another block")
		}
	}
	if !slices.Equal(idx, want) {
		t.Fatalf("got columns %v", idx)
	}
	mu.Lock()
	liars := slices.Clone(bad)
	mu.Unlock()
	if len(liars) != 1 || liars[0] != liar.h.ID() {
		t.Fatalf("bad peers %v, want the liar", liars)
	}
	if st := fe.Stats(); st.Requests != 3 || st.Received != 8 {
		t.Fatalf("stats %+v, want 3 requests (liar, partial, full) and 8 sidecars", st)
	}
	// Nobody has column 9: incomplete, with what was got.
	got, err = fe.FetchDataColumnSidecars(ctx, root, f.slot, []uint64{2, 9})
	if !errors.Is(err, ErrIncomplete) || len(got) != 1 || got[0].Index != 2 {
		t.Fatalf("column 9: %v, %d sidecars", err, len(got))
	}
}

func TestFetchBlobs(t *testing.T) {
	f := loadFixture(t)
	client := newNetNode(t, digestAt)
	empty := newNetNode(t, digestAt)
	server := newNetNode(t, digestAt)
	connect(t, client, empty)
	connect(t, client, server)
	root := server.src.addBlobs(t, f.blobs)
	fe, err := NewFetcher(FetcherConfig{Net: client.svc, DigestAtSlot: digestAt,
		BlobPeers: func() []peer.ID { return []peer.ID{empty.h.ID(), server.h.ID()} }})
	if err != nil {
		t.Fatal(err)
	}
	got, err := fe.FetchBlobSidecars(context.Background(), root, 3, []uint64{0, 1})
	if err != nil || len(got) != 2 || got[0].Index != 0 || got[1].Index != 1 {
		t.Fatalf("blobs: %v, %d", err, len(got))
	}
}

// by_range: (slot, index) order, each chunk under its slot's digest;
// a count above MAX_REQUEST_BLOCKS_DENEB is InvalidRequest; a start the
// node must serve but no longer keeps is ResourceUnavailable.
func TestServeByRange(t *testing.T) {
	f := loadFixture(t)
	client := newNetNode(t, digestAt)
	server := newNetNode(t, digestAt)
	connect(t, client, server)
	server.src.addColumns(t, f.columns, []uint64{5, 6, 7})
	server.src.addBlobs(t, f.blobs)
	type chunk struct {
		code  reqresp.ResponseCode
		ctx   [4]byte
		index uint64
		slot  uint64
	}
	ask := func(p reqresp.Protocol, body []byte) []chunk {
		var out []chunk
		_, err := client.svc.RequestFunc(context.Background(), server.h.ID(), p, body, 5*time.Second, func(c reqresp.Chunk) {
			ch := chunk{code: c.Code, ctx: [4]byte(c.Context)}
			if c.Code == reqresp.Success {
				if p.Name == reqresp.BlobSidecarsByRangeMethod {
					sc := new(deneb.BlobSidecar)
					if err := sc.UnmarshalSSZ(c.Payload); err != nil {
						t.Error(err)
						return
					}
					ch.index, ch.slot = sc.Index, sc.SignedBlockHeader.Message.Slot
				} else {
					sc := new(fulu.DataColumnSidecar)
					if err := sc.UnmarshalSSZ(c.Payload); err != nil {
						t.Error(err)
						return
					}
					ch.index, ch.slot = sc.Index, sc.SignedBlockHeader.Message.Slot
				}
			}
			out = append(out, ch)
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	cols := ask(reqresp.DataColumnSidecarsByRangeV1, EncodeColumnRange(Range{StartSlot: f.slot - 1, Count: 2, Columns: []uint64{7, 5, 100}}))
	if len(cols) != 2 || cols[0].index != 5 || cols[1].index != 7 {
		t.Fatalf("columns by range: %+v", cols)
	}
	for _, c := range cols {
		if c.ctx != digestAt(c.slot) || c.slot != f.slot {
			t.Fatalf("chunk %+v: context is not the digest of its slot", c)
		}
	}
	blobs := ask(reqresp.BlobSidecarsByRangeV1, EncodeBlobRange(Range{StartSlot: 0, Count: 10}))
	if len(blobs) != 2 || blobs[0].index != 0 || blobs[1].index != 1 || blobs[0].ctx != digestAt(3) {
		t.Fatalf("blobs by range: %+v", blobs)
	}
	if got := ask(reqresp.BlobSidecarsByRangeV1, EncodeBlobRange(Range{StartSlot: 0, Count: 129})); len(got) != 1 || got[0].code != reqresp.InvalidRequest {
		t.Fatalf("count 129: %+v", got)
	}
	server.src.mu.Lock()
	server.src.earliest = 100
	server.src.mu.Unlock()
	if got := ask(reqresp.DataColumnSidecarsByRangeV1, EncodeColumnRange(Range{StartSlot: 50, Count: 4, Columns: []uint64{5}})); len(got) != 1 || got[0].code != reqresp.ResourceUnavailable {
		t.Fatalf("pruned range: %+v", got)
	}
	if st := server.srv.Stats(); st.Served != 4 || st.Invalid != 1 || st.Unavailable != 1 {
		t.Fatalf("server stats %+v", st)
	}
}
