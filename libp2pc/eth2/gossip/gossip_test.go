package gossip

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/golang/snappy"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
)

func TestTopicCountsPerFork(t *testing.T) {
	want := map[eth2.Fork]int{
		eth2.Phase0:    6 + 63,             // 5 global + 64 attestation subnets
		eth2.Altair:    6 + 63 + 1 + 4,     // + contribution, 4 sync subnets
		eth2.Bellatrix: 6 + 63 + 1 + 4,     // types change only
		eth2.Capella:   6 + 63 + 1 + 4 + 1, // + bls_to_execution_change
		eth2.Deneb:     75 + 6,             // + 6 blob subnets
		eth2.Electra:   75 + 9,             // 9 blob subnets
		eth2.Fulu:      75 + 128,           // blob topics deprecated, 128 column subnets
	}
	for _, f := range eth2.Forks {
		names := MainnetParams.TopicNames(f)
		if len(names) != want[f] {
			t.Errorf("%s: %d topics, want %d", f, len(names), want[f])
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				t.Errorf("%s: duplicate %s", f, n)
			}
			seen[n] = true
		}
	}
}

func TestTopicRoundTripEveryFork(t *testing.T) {
	d := forkdigest.Digest{0xb5, 0x30, 0x3f, 0x2a}
	for _, f := range eth2.Forks {
		for _, s := range MainnetParams.Topics(d, f) {
			tp, err := ParseTopic(s)
			if err != nil {
				t.Fatalf("%s: %v", s, err)
			}
			if tp.String() != s || tp.ForkDigest != d {
				t.Fatalf("%s -> %+v -> %s", s, tp, tp)
			}
			if !MainnetParams.ExistsAt(tp, f) {
				t.Fatalf("%s not at %s", s, f)
			}
		}
	}
}

func TestTopicSpecExample(t *testing.T) {
	// The example of phase0 p2p-interface.md "Encodings".
	tp, err := ParseTopic("/eth2/446a7232/beacon_aggregate_and_proof/ssz_snappy")
	if err != nil || tp.Base != BeaconAggregateAndProof || tp.ForkDigest != (forkdigest.Digest{0x44, 0x6a, 0x72, 0x32}) {
		t.Fatal(tp, err)
	}
	tp, err = ParseTopic("/eth2/b5303f2a/beacon_attestation_63/ssz_snappy")
	if err != nil || tp.Base != BeaconAttestation || tp.Subnet != 63 || tp.Name() != "beacon_attestation_63" {
		t.Fatal(tp, err)
	}
	if s := FormatTopic(forkdigest.Digest{0xab, 0, 0, 1}, "data_column_sidecar_127"); s != "/eth2/ab000001/data_column_sidecar_127/ssz_snappy" {
		t.Fatal(s)
	}
}

func TestTopicErrors(t *testing.T) {
	cases := []struct {
		s    string
		want error
	}{
		{"/eth2/b5303f2a/beacon_attestation_64/ssz_snappy", ErrUnknownTopic},
		{"/eth2/b5303f2a/beacon_attestation_01/ssz_snappy", ErrUnknownTopic},
		{"/eth2/b5303f2a/beacon_attestation_/ssz_snappy", ErrUnknownTopic},
		{"/eth2/b5303f2a/beacon_attestation/ssz_snappy", ErrUnknownTopic},
		{"/eth2/b5303f2a/sync_committee_4/ssz_snappy", ErrUnknownTopic},
		{"/eth2/b5303f2a/blob_sidecar_9/ssz_snappy", ErrUnknownTopic},
		{"/eth2/b5303f2a/data_column_sidecar_128/ssz_snappy", ErrUnknownTopic},
		{"/eth2/b5303f2a/beacon_blocks/ssz_snappy", ErrUnknownTopic},
		{"/eth2/b5303f2a/light_client_finality_update_x/ssz_snappy", ErrUnknownTopic},
		{"/eth2/b5303f2a/beacon_block/ssz", ErrUnknownEncoding},
		{"/eth2/b5303f2a/beacon_block/", ErrUnknownEncoding},
		{"/eth2/B5303F2A/beacon_block/ssz_snappy", ErrMalformedTopic},
		{"/eth2/b5303f2/beacon_block/ssz_snappy", ErrMalformedTopic},
		{"/eth2/0xb5303f/beacon_block/ssz_snappy", ErrMalformedTopic},
		{"/eth2/b5303f2g/beacon_block/ssz_snappy", ErrMalformedTopic},
		{"/eth1/b5303f2a/beacon_block/ssz_snappy", ErrMalformedTopic},
		{"eth2/b5303f2a/beacon_block/ssz_snappy", ErrMalformedTopic},
		{"/eth2/b5303f2a/beacon_block/ssz_snappy/", ErrMalformedTopic},
		{"/eth2/b5303f2a//ssz_snappy", ErrMalformedTopic},
		{"", ErrMalformedTopic},
	}
	for _, c := range cases {
		if _, err := ParseTopic(c.s); !errors.Is(err, c.want) {
			t.Errorf("%q: got %v want %v", c.s, err, c.want)
		}
	}
}

func TestTopicForks(t *testing.T) {
	p := MainnetParams
	check := func(name string, f eth2.Fork, want bool) {
		t.Helper()
		tp, err := p.ParseName(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.ExistsAt(tp, f); got != want {
			t.Errorf("%s at %s: %v", name, f, got)
		}
	}
	check("beacon_block", eth2.Phase0, true)
	check("sync_committee_0", eth2.Phase0, false)
	check("sync_committee_3", eth2.Altair, true)
	check("sync_committee_contribution_and_proof", eth2.Altair, true)
	check("sync_committee_contribution_and_proof", eth2.Phase0, false)
	check("bls_to_execution_change", eth2.Bellatrix, false)
	check("bls_to_execution_change", eth2.Capella, true)
	check("blob_sidecar_5", eth2.Capella, false)
	check("blob_sidecar_5", eth2.Deneb, true)
	check("blob_sidecar_6", eth2.Deneb, false)
	check("blob_sidecar_8", eth2.Electra, true)
	check("blob_sidecar_0", eth2.Fulu, false)
	check("data_column_sidecar_0", eth2.Electra, false)
	check("data_column_sidecar_127", eth2.Fulu, true)
	check("beacon_attestation_63", eth2.Fulu, true)
}

// Spec formulas written out independently of the package.
func specIDPhase0(data []byte) [20]byte {
	var in []byte
	if dec, err := snappy.Decode(nil, data); err == nil {
		in = append([]byte{1, 0, 0, 0}, dec...)
	} else {
		in = append([]byte{0, 0, 0, 0}, data...)
	}
	h := sha256.Sum256(in)
	return [20]byte(h[:20])
}

func specIDAltair(topic string, data []byte) [20]byte {
	l := binary.LittleEndian.AppendUint64(nil, uint64(len(topic)))
	var in []byte
	if dec, err := snappy.Decode(nil, data); err == nil {
		in = append(append(append([]byte{1, 0, 0, 0}, l...), topic...), dec...)
	} else {
		in = append(append(append([]byte{0, 0, 0, 0}, l...), topic...), data...)
	}
	h := sha256.Sum256(in)
	return [20]byte(h[:20])
}

func fixedPayloads() [][]byte {
	big := bytes.Repeat([]byte("beacon block body "), 4000)
	return [][]byte{
		snappy.Encode(nil, nil),
		snappy.Encode(nil, []byte{0}),
		snappy.Encode(nil, []byte("attestation")),
		snappy.Encode(nil, big),
		nil,                                        // empty data: invalid snappy
		{0xff, 0xff, 0xff},                         // truncated varint header
		{0x05, 0x00, 0x01, 0x02},                   // header says 5, body corrupt
		append(snappy.Encode(nil, []byte("x")), 0), // trailing garbage
	}
}

func TestMessageIDVectors(t *testing.T) {
	topics := []string{"", "/eth2/b5303f2a/beacon_block/ssz_snappy", "/eth2/afcaaba0/sync_committee_3/ssz_snappy"}
	for i, data := range fixedPayloads() {
		if got, want := MessageIDPhase0(data), specIDPhase0(data); got != MessageID(want) {
			t.Errorf("phase0 #%d: %x want %x", i, got, want)
		}
		for _, tp := range topics {
			if got, want := MessageIDAltair(tp, data), specIDAltair(tp, data); got != MessageID(want) {
				t.Errorf("altair #%d %q: %x want %x", i, tp, got, want)
			}
			if MessageIDForFork(eth2.Phase0, tp, data) != MessageIDPhase0(data) ||
				MessageIDForFork(eth2.Deneb, tp, data) != MessageIDAltair(tp, data) {
				t.Errorf("fork switch #%d", i)
			}
		}
	}
	// Valid vs invalid domain actually differ for the same bytes of input.
	enc := snappy.Encode(nil, []byte("abc"))
	if MessageIDPhase0(enc) == MessageIDPhase0([]byte("abc")) {
		t.Fatal("domains not separated")
	}
	// Same decompressed content, different topic: different Altair id.
	if MessageIDAltair("a", enc) == MessageIDAltair("b", enc) {
		t.Fatal("topic not bound")
	}
}

// oversized is a snappy block whose header declares n bytes, followed by a
// few literal bytes only.
func oversized(n uint64) []byte {
	b := binary.AppendUvarint(nil, n)
	return append(b, 0x00, 'x') // one-byte literal
}

func TestDecodePayloadLimits(t *testing.T) {
	payload := bytes.Repeat([]byte{7}, 1000)
	enc := snappy.Encode(nil, payload)
	got, err := DecodePayload(enc, 0)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatal(err)
	}
	if _, err := DecodePayload(enc, 999); !errors.Is(err, ErrDecodedTooLarge) {
		t.Fatalf("type limit: %v", err)
	}
	if got, err := DecodePayload(enc, 1000); err != nil || len(got) != 1000 {
		t.Fatalf("at limit: %v", err)
	}
	if _, err := DecodePayload(oversized(eth2.MaxPayloadSize+1), 0); !errors.Is(err, ErrDecodedTooLarge) {
		t.Fatalf("MAX_PAYLOAD_SIZE+1: %v", err)
	}
	if _, err := DecodePayload(oversized(1<<32), 0); !errors.Is(err, ErrDecodedTooLarge) && !errors.Is(err, ErrInvalidSnappy) {
		t.Fatalf("2**32: %v", err)
	}
	if _, err := DecodePayload(make([]byte, eth2.MaxCompressedLen(100)+1), 100); !errors.Is(err, ErrCompressedTooLarge) {
		t.Fatalf("compressed: %v", err)
	}
	if _, err := DecodePayload(make([]byte, eth2.MaxCompressedLen(eth2.MaxPayloadSize)+1), 0); !errors.Is(err, ErrCompressedTooLarge) {
		t.Fatalf("compressed max: %v", err)
	}
	for _, bad := range [][]byte{nil, {0x80}, {0x05, 0x00, 0x01}, append(snappy.Encode(nil, []byte("x")), 0)} {
		if _, err := DecodePayload(bad, 0); !errors.Is(err, ErrInvalidSnappy) {
			t.Errorf("%x: %v", bad, err)
		}
	}
	// A message declaring more than MAX_PAYLOAD_SIZE takes the invalid-snappy
	// message-id over the raw data.
	o := oversized(eth2.MaxPayloadSize + 1)
	h := sha256.Sum256(append([]byte{0, 0, 0, 0}, o...))
	if MessageIDPhase0(o) != MessageID(h[:20]) {
		t.Fatal("oversized id")
	}
}

// A header declaring MAX_PAYLOAD_SIZE+1 (or 4 GiB) must be refused without
// allocating anything close to it.
func TestDecodePayloadNoOverAllocation(t *testing.T) {
	inputs := [][]byte{oversized(eth2.MaxPayloadSize + 1), oversized(1<<32 - 1), oversized(eth2.MaxPayloadSize)}
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	for i := 0; i < 10; i++ {
		for _, in := range inputs[:2] {
			_, _ = DecodePayload(in, 0)
			_ = MessageIDAltair("t", in)
		}
	}
	runtime.ReadMemStats(&ms1)
	if d := ms1.TotalAlloc - ms0.TotalAlloc; d > 1<<20 {
		t.Fatalf("allocated %d bytes refusing oversized headers", d)
	}
	// A declared length within the limit whose body is short is decoded
	// (and fails) with one allocation of the declared size; with a type
	// limit the same input is refused before allocating.
	runtime.ReadMemStats(&ms0)
	if _, err := DecodePayload(inputs[2], 1024); !errors.Is(err, ErrDecodedTooLarge) {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&ms1)
	if d := ms1.TotalAlloc - ms0.TotalAlloc; d > 64<<10 {
		t.Fatalf("allocated %d bytes with a type limit", d)
	}
}

func TestMaxSizes(t *testing.T) {
	if eth2.MaxPayloadSize != 10485760 {
		t.Fatal(eth2.MaxPayloadSize)
	}
	if got := eth2.MaxCompressedLen(eth2.MaxPayloadSize); got != 32+10485760+10485760/6 {
		t.Fatal(got)
	}
	if eth2.MaxMessageSize() != eth2.MaxCompressedLen(eth2.MaxPayloadSize)+1024 {
		t.Fatal(eth2.MaxMessageSize())
	}
	if eth2.MaxCompressedLen(^uint64(0)) != ^uint64(0) {
		t.Fatal("no saturation")
	}
}
