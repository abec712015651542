package discovery

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/p2p/enode"
)

// CustodyParams are the Fulu data-availability configuration values used by
// the custody functions (consensus-specs specs/fulu/das-core.md and
// p2p-interface.md).
type CustodyParams struct {
	NumberOfColumns              uint64 // NUMBER_OF_COLUMNS
	NumberOfCustodyGroups        uint64 // NUMBER_OF_CUSTODY_GROUPS
	CustodyRequirement           uint64 // CUSTODY_REQUIREMENT
	DataColumnSidecarSubnetCount uint64 // DATA_COLUMN_SIDECAR_SUBNET_COUNT
}

// MainnetCustody holds the mainnet (and minimal) configuration values.
var MainnetCustody = CustodyParams{
	NumberOfColumns:              128,
	NumberOfCustodyGroups:        128,
	CustodyRequirement:           4,
	DataColumnSidecarSubnetCount: 128,
}

func (p CustodyParams) orDefault() CustodyParams {
	if p == (CustodyParams{}) {
		return MainnetCustody
	}
	return p
}

// GetCustodyGroups is get_custody_groups(node_id, custody_group_count): the
// node id read as a big-endian uint256 (the discv5 id bytes), hashed as its
// 32-byte little-endian encoding, incremented (wrapping at 2**256) until
// custodyGroupCount distinct groups are found. The result is sorted.
func (p CustodyParams) GetCustodyGroups(id enode.ID, custodyGroupCount uint64) ([]uint64, error) {
	p = p.orDefault()
	if custodyGroupCount > p.NumberOfCustodyGroups {
		return nil, fmt.Errorf("discovery: custody group count %d exceeds %d", custodyGroupCount, p.NumberOfCustodyGroups)
	}
	if custodyGroupCount == p.NumberOfCustodyGroups {
		all := make([]uint64, p.NumberOfCustodyGroups)
		for i := range all {
			all[i] = uint64(i)
		}
		return all, nil
	}
	// cur is current_id as uint_to_bytes(Uint256): little-endian.
	var cur [32]byte
	for i := range 32 {
		cur[i] = id[31-i]
	}
	seen := make(map[uint64]bool, custodyGroupCount)
	groups := make([]uint64, 0, custodyGroupCount)
	for uint64(len(groups)) < custodyGroupCount {
		h := sha256.Sum256(cur[:])
		g := binary.LittleEndian.Uint64(h[:8]) % p.NumberOfCustodyGroups
		if !seen[g] {
			seen[g] = true
			groups = append(groups, g)
		}
		// current_id += 1, wrapping UINT256_MAX to 0.
		for i := range 32 {
			cur[i]++
			if cur[i] != 0 {
				break
			}
		}
	}
	slices.Sort(groups)
	return groups, nil
}

// ComputeColumnsForCustodyGroup is compute_columns_for_custody_group.
func (p CustodyParams) ComputeColumnsForCustodyGroup(group uint64) ([]uint64, error) {
	p = p.orDefault()
	if group >= p.NumberOfCustodyGroups {
		return nil, fmt.Errorf("discovery: custody group %d out of range", group)
	}
	perGroup := p.NumberOfColumns / p.NumberOfCustodyGroups
	cols := make([]uint64, perGroup)
	for i := range cols {
		cols[i] = p.NumberOfCustodyGroups*uint64(i) + group
	}
	return cols, nil
}

// CustodyColumns are the columns (sorted) a node custodies.
func (p CustodyParams) CustodyColumns(id enode.ID, custodyGroupCount uint64) ([]uint64, error) {
	groups, err := p.GetCustodyGroups(id, custodyGroupCount)
	if err != nil {
		return nil, err
	}
	var cols []uint64
	for _, g := range groups {
		c, err := p.ComputeColumnsForCustodyGroup(g)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c...)
	}
	slices.Sort(cols)
	return cols, nil
}

// ComputeSubnetForDataColumnSidecar is compute_subnet_for_data_column_sidecar.
func (p CustodyParams) ComputeSubnetForDataColumnSidecar(column uint64) uint64 {
	return column % p.orDefault().DataColumnSidecarSubnetCount
}

// DataColumnSubnets are the data column subnets (sorted, distinct) a node
// with this id and custody group count serves.
func (p CustodyParams) DataColumnSubnets(id enode.ID, custodyGroupCount uint64) ([]uint64, error) {
	cols, err := p.CustodyColumns(id, custodyGroupCount)
	if err != nil {
		return nil, err
	}
	subnets := make([]uint64, 0, len(cols))
	for _, c := range cols {
		subnets = append(subnets, p.ComputeSubnetForDataColumnSidecar(c))
	}
	slices.Sort(subnets)
	return slices.Compact(subnets), nil
}

// PeerCustodyGroupCount is the custody group count a peer's record
// advertises, CustodyRequirement when it has no `cgc` entry.
func (p CustodyParams) PeerCustodyGroupCount(f Fields) uint64 {
	if f.HasCGC {
		return f.CustodyGroupCount
	}
	return p.orDefault().CustodyRequirement
}
