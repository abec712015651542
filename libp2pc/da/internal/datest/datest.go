// Package datest builds test inputs for the data-availability packages:
// random blobs with their real KZG commitments, and deneb / electra signed
// blocks carrying those commitments next to non-empty other body fields
// (so the inclusion proofs are checked against realistic body roots).
package datest

import (
	"math/rand/v2"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
)

// Blob is a random blob of canonical field elements (the top byte of each
// big-endian element stays below the modulus' 0x73).
func Blob(r *rand.Rand) []byte {
	blob := make([]byte, kzg.BytesPerBlob)
	for i := range blob {
		blob[i] = byte(r.Uint32())
	}
	for i := 0; i < kzg.BytesPerBlob; i += kzg.BytesPerFieldElement {
		blob[i] %= 0x73
	}
	return blob
}

// Blobs returns n random blobs and their commitments.
func Blobs(t testing.TB, ctx *kzg.Context, r *rand.Rand, n int) ([][]byte, [][48]byte) {
	t.Helper()
	blobs := make([][]byte, n)
	comms := make([][48]byte, n)
	for i := range blobs {
		blobs[i] = Blob(r)
		c, err := ctx.BlobToCommitment(blobs[i])
		if err != nil {
			t.Fatal(err)
		}
		comms[i] = c
	}
	return blobs, comms
}

func fill(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

func header(r *rand.Rand) *phase0.SignedBeaconBlockHeader {
	h := &phase0.SignedBeaconBlockHeader{Message: &phase0.BeaconBlockHeader{Slot: r.Uint64N(1000), ProposerIndex: r.Uint64N(64)}}
	fill(r, h.Message.ParentRoot[:])
	fill(r, h.Message.BodyRoot[:])
	fill(r, h.Signature[:])
	return h
}

func payload(r *rand.Rand) *deneb.ExecutionPayload {
	p := &deneb.ExecutionPayload{
		BlockNumber:  r.Uint64N(1 << 20),
		GasLimit:     30_000_000,
		Timestamp:    1_700_000_000,
		ExtraData:    []byte("libp2pc"),
		Transactions: [][]byte{{0x02, 0x01, 0x02}, make([]byte, 200)},
		Withdrawals:  []*capella.Withdrawal{{Index: 1, ValidatorIndex: 2, Amount: 3}},
		BlobGasUsed:  131072,
	}
	fill(r, p.ParentHash[:])
	fill(r, p.BlockHash[:])
	fill(r, p.Transactions[1])
	return p
}

// DenebBlock is a deneb signed block at slot with these commitments.
func DenebBlock(r *rand.Rand, slot uint64, comms [][48]byte) *deneb.SignedBeaconBlock {
	b := &deneb.SignedBeaconBlock{Message: &deneb.BeaconBlock{Slot: slot, ProposerIndex: 7, Body: &deneb.BeaconBlockBody{
		Eth1Data:              &phase0.Eth1Data{DepositCount: 5},
		ProposerSlashings:     []*phase0.ProposerSlashing{{SignedHeader1: header(r), SignedHeader2: header(r)}},
		ExecutionPayload:      payload(r),
		BLSToExecutionChanges: []*capella.SignedBLSToExecutionChange{{Message: &capella.BLSToExecutionChange{ValidatorIndex: 9}}},
		BlobKZGCommitments:    comms,
	}}}
	b.Message.Body.SyncAggregate = newSyncAggregate()
	fill(r, b.Message.ParentRoot[:])
	fill(r, b.Message.StateRoot[:])
	fill(r, b.Message.Body.RandaoReveal[:])
	fill(r, b.Message.Body.Graffiti[:])
	fill(r, b.Signature[:])
	return b
}

// ElectraBlock is an electra (= fulu) signed block at slot with these
// commitments.
func ElectraBlock(r *rand.Rand, slot uint64, comms [][48]byte) *electra.SignedBeaconBlock {
	b := &electra.SignedBeaconBlock{Message: &electra.BeaconBlock{Slot: slot, ProposerIndex: 11, Body: &electra.BeaconBlockBody{
		Eth1Data:              &phase0.Eth1Data{DepositCount: 5},
		ProposerSlashings:     []*phase0.ProposerSlashing{{SignedHeader1: header(r), SignedHeader2: header(r)}},
		ExecutionPayload:      payload(r),
		BLSToExecutionChanges: []*capella.SignedBLSToExecutionChange{{Message: &capella.BLSToExecutionChange{ValidatorIndex: 9}}},
		BlobKZGCommitments:    comms,
		ExecutionRequests: &electra.ExecutionRequests{
			Deposits: []*electra.DepositRequest{{Amount: 32_000_000_000, Index: 4}},
		},
	}}}
	b.Message.Body.SyncAggregate = newSyncAggregate()
	fill(r, b.Message.ParentRoot[:])
	fill(r, b.Message.StateRoot[:])
	fill(r, b.Message.Body.RandaoReveal[:])
	fill(r, b.Message.Body.Graffiti[:])
	fill(r, b.Signature[:])
	return b
}
