package reqrespnet

import (
	"encoding/binary"
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
)

// Status is the status handshake message (phase0 Status, Fulu Status v2).
// EarliestAvailableSlot is sent only on status/2.
type Status struct {
	ForkDigest            [4]byte
	FinalizedRoot         [32]byte
	FinalizedEpoch        uint64
	HeadRoot              [32]byte
	HeadSlot              uint64
	EarliestAvailableSlot uint64 // status v2 only
}

// Sizes of the fixed-size SSZ containers.
const (
	StatusV1Size   = 84
	StatusV2Size   = 92
	MetadataV1Size = 16 // phase0: seq_number, attnets
	MetadataV2Size = 17
	MetadataV3Size = 25
)

// Marshal encodes s for protocol version 1 (84 bytes) or 2 (92 bytes).
func (s Status) Marshal(version int) []byte {
	n := StatusV1Size
	if version >= 2 {
		n = StatusV2Size
	}
	b := make([]byte, n)
	copy(b[0:4], s.ForkDigest[:])
	copy(b[4:36], s.FinalizedRoot[:])
	binary.LittleEndian.PutUint64(b[36:44], s.FinalizedEpoch)
	copy(b[44:76], s.HeadRoot[:])
	binary.LittleEndian.PutUint64(b[76:84], s.HeadSlot)
	if n == StatusV2Size {
		binary.LittleEndian.PutUint64(b[84:92], s.EarliestAvailableSlot)
	}
	return b
}

// UnmarshalStatus decodes a Status of either version (by length).
func UnmarshalStatus(b []byte) (Status, error) {
	var s Status
	if len(b) != StatusV1Size && len(b) != StatusV2Size {
		return s, fmt.Errorf("reqrespnet: status of %d bytes (want %d or %d)", len(b), StatusV1Size, StatusV2Size)
	}
	copy(s.ForkDigest[:], b[0:4])
	copy(s.FinalizedRoot[:], b[4:36])
	s.FinalizedEpoch = binary.LittleEndian.Uint64(b[36:44])
	copy(s.HeadRoot[:], b[44:76])
	s.HeadSlot = binary.LittleEndian.Uint64(b[76:84])
	if len(b) == StatusV2Size {
		s.EarliestAvailableSlot = binary.LittleEndian.Uint64(b[84:92])
	}
	return s, nil
}

// Metadata is the node's MetaData (Altair v2; Fulu v3 adds
// CustodyGroupCount).
type Metadata struct {
	SeqNumber         uint64
	Attnets           [8]byte // Bitvector[ATTESTATION_SUBNET_COUNT = 64]
	Syncnets          byte    // Bitvector[SYNC_COMMITTEE_SUBNET_COUNT = 4]: low 4 bits
	CustodyGroupCount uint64  // v3 only
}

// Marshal encodes m for metadata version 1 (phase0: 16 bytes, no
// syncnets), 2 (17 bytes) or 3 (25 bytes).
func (m Metadata) Marshal(version int) []byte {
	n := MetadataV2Size
	switch {
	case version <= 1:
		n = MetadataV1Size
	case version >= 3:
		n = MetadataV3Size
	}
	b := make([]byte, n)
	binary.LittleEndian.PutUint64(b[0:8], m.SeqNumber)
	copy(b[8:16], m.Attnets[:])
	if n == MetadataV1Size {
		return b
	}
	b[16] = m.Syncnets & 0x0f
	if n == MetadataV3Size {
		binary.LittleEndian.PutUint64(b[17:25], m.CustodyGroupCount)
	}
	return b
}

// UnmarshalMetadata decodes MetaData v1, v2 or v3 (by length). Syncnets
// bits above the 4th must be zero (SSZ Bitvector[4]).
func UnmarshalMetadata(b []byte) (Metadata, error) {
	var m Metadata
	if len(b) != MetadataV1Size && len(b) != MetadataV2Size && len(b) != MetadataV3Size {
		return m, fmt.Errorf("reqrespnet: metadata of %d bytes (want %d, %d or %d)", len(b), MetadataV1Size, MetadataV2Size, MetadataV3Size)
	}
	m.SeqNumber = binary.LittleEndian.Uint64(b[0:8])
	copy(m.Attnets[:], b[8:16])
	if len(b) == MetadataV1Size {
		return m, nil
	}
	if b[16]&0xf0 != 0 {
		return m, fmt.Errorf("reqrespnet: metadata syncnets has bits set beyond the 4th")
	}
	m.Syncnets = b[16]
	if len(b) == MetadataV3Size {
		m.CustodyGroupCount = binary.LittleEndian.Uint64(b[17:25])
	}
	return m, nil
}

// Uint64 encodes the single-field Ping and Goodbye messages.
func Uint64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// Spec limits used to bound requests (mainnet values; they do not differ
// on minimal for these).
const (
	MaxRequestBlocksDeneb        = 128  // MAX_REQUEST_BLOCKS_DENEB
	MaxRequestBlocks             = 1024 // MAX_REQUEST_BLOCKS (phase0)
	MaxRequestBlobSidecars       = 1152 // MAX_REQUEST_BLOB_SIDECARS_ELECTRA (Deneb: 768)
	NumberOfColumns              = 128  // NUMBER_OF_COLUMNS
	MaxRequestDataColumnSidecars = MaxRequestBlocksDeneb * NumberOfColumns
	maxBlobsPerBlockDeneb        = 6  // MAX_BLOBS_PER_BLOCK (Deneb): cost estimate only
	blobIdentifierSize           = 40 // BlobIdentifier: block_root 32 + index 8
)

// requestBounds are the SSZ size bounds of each supported protocol's
// request body.
func requestBounds(p reqresp.Protocol) reqresp.SizeBounds {
	switch p.Name {
	case reqresp.BeaconBlocksByRootMethod:
		return reqresp.SizeBounds{Min: 0, Max: MaxRequestBlocks * 32}
	case reqresp.BlobSidecarsByRootMethod:
		return reqresp.SizeBounds{Min: 0, Max: MaxRequestBlobSidecars * blobIdentifierSize}
	case reqresp.DataColumnSidecarsByRangeMethod:
		return reqresp.SizeBounds{Min: 20, Max: 20 + NumberOfColumns*8}
	case reqresp.DataColumnSidecarsByRootMethod:
		return reqresp.SizeBounds{Min: 0, Max: MaxRequestBlocksDeneb * (4 + 32 + 4 + NumberOfColumns*8)}
	}
	return p.Request
}

// requestInfo checks the SSZ shape of a request body (sizes, offsets; not
// the values) and returns the most response chunks it allows and its
// rate-limit cost (number of items requested, at least 1).
func requestInfo(p reqresp.Protocol, body []byte) (maxChunks, cost uint64, err error) {
	b := requestBounds(p)
	if p.NoRequest {
		if len(body) != 0 {
			return 0, 0, fmt.Errorf("%s takes no request body", p.Name)
		}
	} else if uint64(len(body)) < b.Min || (b.Max != 0 && uint64(len(body)) > b.Max) {
		return 0, 0, fmt.Errorf("%s request of %d bytes outside [%d, %d]", p.Name, len(body), b.Min, b.Max)
	}
	u64 := func(off int) uint64 { return binary.LittleEndian.Uint64(body[off : off+8]) }
	switch p.Name {
	case reqresp.StatusMethod, reqresp.GoodbyeMethod, reqresp.PingMethod, reqresp.MetadataMethod:
		return 1, 1, nil
	case reqresp.BeaconBlocksByRangeMethod:
		n := min(u64(8), MaxRequestBlocks)
		return n, max(1, min(n, MaxRequestBlocksDeneb)), nil
	case reqresp.BeaconBlocksByRootMethod:
		if len(body)%32 != 0 {
			return 0, 0, fmt.Errorf("blocks_by_root request of %d bytes is not a list of roots", len(body))
		}
		n := uint64(len(body) / 32)
		return n, max(1, n), nil
	case reqresp.BlobSidecarsByRangeMethod:
		n := min(u64(8), MaxRequestBlocksDeneb)
		if n == 0 {
			return 0, 1, nil
		}
		// The blob count per block depends on the fork (and BPO schedule):
		// bound by MAX_REQUEST_BLOB_SIDECARS only.
		return MaxRequestBlobSidecars, n * maxBlobsPerBlockDeneb, nil
	case reqresp.BlobSidecarsByRootMethod:
		if len(body)%blobIdentifierSize != 0 {
			return 0, 0, fmt.Errorf("blob_sidecars_by_root request of %d bytes is not a list of BlobIdentifier", len(body))
		}
		n := uint64(len(body) / blobIdentifierSize)
		return n, max(1, n), nil
	case reqresp.DataColumnSidecarsByRangeMethod:
		if binary.LittleEndian.Uint32(body[16:20]) != 20 || (len(body)-20)%8 != 0 {
			return 0, 0, fmt.Errorf("data_column_sidecars_by_range: bad columns offset or length")
		}
		cols := uint64(len(body)-20) / 8
		n := min(u64(8), MaxRequestBlocksDeneb) * cols
		return n, max(1, n), nil
	case reqresp.DataColumnSidecarsByRootMethod:
		n, err := columnsByRootCount(body)
		if err != nil {
			return 0, 0, err
		}
		return n, max(1, n), nil
	}
	return 0, 0, fmt.Errorf("unsupported protocol %s", p.ID())
}

// columnsByRootCount walks List[DataColumnsByRootIdentifier, 128] and
// returns the number of columns requested.
func columnsByRootCount(b []byte) (uint64, error) {
	bad := fmt.Errorf("data_column_sidecars_by_root: malformed request")
	if len(b) == 0 {
		return 0, nil
	}
	if len(b) < 4 {
		return 0, bad
	}
	first := binary.LittleEndian.Uint32(b[0:4])
	if first%4 != 0 || first == 0 || int(first) > len(b) || first/4 > MaxRequestBlocksDeneb {
		return 0, bad
	}
	k := int(first / 4)
	var total uint64
	for i := 0; i < k; i++ {
		start := binary.LittleEndian.Uint32(b[4*i:])
		end := uint32(len(b))
		if i+1 < k {
			end = binary.LittleEndian.Uint32(b[4*(i+1):])
		}
		if start < first || end < start || int(end) > len(b) {
			return 0, bad
		}
		el := b[start:end]
		// block_root 32, offset 4 (= 36), then the column indices.
		if len(el) < 36 || binary.LittleEndian.Uint32(el[32:36]) != 36 || (len(el)-36)%8 != 0 || (len(el)-36)/8 > NumberOfColumns {
			return 0, bad
		}
		total += uint64(len(el)-36) / 8
	}
	return total, nil
}
