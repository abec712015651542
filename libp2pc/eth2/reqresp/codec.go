// Package reqresp implements the ssz_snappy req/resp encoding of the
// Ethereum consensus wire protocol: the varint length prefix, snappy framed
// compression with the spec's read bounds, response chunks with result codes,
// ErrorMessage and context bytes, and the protocol IDs up to Fulu.
package reqresp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/golang/snappy"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
)

// Errors of the reader; each malformed-input class has its own value (test
// with errors.Is).
var (
	// ErrEarlyEOF: the stream ended inside the varint, the context bytes or
	// before the declared number of SSZ bytes was decoded.
	ErrEarlyEOF = errors.New("reqresp: early EOF")
	// ErrVarintOverflow: the length prefix is longer than 10 bytes or does
	// not fit a Uint64.
	ErrVarintOverflow = errors.New("reqresp: length prefix overflows uint64")
	// ErrNonMinimalVarint: the length prefix has redundant bytes.
	ErrNonMinimalVarint = errors.New("reqresp: length prefix not minimally encoded")
	// ErrLengthTooLarge: the declared length is above the type's maximum or
	// MAX_PAYLOAD_SIZE.
	ErrLengthTooLarge = errors.New("reqresp: declared length above limit")
	// ErrLengthTooSmall: the declared length is below the type's minimum.
	ErrLengthTooSmall = errors.New("reqresp: declared length below minimum")
	// ErrCompressedTooLong: decoding needs more than max_compressed_len(n)
	// compressed bytes (nothing past the limit is read).
	ErrCompressedTooLong = errors.New("reqresp: compressed data exceeds max_compressed_len")
	// ErrTrailingBytes: data after the n SSZ bytes (decoded bytes beyond n
	// inside the snappy stream, or bytes after the message in a stream that
	// must end).
	ErrTrailingBytes = errors.New("reqresp: trailing bytes")
	// ErrSnappyFraming: bad snappy framing (missing or wrong stream
	// identifier, reserved unskippable chunk, bad chunk length).
	ErrSnappyFraming = errors.New("reqresp: bad snappy framing")
	// ErrSnappyCorrupt: a snappy chunk does not decode or its checksum
	// does not match.
	ErrSnappyCorrupt = errors.New("reqresp: corrupt snappy data")
	// ErrBadErrorMessage: an error chunk whose ErrorMessage is over 256
	// bytes.
	ErrBadErrorMessage = errors.New("reqresp: ErrorMessage over 256 bytes")
)

// MaxVarintLen is the longest allowed length prefix.
const MaxVarintLen = 10

// SizeBounds are the SSZ size bounds of the payload type. Max 0 means
// MAX_PAYLOAD_SIZE; a Max above MAX_PAYLOAD_SIZE is lowered to it.
type SizeBounds struct{ Min, Max uint64 }

func (b SizeBounds) max() uint64 {
	if b.Max == 0 || b.Max > eth2.MaxPayloadSize {
		return eth2.MaxPayloadSize
	}
	return b.Max
}

// AppendVarint appends the minimal unsigned protobuf varint of v.
func AppendVarint(dst []byte, v uint64) []byte { return binary.AppendUvarint(dst, v) }

// readByte reads exactly one byte.
func readByte(r io.Reader) (byte, error) {
	if br, ok := r.(io.ByteReader); ok {
		return br.ReadByte()
	}
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n == 1 {
			return b[0], nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// ReadVarint reads an unsigned protobuf varint byte by byte (never reading
// past it). io.EOF before the first byte is returned as io.EOF; any other
// truncation is ErrEarlyEOF.
func ReadVarint(r io.Reader) (uint64, error) {
	var v uint64
	for i := 0; i < MaxVarintLen; i++ {
		b, err := readByte(r)
		if err != nil {
			if err == io.EOF && i == 0 {
				return 0, io.EOF
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return 0, ErrEarlyEOF
			}
			return 0, err
		}
		if i == MaxVarintLen-1 && b > 1 {
			return 0, ErrVarintOverflow
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			if b == 0 && i > 0 {
				return 0, ErrNonMinimalVarint
			}
			return v, nil
		}
	}
	return 0, ErrVarintOverflow
}

// Snappy framing format constants.
const (
	chunkCompressed   = 0x00
	chunkUncompressed = 0x01
	chunkPadding      = 0xfe
	chunkStreamID     = 0xff
	streamID          = "sNaPpY"
	maxBlockSize      = 65536
	checksumSize      = 4
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

func unmaskChecksum(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

func maskedCRC(b []byte) uint32 {
	c := crc32.Update(0, crcTable, b)
	return (c>>15 | c<<17) + 0xa282ead8
}

// maxChunkBody bounds the body of a data chunk: checksum plus the largest
// snappy encoding of a 64 KiB block.
var maxChunkBody = checksumSize + snappy.MaxEncodedLen(maxBlockSize)

// ReadPayload reads one ssz_snappy payload (varint length n, then a snappy
// framed stream decoding to exactly n bytes) and returns the n SSZ bytes.
// It reads at most max_compressed_len(n) bytes after the prefix, never
// reads past the payload's last snappy chunk, and grows its buffer only as
// data arrives. io.EOF before the first byte is returned as io.EOF. For
// n = 0 nothing follows the prefix (see ReadRequest for the tolerance of an
// empty snappy stream).
func ReadPayload(r io.Reader, b SizeBounds) ([]byte, error) {
	n, err := ReadVarint(r)
	if err != nil {
		return nil, err
	}
	if n > b.max() {
		return nil, fmt.Errorf("%w: %d > %d", ErrLengthTooLarge, n, b.max())
	}
	if n < b.Min {
		return nil, fmt.Errorf("%w: %d < %d", ErrLengthTooSmall, n, b.Min)
	}
	return readFramed(r, n)
}

func readFull(r io.Reader, p []byte) error {
	if _, err := io.ReadFull(r, p); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return ErrEarlyEOF
		}
		return err
	}
	return nil
}

func readFramed(r io.Reader, n uint64) ([]byte, error) {
	if n == 0 {
		// Nothing to decode, so nothing is read: golang/snappy's framed
		// writer (Prysm) emits no chunk at all for an empty payload.
		return []byte{}, nil
	}
	limit := eth2.MaxCompressedLen(n)
	var read uint64
	out := make([]byte, 0, min(n, maxBlockSize))
	var hdr [4]byte
	var body []byte
	sawID := false
	for !sawID || uint64(len(out)) < n {
		if read+4 > limit {
			return nil, ErrCompressedTooLong
		}
		if err := readFull(r, hdr[:]); err != nil {
			return nil, err
		}
		read += 4
		typ := hdr[0]
		clen := uint64(hdr[1]) | uint64(hdr[2])<<8 | uint64(hdr[3])<<16
		if !sawID && typ != chunkStreamID {
			return nil, fmt.Errorf("%w: stream does not start with the stream identifier", ErrSnappyFraming)
		}
		if read+clen > limit {
			return nil, ErrCompressedTooLong
		}
		switch {
		case typ == chunkStreamID:
			if clen != uint64(len(streamID)) {
				return nil, fmt.Errorf("%w: stream identifier length %d", ErrSnappyFraming, clen)
			}
			var id [len(streamID)]byte
			if err := readFull(r, id[:]); err != nil {
				return nil, err
			}
			read += clen
			if string(id[:]) != streamID {
				return nil, fmt.Errorf("%w: bad stream identifier", ErrSnappyFraming)
			}
			sawID = true
			continue
		case typ == chunkCompressed || typ == chunkUncompressed:
			if clen < checksumSize || clen > uint64(maxChunkBody) || (typ == chunkUncompressed && clen > checksumSize+maxBlockSize) {
				return nil, fmt.Errorf("%w: chunk length %d", ErrSnappyFraming, clen)
			}
		case typ >= 0x02 && typ <= 0x7f:
			return nil, fmt.Errorf("%w: reserved unskippable chunk 0x%02x", ErrSnappyFraming, typ)
		default: // padding and reserved skippable chunks
			if _, err := io.CopyN(io.Discard, r, int64(clen)); err != nil {
				if err == io.EOF {
					return nil, ErrEarlyEOF
				}
				return nil, err
			}
			read += clen
			continue
		}
		if cap(body) < int(clen) {
			body = make([]byte, clen, maxChunkBody)
		}
		body = body[:clen]
		if err := readFull(r, body); err != nil {
			return nil, err
		}
		read += clen
		want := unmaskChecksum(body[:checksumSize])
		data := body[checksumSize:]
		if typ == chunkCompressed {
			dl, err := snappy.DecodedLen(data)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrSnappyCorrupt, err)
			}
			if dl > maxBlockSize {
				return nil, fmt.Errorf("%w: block of %d bytes", ErrSnappyCorrupt, dl)
			}
			if uint64(len(out))+uint64(dl) > n {
				return nil, fmt.Errorf("%w: stream decodes past %d bytes", ErrTrailingBytes, n)
			}
			start := len(out)
			out = growTo(out, start+dl)
			if _, err := snappy.Decode(out[start:start+dl], data); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrSnappyCorrupt, err)
			}
			if maskedCRC(out[start:]) != want {
				return nil, fmt.Errorf("%w: checksum mismatch", ErrSnappyCorrupt)
			}
		} else {
			if uint64(len(out))+uint64(len(data)) > n {
				return nil, fmt.Errorf("%w: stream decodes past %d bytes", ErrTrailingBytes, n)
			}
			if maskedCRC(data) != want {
				return nil, fmt.Errorf("%w: checksum mismatch", ErrSnappyCorrupt)
			}
			out = append(out, data...)
		}
	}
	return out, nil
}

// growTo extends out to length l, reallocating geometrically.
func growTo(out []byte, l int) []byte {
	if l <= cap(out) {
		return out[:l]
	}
	nc := max(2*cap(out), l)
	nb := make([]byte, l, nc)
	copy(nb, out)
	return nb
}

// ExpectEOF checks that r has nothing left (for a request, and for a
// single-chunk response once its chunk is read).
func ExpectEOF(r io.Reader) error {
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n > 0 {
			return ErrTrailingBytes
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// ReadRequest reads a whole request stream: one payload, then EOF. An empty
// stream is ErrEarlyEOF (methods without a request body, such as metadata,
// read nothing).
func ReadRequest(r io.Reader, b SizeBounds) ([]byte, error) {
	p, err := ReadPayload(r, b)
	if err == io.EOF {
		return nil, ErrEarlyEOF
	}
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		// Writers differ on an empty payload: accept an empty snappy stream
		// (stream identifier and padding chunks only, within
		// max_compressed_len(0)) before the EOF.
		if err := drainEmptyStream(r); err != nil {
			return nil, err
		}
		return p, nil
	}
	if err := ExpectEOF(r); err != nil {
		return nil, err
	}
	return p, nil
}

func drainEmptyStream(r io.Reader) error {
	limit := eth2.MaxCompressedLen(0)
	var read uint64
	var hdr [4]byte
	for {
		k, err := io.ReadFull(r, hdr[:])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				return ErrTrailingBytes
			}
			return err
		}
		read += uint64(k)
		clen := uint64(hdr[1]) | uint64(hdr[2])<<8 | uint64(hdr[3])<<16
		if hdr[0] < 0x80 || read+clen > limit {
			return ErrTrailingBytes
		}
		body := make([]byte, clen)
		if err := readFull(r, body); err != nil {
			return ErrTrailingBytes
		}
		read += clen
		if hdr[0] == chunkStreamID && string(body) != streamID {
			return fmt.Errorf("%w: bad stream identifier", ErrSnappyFraming)
		}
	}
}

// EncodePayload returns varint(len(ssz)) followed by the snappy framed
// compression of ssz (golang/snappy's buffered writer; for an empty payload
// that is the varint alone).
func EncodePayload(ssz []byte) ([]byte, error) {
	out := AppendVarint(nil, uint64(len(ssz)))
	w := &appendWriter{buf: out}
	sw := snappy.NewBufferedWriter(w)
	if _, err := sw.Write(ssz); err != nil {
		return nil, err
	}
	if err := sw.Close(); err != nil {
		return nil, err
	}
	return w.buf, nil
}

// WritePayload writes EncodePayload(ssz) to w.
func WritePayload(w io.Writer, ssz []byte) error {
	b, err := EncodePayload(ssz)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

type appendWriter struct{ buf []byte }

func (a *appendWriter) Write(p []byte) (int, error) {
	a.buf = append(a.buf, p...)
	return len(p), nil
}
