package discovery

import (
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/p2p/enode"

	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
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

// params are the same values in da/custody's form, which implements the
// custody functions for the whole project.
func (p CustodyParams) params() custody.Params {
	p = p.orDefault()
	return custody.Params{
		NumberOfColumns:              p.NumberOfColumns,
		NumberOfCustodyGroups:        p.NumberOfCustodyGroups,
		CustodyRequirement:           p.CustodyRequirement,
		SamplesPerSlot:               custody.Mainnet.SamplesPerSlot,
		DataColumnSidecarSubnetCount: p.DataColumnSidecarSubnetCount,
	}
}

// GetCustodyGroups is get_custody_groups(node_id, custody_group_count)
// (da/custody), the node id read as a big-endian uint256 (the discv5 id
// bytes). The result is sorted.
func (p CustodyParams) GetCustodyGroups(id enode.ID, custodyGroupCount uint64) ([]uint64, error) {
	groups, err := p.params().GetCustodyGroups(id, custodyGroupCount)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	return groups, nil
}

// ComputeColumnsForCustodyGroup is compute_columns_for_custody_group.
func (p CustodyParams) ComputeColumnsForCustodyGroup(group uint64) ([]uint64, error) {
	cols, err := p.params().ComputeColumnsForCustodyGroup(group)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
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
	return p.params().ComputeSubnetForDataColumnSidecar(column)
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
