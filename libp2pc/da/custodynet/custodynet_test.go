package custodynet

import (
	"crypto/rand"
	"errors"
	"net"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/discovery"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
)

func newPeer(t *testing.T) (peer.ID, enode.ID) {
	t.Helper()
	sk, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	// The node id discv5 gives the same key's record.
	ek, err := discovery.ECDSAKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	return id, enode.NewV4(&ek.PublicKey, net.IPv4(127, 0, 0, 1), 9000, 9000).ID()
}

func TestNodeIDOfPeerIsTheENRNodeID(t *testing.T) {
	for range 4 {
		pid, want := newPeer(t)
		got, err := NodeIDOfPeer(pid)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("node id %x, the ENR's is %x", got, want)
		}
	}
	ed, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edID, _ := peer.IDFromPrivateKey(ed)
	if _, err := NodeIDOfPeer(edID); err == nil {
		t.Fatal("an ed25519 peer has no discv5 node id")
	}
}

func TestLocalCustody(t *testing.T) {
	_, id := newPeer(t)
	p := custody.Mainnet
	l, err := NewLocal(p, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if l.CustodyGroupCount() != p.CustodyRequirement || l.Supernode() {
		t.Fatalf("default count %d (supernode %v), want CUSTODY_REQUIREMENT", l.CustodyGroupCount(), l.Supernode())
	}
	wantCols, _ := p.CustodyColumns(id, p.CustodyRequirement)
	wantSampling, _ := p.SamplingColumns(id, p.CustodyRequirement)
	if !slices.Equal(l.Columns(), wantCols) || !slices.Equal(l.SamplingColumns(), wantSampling) {
		t.Fatalf("columns %v sampling %v, want %v and %v", l.Columns(), l.SamplingColumns(), wantCols, wantSampling)
	}
	if len(l.SamplingColumns()) != int(p.SamplesPerSlot) || len(l.Columns()) != int(p.CustodyRequirement) {
		t.Fatalf("%d sampling, %d custody columns", len(l.SamplingColumns()), len(l.Columns()))
	}
	if !slices.Equal(l.Subnets(), p.ColumnSubnets(wantSampling)) || !slices.Equal(l.CustodySubnets(), p.ColumnSubnets(wantCols)) {
		t.Fatal("subnets are not those of the columns")
	}
	for c := range uint64(128) {
		if l.Custodies(c) != slices.Contains(wantCols, c) {
			t.Fatalf("Custodies(%d) wrong", c)
		}
	}
	super, err := NewLocal(p, id, 128)
	if err != nil {
		t.Fatal(err)
	}
	if !super.Supernode() || len(super.Columns()) != 128 || len(super.Subnets()) != 128 {
		t.Fatalf("supernode: %d columns, %d subnets", len(super.Columns()), len(super.Subnets()))
	}
	for _, bad := range []uint64{p.CustodyRequirement - 1, 129} {
		if _, err := NewLocal(p, id, bad); err == nil {
			t.Fatalf("custody group count %d accepted", bad)
		}
	}
}

// validator.md: the count may rise (the custody of the lower count is kept:
// get_custody_groups is prefix-stable), never fall.
func TestRaiseOnly(t *testing.T) {
	_, id := newPeer(t)
	l, err := NewLocal(custody.Mainnet, id, 8)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Raise(4); !errors.Is(err, ErrCustodyDecrease) {
		t.Fatalf("lowering to 4: %v", err)
	}
	hi, err := l.Raise(32)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range l.Groups() {
		if !slices.Contains(hi.Groups(), g) {
			t.Fatalf("group %d lost when raising 8 -> 32", g)
		}
	}
	md := hi.Metadata(reqrespnet.Metadata{SeqNumber: 5, CustodyGroupCount: 8, Syncnets: 3})
	if md.CustodyGroupCount != 32 || md.SeqNumber != 6 || md.Syncnets != 3 {
		t.Fatalf("metadata %+v", md)
	}
	if same := hi.Metadata(md); same != md {
		t.Fatalf("unchanged count bumped the metadata: %+v", same)
	}
}

func TestPeersForColumn(t *testing.T) {
	p := custody.Mainnet
	ps := NewPeers(p, 0)
	type info struct {
		node enode.ID
		cgc  uint64
	}
	peers := map[peer.ID]info{}
	for i := range 12 {
		pid, node := newPeer(t)
		cgc := []uint64{4, 8, 16, 128}[i%4]
		if err := ps.SetFromENR(pid, 1, true, cgc); err != nil {
			t.Fatal(err)
		}
		peers[pid] = info{node, cgc}
	}
	for c := range uint64(128) {
		got := ps.PeersForColumn(c)
		var want []peer.ID
		for pid, in := range peers {
			cols, _ := p.CustodyColumns(in.node, in.cgc)
			if slices.Contains(cols, c) {
				want = append(want, pid)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("column %d: %d peers, want %d", c, len(got), len(want))
		}
		for _, pid := range want {
			if !slices.Contains(got, pid) {
				t.Fatalf("column %d: custodian %s missing", c, pid)
			}
		}
		for i := 1; i < len(got); i++ {
			if peers[got[i-1]].cgc < peers[got[i]].cgc {
				t.Fatalf("column %d: peers not ordered by custody group count", c)
			}
		}
	}
	if un := ps.Uncovered([]uint64{0, 64, 127}); len(un) != 0 {
		t.Fatalf("supernodes cover everything, uncovered %v", un)
	}
}

func TestMetadataOverridesENR(t *testing.T) {
	ps := NewPeers(custody.Mainnet, 2)
	pid, node := newPeer(t)
	if err := ps.SetFromENR(pid, 3, false, 0); err != nil {
		t.Fatal(err)
	}
	if cgc, src, _ := ps.CustodyGroupCount(pid); cgc != 4 || src != FromENR {
		t.Fatalf("record without cgc: %d from %v, want CUSTODY_REQUIREMENT", cgc, src)
	}
	if err := ps.SetFromMetadata(pid, reqrespnet.Metadata{SeqNumber: 1, CustodyGroupCount: 64}); err != nil {
		t.Fatal(err)
	}
	if err := ps.SetFromENR(pid, 9, true, 16); err != nil {
		t.Fatal(err)
	}
	cgc, src, _ := ps.CustodyGroupCount(pid)
	if cgc != 64 || src != FromMetadata {
		t.Fatalf("%d from %v, want the metadata's 64", cgc, src)
	}
	want, _ := custody.Mainnet.CustodyColumns(node, 64)
	if got, _ := ps.Columns(pid); !slices.Equal(got, want) {
		t.Fatal("columns are not those of the metadata's count")
	}
	// An older metadata answer does not roll it back.
	_ = ps.SetFromMetadata(pid, reqrespnet.Metadata{SeqNumber: 0, CustodyGroupCount: 4})
	if cgc, _, _ := ps.CustodyGroupCount(pid); cgc != 64 {
		t.Fatalf("stale metadata applied: %d", cgc)
	}
	if err := ps.SetFromMetadata(pid, reqrespnet.Metadata{SeqNumber: 2, CustodyGroupCount: 200}); err == nil {
		t.Fatal("cgc 200 accepted")
	}
	// Bounded.
	p2, _ := newPeer(t)
	p3, _ := newPeer(t)
	if err := ps.SetFromENR(p2, 1, true, 4); err != nil {
		t.Fatal(err)
	}
	if err := ps.SetFromENR(p3, 1, true, 4); !errors.Is(err, ErrTooManyPeers) || ps.Refused() != 1 {
		t.Fatalf("third peer in a table of 2: %v (refused %d)", err, ps.Refused())
	}
	ps.Remove(p2)
	if err := ps.SetFromENR(p3, 1, true, 4); err != nil || ps.Len() != 2 {
		t.Fatalf("after a removal: %v, %d peers", err, ps.Len())
	}
}
