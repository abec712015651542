// Package custodynet is PeerDAS custody on the network (fulu
// das-core.md, p2p-interface.md, validator.md): the node's own custody
// (groups, columns, sampling columns and the data column subnets it
// subscribes to, from its node id and custody group count), the `cgc`
// value its ENR and MetaData v3 must both carry, and what connected peers
// custody, read from their ENR or MetaData, so that a missing column is
// asked of a peer that keeps it.
package custodynet

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	gcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
)

// Local is the node's own custody for one custody group count. Immutable;
// Raise gives the Local of a higher count.
type Local struct {
	params   custody.Params
	nodeID   custody.NodeID
	cgc      uint64
	groups   []uint64
	columns  []uint64
	sampling []uint64
	subnets  []uint64
}

// NewLocal computes the custody of node id with custody group count cgc:
// 0 means CUSTODY_REQUIREMENT; below it or above NUMBER_OF_CUSTODY_GROUPS
// (the supernode's count) is an error.
func NewLocal(p custody.Params, id custody.NodeID, cgc uint64) (*Local, error) {
	if p == (custody.Params{}) {
		p = custody.Mainnet
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if cgc == 0 {
		cgc = p.CustodyRequirement
	}
	if cgc < p.CustodyRequirement || cgc > p.NumberOfCustodyGroups {
		return nil, fmt.Errorf("custodynet: custody group count %d outside [CUSTODY_REQUIREMENT %d, NUMBER_OF_CUSTODY_GROUPS %d]", cgc, p.CustodyRequirement, p.NumberOfCustodyGroups)
	}
	groups, err := p.GetCustodyGroups(id, cgc)
	if err != nil {
		return nil, err
	}
	columns, err := p.ColumnsOfGroups(groups)
	if err != nil {
		return nil, err
	}
	sampling, err := p.SamplingColumns(id, cgc)
	if err != nil {
		return nil, err
	}
	return &Local{params: p, nodeID: id, cgc: cgc, groups: groups, columns: columns, sampling: sampling,
		subnets: p.ColumnSubnets(columns)}, nil
}

// ErrCustodyDecrease: validator.md lets a node raise its custody group
// count, never lower it while running (peers rely on what it advertised).
var ErrCustodyDecrease = errors.New("custodynet: the custody group count may only increase")

// Raise returns the Local for a higher custody group count (the same Local
// when cgc equals the current count).
func (l *Local) Raise(cgc uint64) (*Local, error) {
	if cgc < l.cgc {
		return nil, fmt.Errorf("%w (from %d to %d)", ErrCustodyDecrease, l.cgc, cgc)
	}
	if cgc == l.cgc {
		return l, nil
	}
	return NewLocal(l.params, l.nodeID, cgc)
}

// CustodyGroupCount is the `cgc` value to advertise.
func (l *Local) CustodyGroupCount() uint64 { return l.cgc }

// Supernode reports whether the node custodies every group.
func (l *Local) Supernode() bool { return l.cgc == l.params.NumberOfCustodyGroups }

// Groups are the custody groups (sorted).
func (l *Local) Groups() []uint64 { return slices.Clone(l.groups) }

// Columns are the custody columns (sorted): the columns the node stores
// and serves.
func (l *Local) Columns() []uint64 { return slices.Clone(l.columns) }

// SamplingColumns are the columns a block waits for before it is
// available: those of max(SAMPLES_PER_SLOT, cgc) groups.
func (l *Local) SamplingColumns() []uint64 { return slices.Clone(l.sampling) }

// Subnets are the data column subnets (sorted) the node subscribes to:
// those of its sampling columns, which include its custody columns (a
// node sampling more than it custodies gets the extra columns by gossip).
func (l *Local) Subnets() []uint64 { return l.params.ColumnSubnets(l.sampling) }

// CustodySubnets are the subnets of the custody columns only.
func (l *Local) CustodySubnets() []uint64 { return slices.Clone(l.subnets) }

// Custodies reports whether the node keeps column.
func (l *Local) Custodies(column uint64) bool {
	_, ok := slices.BinarySearch(l.columns, column)
	return ok
}

// Metadata returns md with this custody group count, and the sequence
// number bumped when the count changed: the MetaData v3 that goes with an
// ENR carrying the same `cgc`.
func (l *Local) Metadata(md reqrespnet.Metadata) reqrespnet.Metadata {
	if md.CustodyGroupCount != l.cgc {
		md.CustodyGroupCount = l.cgc
		md.SeqNumber++
	}
	return md
}

// NodeIDOfPeer is the discv5 node id of a libp2p peer: keccak256 of its
// uncompressed secp256k1 public key (the "v4" identity scheme), the id
// get_custody_groups reads.
func NodeIDOfPeer(id peer.ID) (enode.ID, error) {
	pk, err := id.ExtractPublicKey()
	if err != nil {
		return enode.ID{}, fmt.Errorf("custodynet: peer %s: %w", id, err)
	}
	sk, ok := pk.(*crypto.Secp256k1PublicKey)
	if !ok {
		return enode.ID{}, fmt.Errorf("custodynet: peer %s has a %T key, need secp256k1", id, pk)
	}
	raw, err := sk.Raw()
	if err != nil {
		return enode.ID{}, err
	}
	pub, err := gcrypto.DecompressPubkey(raw)
	if err != nil {
		return enode.ID{}, fmt.Errorf("custodynet: peer %s: %w", id, err)
	}
	return enode.PubkeyToIDV4(pub), nil
}

// Source says where a peer's custody group count came from.
type Source int

const (
	FromENR      Source = iota + 1 // its discv5 record's `cgc` (CUSTODY_REQUIREMENT when absent)
	FromMetadata                   // its MetaData v3 answer
)

type peerCustody struct {
	nodeID  enode.ID
	cgc     uint64
	source  Source
	seq     uint64   // ENR seq or metadata seq_number the count came with
	columns []uint64 // sorted
}

// Peers tracks the custody of connected peers. Metadata, when a peer
// answered one, overrides its ENR (it is what the peer says now); a newer
// sequence number of the same source replaces an older one. Bounded: past
// MaxPeers the update is refused and counted. Safe for concurrent use.
type Peers struct {
	params   custody.Params
	maxPeers int

	mu      sync.Mutex
	peers   map[peer.ID]*peerCustody
	refused uint64
}

// NewPeers tracks up to maxPeers peers (1024 when <= 0).
func NewPeers(p custody.Params, maxPeers int) *Peers {
	if p == (custody.Params{}) {
		p = custody.Mainnet
	}
	if maxPeers <= 0 {
		maxPeers = 1024
	}
	return &Peers{params: p, maxPeers: maxPeers, peers: map[peer.ID]*peerCustody{}}
}

// ErrTooManyPeers: the table is full.
var ErrTooManyPeers = errors.New("custodynet: peer custody table full")

// SetFromENR records what a peer's ENR says: hasCGC false means the record
// has no `cgc` entry (CUSTODY_REQUIREMENT). Ignored when the peer's count
// came from its metadata.
func (ps *Peers) SetFromENR(id peer.ID, seq uint64, hasCGC bool, cgc uint64) error {
	if !hasCGC {
		cgc = ps.params.CustodyRequirement
	}
	return ps.set(id, FromENR, seq, cgc)
}

// SetFromMetadata records a peer's MetaData v3 answer.
func (ps *Peers) SetFromMetadata(id peer.ID, md reqrespnet.Metadata) error {
	return ps.set(id, FromMetadata, md.SeqNumber, md.CustodyGroupCount)
}

func (ps *Peers) set(id peer.ID, src Source, seq, cgc uint64) error {
	if cgc < ps.params.CustodyRequirement || cgc > ps.params.NumberOfCustodyGroups {
		return fmt.Errorf("custodynet: peer %s advertises custody group count %d outside [%d, %d]", id, cgc, ps.params.CustodyRequirement, ps.params.NumberOfCustodyGroups)
	}
	ps.mu.Lock()
	old := ps.peers[id]
	ps.mu.Unlock()
	if old != nil && (old.source > src || (old.source == src && old.seq > seq)) {
		return nil // newer or more authoritative knowledge already
	}
	var nodeID enode.ID
	if old != nil {
		nodeID = old.nodeID
	} else {
		var err error
		if nodeID, err = NodeIDOfPeer(id); err != nil {
			return err
		}
	}
	var columns []uint64
	if old != nil && old.cgc == cgc {
		columns = old.columns
	} else {
		var err error
		if columns, err = ps.params.CustodyColumns(nodeID, cgc); err != nil {
			return err
		}
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if _, known := ps.peers[id]; !known && len(ps.peers) >= ps.maxPeers {
		ps.refused++
		return ErrTooManyPeers
	}
	ps.peers[id] = &peerCustody{nodeID: nodeID, cgc: cgc, source: src, seq: seq, columns: columns}
	return nil
}

// List lists the tracked peers.
func (ps *Peers) List() []peer.ID {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make([]peer.ID, 0, len(ps.peers))
	for id := range ps.peers {
		out = append(out, id)
	}
	return out
}

// Remove forgets a peer (disconnected).
func (ps *Peers) Remove(id peer.ID) {
	ps.mu.Lock()
	delete(ps.peers, id)
	ps.mu.Unlock()
}

// CustodyGroupCount is what a tracked peer advertises, and where from.
func (ps *Peers) CustodyGroupCount(id peer.ID) (uint64, Source, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.peers[id]
	if p == nil {
		return 0, 0, false
	}
	return p.cgc, p.source, true
}

// Columns are the columns a tracked peer custodies (sorted).
func (ps *Peers) Columns(id peer.ID) ([]uint64, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.peers[id]
	if p == nil {
		return nil, false
	}
	return slices.Clone(p.columns), true
}

// Custodies reports whether a tracked peer keeps column.
func (ps *Peers) Custodies(id peer.ID, column uint64) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.peers[id]
	if p == nil {
		return false
	}
	_, ok := slices.BinarySearch(p.columns, column)
	return ok
}

// PeersForColumn lists the tracked peers that custody column, those with
// the highest custody group count first (supernodes hold everything a
// retry could want), then by peer id.
func (ps *Peers) PeersForColumn(column uint64) []peer.ID {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	type cand struct {
		id  peer.ID
		cgc uint64
	}
	var out []cand
	for id, p := range ps.peers {
		if _, ok := slices.BinarySearch(p.columns, column); ok {
			out = append(out, cand{id, p.cgc})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].cgc != out[j].cgc {
			return out[i].cgc > out[j].cgc
		}
		return out[i].id < out[j].id
	})
	ids := make([]peer.ID, len(out))
	for i, c := range out {
		ids[i] = c.id
	}
	return ids
}

// Uncovered are the columns of want no tracked peer custodies.
func (ps *Peers) Uncovered(want []uint64) []uint64 {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var out []uint64
	for _, c := range want {
		covered := false
		for _, p := range ps.peers {
			if _, ok := slices.BinarySearch(p.columns, c); ok {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, c)
		}
	}
	return out
}

// Len is the number of tracked peers; Refused counts updates refused
// because the table was full.
func (ps *Peers) Len() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.peers)
}

func (ps *Peers) Refused() uint64 {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.refused
}
