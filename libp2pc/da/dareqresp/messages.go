// Package dareqresp is the req/resp side of data availability (deneb and
// fulu p2p-interface.md): the requests of blob_sidecars_by_range/1,
// blob_sidecars_by_root/1, data_column_sidecars_by_range/1 and
// data_column_sidecars_by_root/1 (SSZ, with the spec's limits), a Server
// answering them from a Source (the node's sidecar store) with the fork
// digest of each sidecar's slot as context bytes, and a Fetcher asking
// peers for the sidecars of a block, columns from peers whose custody
// covers them, with retries against the others.
//
// The protocol IDs and the framing are eth2/reqresp and eth2/reqrespnet's.
package dareqresp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// Limits of the spec (mainnet and minimal share them).
const (
	MaxRequestBlocksDeneb = 128 // MAX_REQUEST_BLOCKS_DENEB
	NumberOfColumns       = 128 // NUMBER_OF_COLUMNS
	// MaxRequestBlobSidecars is MAX_REQUEST_BLOB_SIDECARS_ELECTRA
	// (MAX_REQUEST_BLOCKS_DENEB * MAX_BLOBS_PER_BLOCK_ELECTRA); deneb's is 768.
	MaxRequestBlobSidecars = 1152
	// MaxRequestDataColumnSidecars is compute_max_request_data_column_sidecars().
	MaxRequestDataColumnSidecars = MaxRequestBlocksDeneb * NumberOfColumns

	blobIdentifierSize = 40 // BlobIdentifier: block_root, index
	rangeRequestSize   = 16 // start_slot, count
)

// ErrMalformed: a request that is not the SSZ of its type, or breaks a
// limit (the server answers InvalidRequest).
var ErrMalformed = errors.New("dareqresp: malformed request")

// Range is BlobSidecarsByRangeRequest, and with Columns
// DataColumnSidecarsByRangeRequest.
type Range struct {
	StartSlot, Count uint64
	Columns          []uint64 // data columns only
}

// BlobIdentifier names one blob sidecar.
type BlobIdentifier struct {
	BlockRoot [32]byte
	Index     uint64
}

// ColumnsByRoot is DataColumnsByRootIdentifier.
type ColumnsByRoot struct {
	BlockRoot [32]byte
	Columns   []uint64
}

// EncodeBlobRange is the SSZ of BlobSidecarsByRangeRequest.
func EncodeBlobRange(r Range) []byte {
	b := binary.LittleEndian.AppendUint64(nil, r.StartSlot)
	return binary.LittleEndian.AppendUint64(b, r.Count)
}

// DecodeBlobRange reads BlobSidecarsByRangeRequest.
func DecodeBlobRange(b []byte) (Range, error) {
	if len(b) != rangeRequestSize {
		return Range{}, fmt.Errorf("%w: blob_sidecars_by_range request of %d bytes, want 16", ErrMalformed, len(b))
	}
	return Range{StartSlot: binary.LittleEndian.Uint64(b), Count: binary.LittleEndian.Uint64(b[8:])}, nil
}

// EncodeColumnRange is the SSZ of DataColumnSidecarsByRangeRequest.
func EncodeColumnRange(r Range) []byte {
	b := EncodeBlobRange(r)
	b = binary.LittleEndian.AppendUint32(b, rangeRequestSize+4) // offset of columns
	for _, c := range r.Columns {
		b = binary.LittleEndian.AppendUint64(b, c)
	}
	return b
}

// DecodeColumnRange reads DataColumnSidecarsByRangeRequest; the columns
// must be below NUMBER_OF_COLUMNS and distinct (a DataColumnIndices list).
func DecodeColumnRange(b []byte) (Range, error) {
	if len(b) < rangeRequestSize+4 || binary.LittleEndian.Uint32(b[16:]) != rangeRequestSize+4 || (len(b)-20)%8 != 0 {
		return Range{}, fmt.Errorf("%w: data_column_sidecars_by_range request of %d bytes", ErrMalformed, len(b))
	}
	r, _ := DecodeBlobRange(b[:rangeRequestSize])
	cols, err := decodeColumns(b[20:])
	if err != nil {
		return Range{}, err
	}
	r.Columns = cols
	return r, nil
}

func decodeColumns(b []byte) ([]uint64, error) {
	n := len(b) / 8
	if n > NumberOfColumns {
		return nil, fmt.Errorf("%w: %d columns, limit %d", ErrMalformed, n, NumberOfColumns)
	}
	cols := make([]uint64, n)
	for i := range cols {
		cols[i] = binary.LittleEndian.Uint64(b[8*i:])
		if cols[i] >= NumberOfColumns {
			return nil, fmt.Errorf("%w: column %d out of range", ErrMalformed, cols[i])
		}
	}
	sorted := slices.Clone(cols)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != n {
		return nil, fmt.Errorf("%w: repeated column", ErrMalformed)
	}
	return cols, nil
}

// EncodeBlobIdentifiers is the SSZ of BlobSidecarsByRootRequest.
func EncodeBlobIdentifiers(ids []BlobIdentifier) []byte {
	b := make([]byte, 0, len(ids)*blobIdentifierSize)
	for _, id := range ids {
		b = append(b, id.BlockRoot[:]...)
		b = binary.LittleEndian.AppendUint64(b, id.Index)
	}
	return b
}

// DecodeBlobIdentifiers reads BlobSidecarsByRootRequest (at most
// MAX_REQUEST_BLOB_SIDECARS identifiers).
func DecodeBlobIdentifiers(b []byte) ([]BlobIdentifier, error) {
	if len(b)%blobIdentifierSize != 0 || len(b)/blobIdentifierSize > MaxRequestBlobSidecars {
		return nil, fmt.Errorf("%w: blob_sidecars_by_root request of %d bytes", ErrMalformed, len(b))
	}
	out := make([]BlobIdentifier, len(b)/blobIdentifierSize)
	for i := range out {
		e := b[i*blobIdentifierSize:]
		out[i] = BlobIdentifier{BlockRoot: [32]byte(e[:32]), Index: binary.LittleEndian.Uint64(e[32:40])}
	}
	return out, nil
}

// EncodeColumnsByRoot is the SSZ of DataColumnSidecarsByRootRequest
// (List[DataColumnsByRootIdentifier, MAX_REQUEST_BLOCKS_DENEB]: an offset
// table, then each identifier: block_root, the offset of its columns (36),
// the columns).
func EncodeColumnsByRoot(ids []ColumnsByRoot) []byte {
	var b []byte
	off := uint32(4 * len(ids))
	for _, id := range ids {
		b = binary.LittleEndian.AppendUint32(b, off)
		off += 36 + uint32(8*len(id.Columns))
	}
	for _, id := range ids {
		b = append(b, id.BlockRoot[:]...)
		b = binary.LittleEndian.AppendUint32(b, 36)
		for _, c := range id.Columns {
			b = binary.LittleEndian.AppendUint64(b, c)
		}
	}
	return b
}

// DecodeColumnsByRoot reads DataColumnSidecarsByRootRequest: at most
// MAX_REQUEST_BLOCKS_DENEB identifiers, at most
// compute_max_request_data_column_sidecars() columns in all.
func DecodeColumnsByRoot(b []byte) ([]ColumnsByRoot, error) {
	if len(b) == 0 {
		return nil, nil
	}
	bad := func(why string) error { return fmt.Errorf("%w: data_column_sidecars_by_root: %s", ErrMalformed, why) }
	if len(b) < 4 {
		return nil, bad("short")
	}
	first := binary.LittleEndian.Uint32(b)
	if first == 0 || first%4 != 0 || int(first) > len(b) || first/4 > MaxRequestBlocksDeneb {
		return nil, bad("bad offset table")
	}
	k := int(first / 4)
	out := make([]ColumnsByRoot, k)
	total := 0
	for i := range k {
		start := binary.LittleEndian.Uint32(b[4*i:])
		end := uint32(len(b))
		if i+1 < k {
			end = binary.LittleEndian.Uint32(b[4*(i+1):])
		}
		if start < first || end < start || int(end) > len(b) {
			return nil, bad("bad offsets")
		}
		el := b[start:end]
		if len(el) < 36 || binary.LittleEndian.Uint32(el[32:36]) != 36 || (len(el)-36)%8 != 0 {
			return nil, bad("bad identifier")
		}
		cols, err := decodeColumns(el[36:])
		if err != nil {
			return nil, err
		}
		total += len(cols)
		out[i] = ColumnsByRoot{BlockRoot: [32]byte(el[:32]), Columns: cols}
	}
	if total > MaxRequestDataColumnSidecars {
		return nil, bad("too many columns")
	}
	return out, nil
}

// Byte offsets of signed_block_header.message.slot in the sidecars' SSZ:
// BlobSidecar is fixed-size (index 8, blob 131072, commitment 48, proof
// 48, then the header); DataColumnSidecar's fixed part is index 8 and the
// offsets of column, kzg_commitments and kzg_proofs (4 each), then the
// header.
const (
	blobSidecarSlotOffset   = 8 + 131072 + 48 + 48
	columnSidecarSlotOffset = 8 + 4 + 4 + 4
)

// BlobSidecarSlot is the slot of a blob sidecar's SSZ.
func BlobSidecarSlot(ssz []byte) (uint64, error) {
	if len(ssz) < blobSidecarSlotOffset+8 {
		return 0, fmt.Errorf("dareqresp: blob sidecar of %d bytes", len(ssz))
	}
	return binary.LittleEndian.Uint64(ssz[blobSidecarSlotOffset:]), nil
}

// DataColumnSidecarSlot is the slot of a data column sidecar's SSZ.
func DataColumnSidecarSlot(ssz []byte) (uint64, error) {
	if len(ssz) < columnSidecarSlotOffset+8 {
		return 0, fmt.Errorf("dareqresp: data column sidecar of %d bytes", len(ssz))
	}
	return binary.LittleEndian.Uint64(ssz[columnSidecarSlotOffset:]), nil
}
