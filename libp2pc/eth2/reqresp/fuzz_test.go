package reqresp

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
)

func FuzzReadChunk(f *testing.F) {
	d := forkdigest.Digest{1, 2, 3, 4}
	for _, p := range payloads()[:4] {
		c, _ := EncodeChunk(Success, &d, p)
		f.Add(c, true, uint32(0))
		c, _ = EncodeChunk(Success, nil, p)
		f.Add(c, false, uint32(len(p)))
	}
	e, _ := EncodeErrorChunk(ServerError, "boom")
	f.Add(e, true, uint32(0))
	f.Add(append([]byte{0}, msg(eth2.MaxPayloadSize, streamHeader, frame(0x80, make([]byte, 10)))...), false, uint32(0))
	f.Add([]byte{0, 0x80, 0x00}, false, uint32(0))
	f.Add([]byte{0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, false, uint32(0))
	f.Fuzz(func(t *testing.T, in []byte, withContext bool, max uint32) {
		b := SizeBounds{Max: uint64(max)}
		r := bytes.NewReader(in)
		for i := 0; i < 4; i++ {
			before := r.Len()
			c, err := ReadChunk(r, withContext, b)
			if err != nil {
				if err != io.EOF && !isKnown(err) {
					t.Fatalf("unclassified error %v", err)
				}
				return
			}
			limit := b.max()
			if c.Code != Success {
				limit = eth2.MaxErrorMessageLength
			}
			if uint64(len(c.Payload)) > limit {
				t.Fatalf("payload %d > %d", len(c.Payload), limit)
			}
			// Never reads past max_compressed_len(n) + header bytes.
			n := uint64(len(c.Payload))
			if used := uint64(before - r.Len()); used > 1+4+10+eth2.MaxCompressedLen(n) {
				t.Fatalf("consumed %d bytes for a %d-byte payload", used, n)
			}
			// The decoded chunk re-encodes and reads back identically.
			var ctx *forkdigest.Digest
			if c.HasContext {
				ctx = &c.Context
			}
			enc, err := EncodeChunk(c.Code, ctx, c.Payload)
			if err != nil {
				t.Fatal(err)
			}
			c2, err := ReadChunk(bytes.NewReader(enc), withContext, b)
			if err != nil || c2.Code != c.Code || !bytes.Equal(c2.Payload, c.Payload) || c2.Context != c.Context {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}

func isKnown(err error) bool {
	for _, e := range []error{ErrEarlyEOF, ErrVarintOverflow, ErrNonMinimalVarint, ErrLengthTooLarge, ErrLengthTooSmall,
		ErrCompressedTooLong, ErrTrailingBytes, ErrSnappyFraming, ErrSnappyCorrupt, ErrBadErrorMessage} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
