package reqresp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/golang/snappy"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
)

// specEncode is the spec's encoding written independently: protobuf varint
// of the SSZ length, then the golang/snappy framed writer's output.
func specEncode(ssz []byte) []byte {
	var buf bytes.Buffer
	buf.Write(binary.AppendUvarint(nil, uint64(len(ssz))))
	w := snappy.NewBufferedWriter(&buf)
	w.Write(ssz)
	w.Close()
	return buf.Bytes()
}

func TestVarint(t *testing.T) {
	ok := []struct {
		in   []byte
		want uint64
	}{
		{[]byte{0x00}, 0},
		{[]byte{0x01}, 1},
		{[]byte{0x7f}, 127},
		{[]byte{0x80, 0x01}, 128},
		{[]byte{0xac, 0x02}, 300},
		{[]byte{0xff, 0xff, 0x7f}, 1<<21 - 1},
		{[]byte{0x80, 0x80, 0x80, 0x05}, 10 << 20},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, ^uint64(0)},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 1 << 63},
	}
	for _, c := range ok {
		r := bytes.NewReader(append(c.in, 0xAA))
		v, err := ReadVarint(r)
		if err != nil || v != c.want {
			t.Errorf("%x: %d %v", c.in, v, err)
		}
		if r.Len() != 1 {
			t.Errorf("%x: read past the varint", c.in)
		}
		if enc := AppendVarint(nil, c.want); !bytes.Equal(enc, c.in) {
			t.Errorf("encode %d: %x want %x", c.want, enc, c.in)
		}
	}
	bad := []struct {
		in   []byte
		want error
	}{
		{nil, io.EOF},
		{[]byte{0x80}, ErrEarlyEOF},
		{[]byte{0xff, 0xff}, ErrEarlyEOF},
		{[]byte{0x80, 0x00}, ErrNonMinimalVarint},
		{[]byte{0x81, 0x80, 0x00}, ErrNonMinimalVarint},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, ErrVarintOverflow},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00}, ErrVarintOverflow},
		{bytes.Repeat([]byte{0x80}, 11), ErrVarintOverflow},
	}
	for _, c := range bad {
		if _, err := ReadVarint(bytes.NewReader(c.in)); !errors.Is(err, c.want) {
			t.Errorf("%x: %v want %v", c.in, err, c.want)
		}
	}
	// A one-byte-at-a-time reader (no io.ByteReader) behaves the same.
	if v, err := ReadVarint(iotest.OneByteReader(bytes.NewReader([]byte{0xac, 0x02}))); err != nil || v != 300 {
		t.Fatal(v, err)
	}
}

func payloads() [][]byte {
	return [][]byte{
		{},
		{0},
		[]byte("status payload of 84 bytes..................................................!!"),
		bytes.Repeat([]byte{0xab}, 65536),       // exactly one frame
		bytes.Repeat([]byte("abcdefgh"), 20000), // several frames
		func() []byte { // incompressible: uncompressed chunks
			b := make([]byte, 100000)
			x := uint32(1)
			for i := range b {
				x = x*1664525 + 1013904223
				b[i] = byte(x >> 24)
			}
			return b
		}(),
	}
}

func TestRoundTripAndInterop(t *testing.T) {
	for i, p := range payloads() {
		enc, err := EncodePayload(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, specEncode(p)) {
			t.Errorf("#%d: encoding differs from golang/snappy framed writer", i)
		}
		for _, rd := range []io.Reader{bytes.NewReader(enc), iotest.OneByteReader(bytes.NewReader(enc)), iotest.HalfReader(bytes.NewReader(enc))} {
			got, err := ReadRequest(rd, SizeBounds{})
			if err != nil || !bytes.Equal(got, p) {
				t.Fatalf("#%d: %v", i, err)
			}
		}
		// The snappy framed reader of golang/snappy accepts our stream.
		r := bytes.NewReader(enc)
		n, _ := ReadVarint(r)
		dec, err := io.ReadAll(snappy.NewReader(r))
		if err != nil || uint64(len(dec)) != n || !bytes.Equal(dec, p) {
			t.Fatalf("#%d: golang/snappy reader: %v", i, err)
		}
		// The reader reads no more than max_compressed_len(n) after the prefix.
		if uint64(len(enc)-len(AppendVarint(nil, n))) > eth2.MaxCompressedLen(n) {
			t.Fatalf("#%d: encoder output exceeds max_compressed_len", i)
		}
	}
	if enc, _ := EncodePayload(nil); !bytes.Equal(enc, []byte{0}) || !bytes.Equal(enc, specEncode(nil)) {
		t.Fatalf("empty payload: %x", enc)
	}
	// An empty payload followed by an empty snappy stream is accepted as a
	// request; anything else after it is not.
	for _, in := range [][]byte{{0}, msg(0, streamHeader), msg(0, streamHeader, frame(chunkPadding, []byte{0}))} {
		if got, err := ReadRequest(bytes.NewReader(in), SizeBounds{}); err != nil || len(got) != 0 {
			t.Errorf("%x: %v", in, err)
		}
	}
	for _, c := range []struct {
		in   []byte
		want error
	}{
		{msg(0, dataChunk(false, []byte{1})), ErrTrailingBytes},
		{msg(0, streamHeader[:5]), ErrTrailingBytes},
		{msg(0, frame(chunkPadding, make([]byte, 40))), ErrTrailingBytes},
		{msg(0, frame(chunkStreamID, []byte("sNaPpZ"))), ErrSnappyFraming},
	} {
		if _, err := ReadRequest(bytes.NewReader(c.in), SizeBounds{}); !errors.Is(err, c.want) {
			t.Errorf("%x: %v want %v", c.in, err, c.want)
		}
	}
}

// frame builds one snappy framing chunk.
func frame(typ byte, body []byte) []byte {
	return append([]byte{typ, byte(len(body)), byte(len(body) >> 8), byte(len(body) >> 16)}, body...)
}

func dataChunk(compressed bool, data []byte) []byte {
	crc := binary.LittleEndian.AppendUint32(nil, maskedCRC(data))
	if compressed {
		return frame(chunkCompressed, append(crc, snappy.Encode(nil, data)...))
	}
	return frame(chunkUncompressed, append(crc, data...))
}

var streamHeader = frame(chunkStreamID, []byte(streamID))

func msg(n uint64, chunks ...[]byte) []byte {
	out := AppendVarint(nil, n)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out
}

func TestMalformedInputs(t *testing.T) {
	data := []byte("hello, beacon chain")
	good := msg(uint64(len(data)), streamHeader, dataChunk(true, data))
	if got, err := ReadRequest(bytes.NewReader(good), SizeBounds{}); err != nil || !bytes.Equal(got, data) {
		t.Fatal(err)
	}
	badCRC := dataChunk(true, data)
	badCRC[4] ^= 1
	corrupt := frame(chunkCompressed, append(binary.LittleEndian.AppendUint32(nil, maskedCRC(data)), 0x13, 0xff, 0xff))
	big := bytes.Repeat([]byte{1}, 200)
	cases := []struct {
		name   string
		in     []byte
		bounds SizeBounds
		want   error
	}{
		{"empty stream", nil, SizeBounds{}, ErrEarlyEOF},
		{"eof in varint", []byte{0x80}, SizeBounds{}, ErrEarlyEOF},
		{"non-minimal varint", append([]byte{0x93, 0x00}, good[1:]...), SizeBounds{}, ErrNonMinimalVarint},
		{"varint overflow", bytes.Repeat([]byte{0xff}, 11), SizeBounds{}, ErrVarintOverflow},
		{"above type max", good, SizeBounds{Max: 18}, ErrLengthTooLarge},
		{"above MAX_PAYLOAD_SIZE", msg(eth2.MaxPayloadSize + 1), SizeBounds{}, ErrLengthTooLarge},
		{"above MAX_PAYLOAD_SIZE with larger type max", msg(eth2.MaxPayloadSize + 1), SizeBounds{Max: 1 << 40}, ErrLengthTooLarge},
		{"2**64-1", msg(^uint64(0)), SizeBounds{}, ErrLengthTooLarge},
		{"below type min", good, SizeBounds{Min: 20}, ErrLengthTooSmall},
		{"eof after prefix", msg(19), SizeBounds{}, ErrEarlyEOF},
		{"eof in chunk header", msg(19, streamHeader, []byte{0x00, 0x10}), SizeBounds{}, ErrEarlyEOF},
		{"eof in chunk body", good[:len(good)-3], SizeBounds{}, ErrEarlyEOF},
		{"fewer bytes than declared", msg(20, streamHeader, dataChunk(true, data)), SizeBounds{}, ErrEarlyEOF},
		{"more bytes than declared (in stream)", msg(18, streamHeader, dataChunk(true, data)), SizeBounds{}, ErrTrailingBytes},
		{"more bytes than declared (uncompressed)", msg(18, streamHeader, dataChunk(false, data)), SizeBounds{}, ErrTrailingBytes},
		{"trailing bytes after stream", append(append([]byte{}, good...), 0), SizeBounds{}, ErrTrailingBytes},
		{"trailing chunk after stream", append(append([]byte{}, good...), streamHeader...), SizeBounds{}, ErrTrailingBytes},
		{"no stream identifier", msg(19, dataChunk(true, data)), SizeBounds{}, ErrSnappyFraming},
		{"bad stream identifier", msg(19, frame(chunkStreamID, []byte("sNaPpZ")), dataChunk(true, data)), SizeBounds{}, ErrSnappyFraming},
		{"bad stream identifier length", msg(19, frame(chunkStreamID, []byte("sNaPpYY")), dataChunk(true, data)), SizeBounds{}, ErrSnappyFraming},
		{"reserved unskippable chunk", msg(19, streamHeader, frame(0x02, []byte{1}), dataChunk(true, data)), SizeBounds{}, ErrSnappyFraming},
		{"chunk shorter than checksum", msg(19, streamHeader, frame(chunkCompressed, []byte{1, 2})), SizeBounds{}, ErrSnappyFraming},
		{"bad checksum", msg(19, streamHeader, badCRC), SizeBounds{}, ErrSnappyCorrupt},
		{"corrupt snappy block", msg(19, streamHeader, corrupt), SizeBounds{}, ErrSnappyCorrupt},
		{"compressed over max_compressed_len", msg(1, streamHeader, frame(0x80, make([]byte, 40)), dataChunk(false, []byte{1})), SizeBounds{}, ErrCompressedTooLong},
		{"padding over max_compressed_len", msg(200, streamHeader, frame(chunkPadding, make([]byte, 200)), dataChunk(false, big)), SizeBounds{}, ErrCompressedTooLong},
	}
	for _, c := range cases {
		_, err := ReadRequest(bytes.NewReader(c.in), c.bounds)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v want %v", c.name, err, c.want)
		}
	}
	// Skippable and padding chunks within the budget are skipped; repeated
	// stream identifiers and several data chunks are fine.
	ok := msg(19, streamHeader, frame(chunkPadding, nil), dataChunk(false, data[:5]), frame(0x99, nil), dataChunk(false, data[5:]))
	if got, err := ReadRequest(bytes.NewReader(ok), SizeBounds{}); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("skippable chunks: %v", err)
	}
	ok = msg(200, streamHeader, frame(chunkPadding, []byte{0, 0}), dataChunk(false, big[:100]), streamHeader, dataChunk(true, big[100:]))
	if got, err := ReadRequest(bytes.NewReader(ok), SizeBounds{}); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("repeated stream identifier: %v", err)
	}
}

// A reader stops at max_compressed_len(n): it does not consume the bytes of
// an over-long chunk.
func TestReadBudget(t *testing.T) {
	n := uint64(1)
	in := msg(n, streamHeader, frame(0x80, make([]byte, 100)), dataChunk(false, []byte{1}))
	r := bytes.NewReader(in)
	if _, err := ReadPayload(r, SizeBounds{}); !errors.Is(err, ErrCompressedTooLong) {
		t.Fatal(err)
	}
	consumed := uint64(len(in) - r.Len())
	if consumed-1 > eth2.MaxCompressedLen(n) {
		t.Fatalf("consumed %d bytes after the prefix, budget %d", consumed-1, eth2.MaxCompressedLen(n))
	}
}

// A declared MAX_PAYLOAD_SIZE with a short body must not allocate 10 MiB.
func TestNoOverAllocation(t *testing.T) {
	in := msg(eth2.MaxPayloadSize, streamHeader, dataChunk(false, []byte{1, 2, 3}))
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	for i := 0; i < 10; i++ {
		if _, err := ReadPayload(bytes.NewReader(in), SizeBounds{}); !errors.Is(err, ErrEarlyEOF) {
			t.Fatal(err)
		}
		if _, err := ReadPayload(bytes.NewReader(msg(^uint64(0))), SizeBounds{}); !errors.Is(err, ErrLengthTooLarge) {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&b)
	if d := b.TotalAlloc - a.TotalAlloc; d > 4<<20 {
		t.Fatalf("allocated %d bytes for 10 truncated 10 MiB claims", d)
	}
}

func TestChunks(t *testing.T) {
	d := forkdigest.Digest{0x6a, 0x95, 0xa1, 0xa9}
	blocks := [][]byte{bytes.Repeat([]byte{1}, 300), bytes.Repeat([]byte{2}, 70000), {3}}
	var stream []byte
	for _, b := range blocks {
		c, err := EncodeChunk(Success, &d, b)
		if err != nil {
			t.Fatal(err)
		}
		stream = append(stream, c...)
	}
	e, err := EncodeErrorChunk(ResourceUnavailable, "no blocks")
	if err != nil {
		t.Fatal(err)
	}
	stream = append(stream, e...)
	r := bytes.NewReader(stream)
	for i, b := range blocks {
		c, err := ReadChunkFunc(r, true, func(ctx forkdigest.Digest) (SizeBounds, error) {
			if ctx != d {
				t.Fatalf("context %s", ctx)
			}
			return SizeBounds{Max: 100000}, nil
		})
		if err != nil || c.Code != Success || !c.HasContext || !bytes.Equal(c.Payload, b) {
			t.Fatalf("chunk %d: %+v %v", i, c.Code, err)
		}
	}
	c, err := ReadChunk(r, true, SizeBounds{})
	if err != nil || c.Code != ResourceUnavailable || c.HasContext || c.ErrorMessage() != "no blocks" {
		t.Fatalf("error chunk: %+v %v", c, err)
	}
	if _, err := ReadChunk(r, true, SizeBounds{}); err != io.EOF {
		t.Fatalf("end of stream: %v", err)
	}
	// Byte layout: result, context, varint, snappy stream.
	one, _ := EncodeChunk(Success, &d, []byte{9})
	if want := append(append([]byte{0}, d[:]...), specEncode([]byte{9})...); !bytes.Equal(one, want) {
		t.Fatalf("layout %x want %x", one, want)
	}
	// Without context bytes (status, metadata, ...).
	st, _ := EncodeChunk(Success, nil, make([]byte, 84))
	if c, err := ReadChunk(bytes.NewReader(st), false, StatusV1.Response); err != nil || len(c.Payload) != 84 {
		t.Fatal(err)
	}
	if _, err := ReadChunk(bytes.NewReader(st), false, StatusV2.Response); !errors.Is(err, ErrLengthTooSmall) {
		t.Fatalf("status v2 bounds: %v", err)
	}
	// Error chunks: unknown codes pass through, ErrorMessage limited to 256.
	for _, code := range []ResponseCode{InvalidRequest, ServerError, 4, 128, 255} {
		e, _ := EncodeErrorChunk(code, string(bytes.Repeat([]byte{'e'}, 300)))
		c, err := ReadChunk(bytes.NewReader(e), true, SizeBounds{})
		if err != nil || c.Code != code || len(c.ErrorMessage()) != 256 {
			t.Fatalf("code %d: %v", code, err)
		}
	}
	long := append([]byte{byte(ServerError)}, specEncode(make([]byte, 257))...)
	if _, err := ReadChunk(bytes.NewReader(long), false, SizeBounds{}); !errors.Is(err, ErrBadErrorMessage) || !errors.Is(err, ErrLengthTooLarge) {
		t.Fatalf("257-byte ErrorMessage: %v", err)
	}
	if _, err := EncodeChunk(ServerError, nil, make([]byte, 257)); !errors.Is(err, ErrBadErrorMessage) {
		t.Fatal(err)
	}
	// Truncations.
	if _, err := ReadChunk(bytes.NewReader(one[:3]), true, SizeBounds{}); !errors.Is(err, ErrEarlyEOF) {
		t.Fatalf("eof in context: %v", err)
	}
	if _, err := ReadChunk(bytes.NewReader(one[:5]), true, SizeBounds{}); !errors.Is(err, ErrEarlyEOF) {
		t.Fatalf("eof after context: %v", err)
	}
	if _, err := ReadChunk(bytes.NewReader([]byte{1}), true, SizeBounds{}); !errors.Is(err, ErrEarlyEOF) {
		t.Fatalf("eof after error code: %v", err)
	}
	for code, s := range map[ResponseCode]string{0: "Success", 1: "InvalidRequest", 2: "ServerError", 3: "ResourceUnavailable", 9: "ResponseCode(9)"} {
		if code.String() != s {
			t.Errorf("%d: %s", code, code)
		}
	}
}

func TestProtocolIDs(t *testing.T) {
	want := map[string]bool{
		"/eth2/beacon_chain/req/status/1/ssz_snappy":                        false,
		"/eth2/beacon_chain/req/status/2/ssz_snappy":                        false,
		"/eth2/beacon_chain/req/goodbye/1/ssz_snappy":                       false,
		"/eth2/beacon_chain/req/ping/1/ssz_snappy":                          false,
		"/eth2/beacon_chain/req/metadata/1/ssz_snappy":                      false,
		"/eth2/beacon_chain/req/metadata/2/ssz_snappy":                      false,
		"/eth2/beacon_chain/req/metadata/3/ssz_snappy":                      false,
		"/eth2/beacon_chain/req/beacon_blocks_by_range/1/ssz_snappy":        false,
		"/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy":        true,
		"/eth2/beacon_chain/req/beacon_blocks_by_root/1/ssz_snappy":         false,
		"/eth2/beacon_chain/req/beacon_blocks_by_root/2/ssz_snappy":         true,
		"/eth2/beacon_chain/req/blob_sidecars_by_range/1/ssz_snappy":        true,
		"/eth2/beacon_chain/req/blob_sidecars_by_root/1/ssz_snappy":         true,
		"/eth2/beacon_chain/req/data_column_sidecars_by_range/1/ssz_snappy": true,
		"/eth2/beacon_chain/req/data_column_sidecars_by_root/1/ssz_snappy":  true,
	}
	if len(Protocols) != len(want) {
		t.Fatalf("%d protocols", len(Protocols))
	}
	for id, ctx := range want {
		p, err := ParseProtocolID(id)
		if err != nil || p.ID() != id || p.ContextBytes != ctx {
			t.Errorf("%s: %+v %v", id, p, err)
		}
	}
	for _, id := range []string{"", "/eth2/beacon_chain/req/status/3/ssz_snappy", "/eth2/beacon_chain/req/status/1/ssz", "/eth2/beacon_chain/req/light_client_bootstrap/1/ssz_snappy"} {
		if _, err := ParseProtocolID(id); !errors.Is(err, ErrUnknownProtocol) {
			t.Errorf("%q: %v", id, err)
		}
	}
}

func TestReadSingleResponse(t *testing.T) {
	meta := make([]byte, 25)
	c, _ := EncodeChunk(Success, nil, meta)
	if got, err := ReadSingleResponse(bytes.NewReader(c), false, MetadataV3.Response); err != nil || len(got.Payload) != 25 {
		t.Fatal(err)
	}
	if _, err := ReadSingleResponse(bytes.NewReader(append(c, c...)), false, MetadataV3.Response); !errors.Is(err, ErrTrailingBytes) {
		t.Fatalf("two chunks: %v", err)
	}
	if _, err := ReadSingleResponse(bytes.NewReader(nil), false, MetadataV3.Response); !errors.Is(err, ErrEarlyEOF) {
		t.Fatalf("empty: %v", err)
	}
	if _, err := ReadSingleResponse(bytes.NewReader(c), false, MetadataV2.Response); !errors.Is(err, ErrLengthTooLarge) {
		t.Fatalf("v3 body on v2: %v", err)
	}
}
