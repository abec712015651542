// Package custody holds the PeerDAS custody functions of consensus-specs
// specs/fulu/das-core.md and p2p-interface.md: which custody groups a node
// keeps (from its node id and custody group count), the columns of a group,
// the columns a node samples, and the gossip subnet of a column.
package custody

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
)

// Params are the Fulu configuration values these functions read.
type Params struct {
	NumberOfColumns              uint64 // NUMBER_OF_COLUMNS (preset)
	NumberOfCustodyGroups        uint64 // NUMBER_OF_CUSTODY_GROUPS
	CustodyRequirement           uint64 // CUSTODY_REQUIREMENT
	SamplesPerSlot               uint64 // SAMPLES_PER_SLOT
	DataColumnSidecarSubnetCount uint64 // DATA_COLUMN_SIDECAR_SUBNET_COUNT
}

// Mainnet are the values of the mainnet and minimal configurations (the
// same for both).
var Mainnet = Params{
	NumberOfColumns:              128,
	NumberOfCustodyGroups:        128,
	CustodyRequirement:           4,
	SamplesPerSlot:               8,
	DataColumnSidecarSubnetCount: 128,
}

// NodeID is a discv5 node id: 32 bytes, read as a big-endian uint256.
type NodeID = [32]byte

// Validate reports a configuration the functions cannot work with.
func (p Params) Validate() error {
	switch {
	case p.NumberOfCustodyGroups == 0 || p.NumberOfColumns == 0 || p.DataColumnSidecarSubnetCount == 0:
		return fmt.Errorf("custody: zero NUMBER_OF_COLUMNS, NUMBER_OF_CUSTODY_GROUPS or DATA_COLUMN_SIDECAR_SUBNET_COUNT")
	case p.NumberOfColumns%p.NumberOfCustodyGroups != 0:
		return fmt.Errorf("custody: NUMBER_OF_COLUMNS %d is not a multiple of NUMBER_OF_CUSTODY_GROUPS %d", p.NumberOfColumns, p.NumberOfCustodyGroups)
	case p.CustodyRequirement > p.NumberOfCustodyGroups || p.SamplesPerSlot > p.NumberOfCustodyGroups:
		return fmt.Errorf("custody: CUSTODY_REQUIREMENT or SAMPLES_PER_SLOT above NUMBER_OF_CUSTODY_GROUPS")
	}
	return nil
}

// GetCustodyGroups is get_custody_groups(node_id, custody_group_count),
// sorted. current_id starts at the node id and is hashed as its 32-byte
// little-endian encoding (uint_to_bytes of a uint256), incremented with
// wrap-around at 2**256, until custodyGroupCount distinct groups are found.
func (p Params) GetCustodyGroups(id NodeID, custodyGroupCount uint64) ([]uint64, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if custodyGroupCount > p.NumberOfCustodyGroups {
		return nil, fmt.Errorf("custody: custody group count %d exceeds NUMBER_OF_CUSTODY_GROUPS %d", custodyGroupCount, p.NumberOfCustodyGroups)
	}
	if custodyGroupCount == p.NumberOfCustodyGroups {
		all := make([]uint64, custodyGroupCount)
		for i := range all {
			all[i] = uint64(i)
		}
		return all, nil
	}
	var current [32]byte // little-endian uint256
	for i := range 32 {
		current[i] = id[31-i]
	}
	seen := make([]bool, p.NumberOfCustodyGroups)
	groups := make([]uint64, 0, custodyGroupCount)
	for uint64(len(groups)) < custodyGroupCount {
		digest := sha256.Sum256(current[:])
		group := binary.LittleEndian.Uint64(digest[:8]) % p.NumberOfCustodyGroups
		if !seen[group] {
			seen[group] = true
			groups = append(groups, group)
		}
		for i := range 32 { // current_id += 1; UINT256_MAX + 1 wraps to 0
			current[i]++
			if current[i] != 0 {
				break
			}
		}
	}
	slices.Sort(groups)
	return groups, nil
}

// ComputeColumnsForCustodyGroup is compute_columns_for_custody_group.
func (p Params) ComputeColumnsForCustodyGroup(group uint64) ([]uint64, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if group >= p.NumberOfCustodyGroups {
		return nil, fmt.Errorf("custody: custody group %d not below NUMBER_OF_CUSTODY_GROUPS %d", group, p.NumberOfCustodyGroups)
	}
	perGroup := p.NumberOfColumns / p.NumberOfCustodyGroups
	columns := make([]uint64, perGroup)
	for i := range columns {
		columns[i] = p.NumberOfCustodyGroups*uint64(i) + group
	}
	return columns, nil
}

// ColumnsOfGroups are the columns of the given groups, sorted.
func (p Params) ColumnsOfGroups(groups []uint64) ([]uint64, error) {
	var columns []uint64
	for _, g := range groups {
		c, err := p.ComputeColumnsForCustodyGroup(g)
		if err != nil {
			return nil, err
		}
		columns = append(columns, c...)
	}
	slices.Sort(columns)
	return slices.Compact(columns), nil
}

// CustodyColumns are the columns a node with this id and custody group
// count stores and serves.
func (p Params) CustodyColumns(id NodeID, custodyGroupCount uint64) ([]uint64, error) {
	groups, err := p.GetCustodyGroups(id, custodyGroupCount)
	if err != nil {
		return nil, err
	}
	return p.ColumnsOfGroups(groups)
}

// SamplingColumns are the columns a node must have before it treats a
// block's data as available: the columns of
// get_custody_groups(node_id, max(SAMPLES_PER_SLOT, custody_group_count))
// (fulu/das-core.md, custody sampling). They include its custody columns.
func (p Params) SamplingColumns(id NodeID, custodyGroupCount uint64) ([]uint64, error) {
	return p.CustodyColumns(id, max(p.SamplesPerSlot, custodyGroupCount))
}

// ComputeSubnetForDataColumnSidecar is
// compute_subnet_for_data_column_sidecar(column_index).
func (p Params) ComputeSubnetForDataColumnSidecar(column uint64) uint64 {
	if p.DataColumnSidecarSubnetCount == 0 {
		return column
	}
	return column % p.DataColumnSidecarSubnetCount
}

// ColumnSubnets are the data column subnets (sorted, distinct) that carry
// the given columns.
func (p Params) ColumnSubnets(columns []uint64) []uint64 {
	subnets := make([]uint64, len(columns))
	for i, c := range columns {
		subnets[i] = p.ComputeSubnetForDataColumnSidecar(c)
	}
	slices.Sort(subnets)
	return slices.Compact(subnets)
}
