package reqresp

import (
	"errors"
	"fmt"
	"strings"
)

// ProtocolPrefix and EncodingSSZSnappy frame every protocol ID.
const (
	ProtocolPrefix    = "/eth2/beacon_chain/req/"
	EncodingSSZSnappy = "ssz_snappy"
)

// Method names.
const (
	StatusMethod                    = "status"
	GoodbyeMethod                   = "goodbye"
	PingMethod                      = "ping"
	MetadataMethod                  = "metadata"
	BeaconBlocksByRangeMethod       = "beacon_blocks_by_range"
	BeaconBlocksByRootMethod        = "beacon_blocks_by_root"
	BlobSidecarsByRangeMethod       = "blob_sidecars_by_range"
	BlobSidecarsByRootMethod        = "blob_sidecars_by_root"
	DataColumnSidecarsByRangeMethod = "data_column_sidecars_by_range"
	DataColumnSidecarsByRootMethod  = "data_column_sidecars_by_root"
)

// Protocol is one req/resp method version.
type Protocol struct {
	Name    string
	Version int
	// ContextBytes: Success response chunks carry the 4-byte ForkDigest
	// context.
	ContextBytes bool
	// NoRequest: the request has no body (metadata).
	NoRequest bool
	// Request bounds the request SSZ size when fixed by the spec
	// (zero value: variable, caller supplies bounds).
	Request SizeBounds
	// Response bounds the response SSZ size when fixed (metadata, status,
	// goodbye, ping); the zero value means it depends on the fork's type.
	Response SizeBounds
}

// ID is /eth2/beacon_chain/req/{name}/{version}/ssz_snappy.
func (p Protocol) ID() string {
	return fmt.Sprintf("%s%s/%d/%s", ProtocolPrefix, p.Name, p.Version, EncodingSSZSnappy)
}

func fixed(n uint64) SizeBounds { return SizeBounds{Min: n, Max: n} }

// The protocols of phase0..Fulu. Fixed sizes: Status v1 = 4+32+8+32+8,
// v2 adds earliest_available_slot (8); Goodbye and Ping are a Uint64;
// MetaData v2 = seq_number 8 + attnets Bitvector[64] 8 + syncnets
// Bitvector[4] 1, v3 adds custody_group_count 8; BeaconBlocksByRange
// request = start_slot, count, step.
var (
	StatusV1                    = Protocol{Name: StatusMethod, Version: 1, Request: fixed(84), Response: fixed(84)}
	StatusV2                    = Protocol{Name: StatusMethod, Version: 2, Request: fixed(92), Response: fixed(92)}
	GoodbyeV1                   = Protocol{Name: GoodbyeMethod, Version: 1, Request: fixed(8), Response: fixed(8)}
	PingV1                      = Protocol{Name: PingMethod, Version: 1, Request: fixed(8), Response: fixed(8)}
	MetadataV1                  = Protocol{Name: MetadataMethod, Version: 1, NoRequest: true, Response: fixed(16)}
	MetadataV2                  = Protocol{Name: MetadataMethod, Version: 2, NoRequest: true, Response: fixed(17)}
	MetadataV3                  = Protocol{Name: MetadataMethod, Version: 3, NoRequest: true, Response: fixed(25)}
	BeaconBlocksByRangeV1       = Protocol{Name: BeaconBlocksByRangeMethod, Version: 1, Request: fixed(24)}
	BeaconBlocksByRangeV2       = Protocol{Name: BeaconBlocksByRangeMethod, Version: 2, ContextBytes: true, Request: fixed(24)}
	BeaconBlocksByRootV1        = Protocol{Name: BeaconBlocksByRootMethod, Version: 1}
	BeaconBlocksByRootV2        = Protocol{Name: BeaconBlocksByRootMethod, Version: 2, ContextBytes: true}
	BlobSidecarsByRangeV1       = Protocol{Name: BlobSidecarsByRangeMethod, Version: 1, ContextBytes: true, Request: fixed(16)}
	BlobSidecarsByRootV1        = Protocol{Name: BlobSidecarsByRootMethod, Version: 1, ContextBytes: true}
	DataColumnSidecarsByRangeV1 = Protocol{Name: DataColumnSidecarsByRangeMethod, Version: 1, ContextBytes: true}
	DataColumnSidecarsByRootV1  = Protocol{Name: DataColumnSidecarsByRootMethod, Version: 1, ContextBytes: true}
)

// Protocols lists every protocol above.
var Protocols = []Protocol{
	StatusV1, StatusV2, GoodbyeV1, PingV1, MetadataV1, MetadataV2, MetadataV3,
	BeaconBlocksByRangeV1, BeaconBlocksByRangeV2, BeaconBlocksByRootV1, BeaconBlocksByRootV2,
	BlobSidecarsByRangeV1, BlobSidecarsByRootV1, DataColumnSidecarsByRangeV1, DataColumnSidecarsByRootV1,
}

// ErrUnknownProtocol is returned by ParseProtocolID for an ID not in Protocols.
var ErrUnknownProtocol = errors.New("reqresp: unknown protocol ID")

// ParseProtocolID looks up a protocol ID.
func ParseProtocolID(id string) (Protocol, error) {
	if strings.HasPrefix(id, ProtocolPrefix) {
		for _, p := range Protocols {
			if p.ID() == id {
				return p, nil
			}
		}
	}
	return Protocol{}, fmt.Errorf("%w: %q", ErrUnknownProtocol, id)
}
