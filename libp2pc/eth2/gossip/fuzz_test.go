package gossip

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/golang/snappy"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
)

func FuzzDecodeGossip(f *testing.F) {
	for _, p := range fixedPayloads() {
		f.Add(p, uint32(0))
	}
	f.Add(oversized(eth2.MaxPayloadSize+1), uint32(0))
	f.Add(oversized(100), uint32(50))
	f.Add(binary.AppendUvarint(nil, 1<<40), uint32(0))
	f.Fuzz(func(t *testing.T, data []byte, limit uint32) {
		eff := uint64(limit)
		if eff == 0 || eff > eth2.MaxPayloadSize {
			eff = eth2.MaxPayloadSize
		}
		out, err := DecodePayload(data, uint64(limit))
		if err != nil {
			return
		}
		if uint64(len(out)) > eff {
			t.Fatalf("decoded %d > limit %d", len(out), eff)
		}
		if n, _ := snappy.DecodedLen(data); n != len(out) {
			t.Fatalf("length %d vs header %d", len(out), n)
		}
		again, err := DecodePayload(EncodePayload(out), uint64(limit))
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("re-encode round trip: %v", err)
		}
	})
}

func FuzzMessageID(f *testing.F) {
	for _, p := range fixedPayloads() {
		f.Add("/eth2/b5303f2a/beacon_block/ssz_snappy", p)
	}
	f.Add("", []byte{})
	f.Add("x", oversized(eth2.MaxPayloadSize+1))
	f.Fuzz(func(t *testing.T, topic string, data []byte) {
		p0, a := MessageIDPhase0(data), MessageIDAltair(topic, data)
		if p0 != MessageIDPhase0(data) || a != MessageIDAltair(topic, data) {
			t.Fatal("not deterministic")
		}
		// The variant that hands the payload to validation agrees, and its
		// payload is DecodePayload's.
		id0, dec0 := MessageIDAndPayload(eth2.Phase0, topic, data)
		idA, decA := MessageIDAndPayload(eth2.Deneb, topic, data)
		want, err := DecodePayload(data, 0)
		if id0 != p0 || idA != a || !bytes.Equal(dec0, want) || !bytes.Equal(decA, want) || (err != nil) != (dec0 == nil) {
			t.Fatalf("MessageIDAndPayload disagrees (decode error %v)", err)
		}
		// Within MAX_PAYLOAD_SIZE the id is exactly the spec formula.
		if n, err := snappy.DecodedLen(data); (err != nil || uint64(n) <= eth2.MaxPayloadSize) && uint64(len(data)) <= eth2.MaxCompressedLen(eth2.MaxPayloadSize) {
			if p0 != MessageID(specIDPhase0(data)) || a != MessageID(specIDAltair(topic, data)) {
				t.Fatal("differs from spec formula")
			}
		}
	})
}
