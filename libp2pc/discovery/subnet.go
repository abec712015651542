package discovery

import (
	"context"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/p2p/enode"
)

// SubnetKind names a family of subnets advertised through the ENR.
type SubnetKind int

const (
	// AttestationSubnet: bit N of `attnets` (N < 64).
	AttestationSubnet SubnetKind = iota
	// SyncCommitteeSubnet: bit N of `syncnets` (N < 4).
	SyncCommitteeSubnet
	// DataColumnSubnet: data column sidecar subnet N is among the subnets of
	// the columns the node custodies (node id + `cgc`, CUSTODY_REQUIREMENT
	// when the record has no `cgc`).
	DataColumnSubnet
)

func (k SubnetKind) String() string {
	switch k {
	case AttestationSubnet:
		return "attestation"
	case SyncCommitteeSubnet:
		return "sync_committee"
	case DataColumnSubnet:
		return "data_column"
	}
	return fmt.Sprintf("SubnetKind(%d)", int(k))
}

// ServesSubnet reports whether a node with this id and these fields
// advertises the subnet. A data column check with an out-of-range cgc is
// false.
func (p CustodyParams) ServesSubnet(id enode.ID, f Fields, kind SubnetKind, subnet uint64) bool {
	switch kind {
	case AttestationSubnet:
		return f.Attnets.Has(subnet)
	case SyncCommitteeSubnet:
		return f.Syncnets.Has(subnet)
	case DataColumnSubnet:
		subnets, err := p.DataColumnSubnets(id, p.PeerCustodyGroupCount(f))
		if err != nil {
			return false
		}
		_, found := slices.BinarySearch(subnets, subnet)
		return found
	}
	return false
}

func (s *Service) checkSubnet(kind SubnetKind, subnet uint64) error {
	var limit uint64
	switch kind {
	case AttestationSubnet:
		limit = AttestationSubnetCount
	case SyncCommitteeSubnet:
		limit = SyncCommitteeSubnetCount
	case DataColumnSubnet:
		limit = s.cust.DataColumnSidecarSubnetCount
	default:
		return fmt.Errorf("discovery: unknown subnet kind %d", int(kind))
	}
	if subnet >= limit {
		return fmt.Errorf("discovery: %s subnet %d out of range (< %d)", kind, subnet, limit)
	}
	return nil
}

// FindSubnetPeers looks for up to n distinct peers on the node's fork
// digest that serve the subnet: first among the routing table, then by
// random discv5 walks. It returns when n are found (nil error) or when ctx
// ends (the peers found so far and ctx.Err()).
func (s *Service) FindSubnetPeers(ctx context.Context, kind SubnetKind, subnet uint64, n int) ([]Peer, error) {
	if err := s.checkSubnet(kind, subnet); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	match := func(p Peer) bool { return s.cust.ServesSubnet(p.Node.ID(), p.Fields, kind, subnet) }
	found := make([]Peer, 0, n)
	have := make(map[enode.ID]bool, n)
	for _, p := range s.KnownPeers() {
		if match(p) && !have[p.Node.ID()] {
			have[p.Node.ID()] = true
			found = append(found, p)
			if len(found) == n {
				return found, nil
			}
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan Peer, 16)
	go s.stream(sctx, ch, match, false)
	for p := range ch {
		if have[p.Node.ID()] {
			continue
		}
		have[p.Node.ID()] = true
		found = append(found, p)
		if len(found) == n {
			return found, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return found, err
	}
	return found, ErrClosed
}
