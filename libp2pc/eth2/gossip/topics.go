// Package gossip implements the gossipsub side of the Ethereum consensus
// wire protocol: topic names per fork, the ssz_snappy payload encoding
// (snappy block format, bounded decompression) and the phase0 and Altair+
// message-id functions.
package gossip

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
)

// Topic base names (for subnet topics, the name without the _{subnet_id}).
const (
	BeaconBlock                       = "beacon_block"
	BeaconAggregateAndProof           = "beacon_aggregate_and_proof"
	BeaconAttestation                 = "beacon_attestation" // _{subnet_id}
	VoluntaryExit                     = "voluntary_exit"
	ProposerSlashing                  = "proposer_slashing"
	AttesterSlashing                  = "attester_slashing"
	SyncCommitteeContributionAndProof = "sync_committee_contribution_and_proof"
	SyncCommittee                     = "sync_committee" // _{subnet_id}
	BLSToExecutionChange              = "bls_to_execution_change"
	BlobSidecar                       = "blob_sidecar"        // _{subnet_id}
	DataColumnSidecar                 = "data_column_sidecar" // _{subnet_id}
)

// Encoding is the only gossip encoding of the spec.
const Encoding = "ssz_snappy"

// Params are the config values that decide the subnet topic counts. The
// zero value is not usable; start from MainnetParams.
type Params struct {
	AttestationSubnetCount        uint64 // ATTESTATION_SUBNET_COUNT
	SyncCommitteeSubnetCount      uint64 // SYNC_COMMITTEE_SUBNET_COUNT
	BlobSidecarSubnetCount        uint64 // BLOB_SIDECAR_SUBNET_COUNT (deneb)
	BlobSidecarSubnetCountElectra uint64 // BLOB_SIDECAR_SUBNET_COUNT_ELECTRA
	DataColumnSidecarSubnetCount  uint64 // DATA_COLUMN_SIDECAR_SUBNET_COUNT
}

// MainnetParams are the values of the mainnet (and minimal) configs.
var MainnetParams = Params{
	AttestationSubnetCount:        64,
	SyncCommitteeSubnetCount:      4,
	BlobSidecarSubnetCount:        6,
	BlobSidecarSubnetCountElectra: 9,
	DataColumnSidecarSubnetCount:  128,
}

// Errors of ParseTopic.
var (
	// ErrMalformedTopic: not /eth2/{8 hex digits}/{name}/{encoding}.
	ErrMalformedTopic = errors.New("gossip: malformed topic")
	// ErrUnknownEncoding: an encoding other than ssz_snappy.
	ErrUnknownEncoding = errors.New("gossip: unknown topic encoding")
	// ErrUnknownTopic: a well-formed topic whose name no fork up to Fulu
	// defines (including subnet ids out of range or non-canonical).
	ErrUnknownTopic = errors.New("gossip: unknown topic")
)

// Topic is a parsed gossip topic.
type Topic struct {
	ForkDigest forkdigest.Digest
	// Base is one of the base-name constants above.
	Base string
	// Subnet is the subnet id of beacon_attestation, sync_committee,
	// blob_sidecar and data_column_sidecar topics; 0 otherwise.
	Subnet uint64
}

// HasSubnet reports whether base names a subnet topic family.
func HasSubnet(base string) bool {
	switch base {
	case BeaconAttestation, SyncCommittee, BlobSidecar, DataColumnSidecar:
		return true
	}
	return false
}

// Name is the topic name: the base, plus _{subnet_id} for subnet topics.
func (t Topic) Name() string {
	if HasSubnet(t.Base) {
		return t.Base + "_" + strconv.FormatUint(t.Subnet, 10)
	}
	return t.Base
}

// String formats /eth2/{fork_digest}/{name}/ssz_snappy.
func (t Topic) String() string {
	return "/eth2/" + t.ForkDigest.String() + "/" + t.Name() + "/" + Encoding
}

// FormatTopic formats the topic of name (as returned by Topic.Name or
// TopicNames) under a fork digest.
func FormatTopic(d forkdigest.Digest, name string) string {
	return "/eth2/" + d.String() + "/" + name + "/" + Encoding
}

// bases lists each topic family with the first fork where it exists and the
// first where it no longer does (Fulu+1 when it still exists at Fulu).
var bases = []struct {
	base        string
	from, until eth2.Fork
}{
	{BeaconBlock, eth2.Phase0, eth2.Fulu + 1},
	{BeaconAggregateAndProof, eth2.Phase0, eth2.Fulu + 1},
	{BeaconAttestation, eth2.Phase0, eth2.Fulu + 1},
	{VoluntaryExit, eth2.Phase0, eth2.Fulu + 1},
	{ProposerSlashing, eth2.Phase0, eth2.Fulu + 1},
	{AttesterSlashing, eth2.Phase0, eth2.Fulu + 1},
	{SyncCommitteeContributionAndProof, eth2.Altair, eth2.Fulu + 1},
	{SyncCommittee, eth2.Altair, eth2.Fulu + 1},
	{BLSToExecutionChange, eth2.Capella, eth2.Fulu + 1},
	{BlobSidecar, eth2.Deneb, eth2.Fulu}, // deprecated in Fulu
	{DataColumnSidecar, eth2.Fulu, eth2.Fulu + 1},
}

// SubnetCount is the number of subnets of a subnet topic family at fork
// (0 if the family does not exist there; 1 for a non-subnet topic that
// exists).
func (p Params) SubnetCount(base string, fork eth2.Fork) uint64 {
	for _, b := range bases {
		if b.base != base {
			continue
		}
		if fork < b.from || fork >= b.until {
			return 0
		}
		switch base {
		case BeaconAttestation:
			return p.AttestationSubnetCount
		case SyncCommittee:
			return p.SyncCommitteeSubnetCount
		case BlobSidecar:
			if fork >= eth2.Electra {
				return p.BlobSidecarSubnetCountElectra
			}
			return p.BlobSidecarSubnetCount
		case DataColumnSidecar:
			return p.DataColumnSidecarSubnetCount
		}
		return 1
	}
	return 0
}

// ExistsAt reports whether a topic name (base, with subnet) is defined at fork.
func (p Params) ExistsAt(t Topic, fork eth2.Fork) bool {
	n := p.SubnetCount(t.Base, fork)
	if HasSubnet(t.Base) {
		return t.Subnet < n
	}
	return n == 1 && t.Subnet == 0
}

// TopicNames lists every topic name defined at fork, in a fixed order.
func (p Params) TopicNames(fork eth2.Fork) []string {
	var out []string
	for _, b := range bases {
		n := p.SubnetCount(b.base, fork)
		if !HasSubnet(b.base) {
			if n == 1 {
				out = append(out, b.base)
			}
			continue
		}
		for i := uint64(0); i < n; i++ {
			out = append(out, Topic{Base: b.base, Subnet: i}.Name())
		}
	}
	return out
}

// Topics lists the full topic strings of fork under digest d.
func (p Params) Topics(d forkdigest.Digest, fork eth2.Fork) []string {
	names := p.TopicNames(fork)
	for i, n := range names {
		names[i] = FormatTopic(d, n)
	}
	return names
}

// ParseName splits a topic name into base and subnet, and checks it exists
// at some fork up to Fulu.
func (p Params) ParseName(name string) (Topic, error) {
	for _, b := range bases {
		if !HasSubnet(b.base) {
			if name == b.base {
				return Topic{Base: b.base}, nil
			}
			continue
		}
		rest, ok := strings.CutPrefix(name, b.base+"_")
		if !ok {
			continue
		}
		id, err := strconv.ParseUint(rest, 10, 64)
		if err != nil || strconv.FormatUint(id, 10) != rest {
			// e.g. "sync_committee_contribution_and_proof" reaches here for
			// the sync_committee family; keep looking.
			continue
		}
		t := Topic{Base: b.base, Subnet: id}
		for _, f := range eth2.Forks {
			if p.ExistsAt(t, f) {
				return t, nil
			}
		}
		return Topic{}, fmt.Errorf("%w: %q (subnet out of range)", ErrUnknownTopic, name)
	}
	return Topic{}, fmt.Errorf("%w: %q", ErrUnknownTopic, name)
}

// ParseTopic parses /eth2/{fork_digest}/{name}/{encoding}.
func (p Params) ParseTopic(s string) (Topic, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 || parts[0] != "" || parts[1] != "eth2" || parts[3] == "" {
		return Topic{}, fmt.Errorf("%w: %q", ErrMalformedTopic, s)
	}
	if len(parts[2]) != 8 || strings.ToLower(parts[2]) != parts[2] {
		return Topic{}, fmt.Errorf("%w: fork digest %q", ErrMalformedTopic, parts[2])
	}
	d, err := forkdigest.ParseDigest(parts[2])
	if err != nil {
		return Topic{}, fmt.Errorf("%w: fork digest %q", ErrMalformedTopic, parts[2])
	}
	if parts[4] != Encoding {
		return Topic{}, fmt.Errorf("%w: %q", ErrUnknownEncoding, parts[4])
	}
	t, err := p.ParseName(parts[3])
	if err != nil {
		return Topic{}, err
	}
	t.ForkDigest = d
	return t, nil
}

// ParseTopic parses with MainnetParams.
func ParseTopic(s string) (Topic, error) { return MainnetParams.ParseTopic(s) }
