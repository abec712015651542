// Package dafixture is test scaffolding for the data availability gossip
// and req/resp tests (not used by the library): a consensus config with
// deneb, electra and fulu scheduled, and blocks whose headers carry real
// proposer signatures (testchain's deterministic BLS keys) with their blob
// sidecars and data column sidecars (real KZG commitments, proofs and
// cells, real inclusion proofs).
package dafixture

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/da/internal/datest"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/da/sidecar"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
)

// The fixture network: deneb from genesis, electra at ElectraEpoch, fulu
// at FuluEpoch, a BPO entry lowering the blob limit to 1 at BPOEpoch;
// 6-second slots.
const (
	ElectraEpoch   = 2
	FuluEpoch      = 4
	BPOEpoch       = 6
	Validators     = 16
	SecondsPerSlot = 6
)

// GenesisValidatorsRoot of the fixture network.
var GenesisValidatorsRoot = [32]byte{0x47, 0x56, 0x52}

// Spec is the fixture network's consensus config.
func Spec() *config.Config {
	raw := map[string]string{
		"MAX_BLOBS_PER_BLOCK":               "6",
		"MAX_BLOBS_PER_BLOCK_ELECTRA":       "9",
		"BLOB_SIDECAR_SUBNET_COUNT":         "6",
		"BLOB_SIDECAR_SUBNET_COUNT_ELECTRA": "9",
	}
	for i, name := range config.ForkNames {
		epoch := uint64(0)
		switch name {
		case "ELECTRA":
			epoch = ElectraEpoch
		case "FULU":
			epoch = FuluEpoch
		}
		raw[name+"_FORK_VERSION"] = "0x0" + strconv.Itoa(i+1) + "000010"
		raw[name+"_FORK_EPOCH"] = strconv.FormatUint(epoch, 10)
	}
	return &config.Config{
		GenesisForkVersion: config.Version{0, 0, 0, 0x10},
		SecondsPerSlot:     SecondsPerSlot,
		Raw:                raw,
		BlobSchedule: []config.BlobParameters{
			{Epoch: FuluEpoch, MaxBlobsPerBlock: 21},
			{Epoch: BPOEpoch, MaxBlobsPerBlock: 1},
		},
	}
}

// Pubkeys are the validators' public keys (testchain.Keys).
func Pubkeys() ([][48]byte, error) {
	keys, err := testchain.Keys(Validators)
	if err != nil {
		return nil, err
	}
	out := make([][48]byte, len(keys))
	for i, k := range keys {
		out[i] = k.PublicKey()
	}
	return out, nil
}

// SignHeader signs h with its proposer's key under the fixture network's
// DOMAIN_BEACON_PROPOSER at h's epoch.
func SignHeader(spec *config.Config, h *phase0.SignedBeaconBlockHeader) error {
	keys, err := testchain.Keys(Validators)
	if err != nil {
		return err
	}
	if h.Message.ProposerIndex >= Validators {
		return fmt.Errorf("dafixture: proposer %d has no key", h.Message.ProposerIndex)
	}
	sched, err := forks.ScheduleOf(spec)
	if err != nil {
		return err
	}
	version := sched.Version(sched.AtEpoch(h.Message.Slot / config.SlotsPerEpoch))
	domain, err := helpers.ComputeDomain(config.DomainBeaconProposer, version, GenesisValidatorsRoot)
	if err != nil {
		return err
	}
	msg, err := helpers.SigningRoot(h.Message, domain)
	if err != nil {
		return err
	}
	h.Signature = keys[h.Message.ProposerIndex].Sign(msg[:])
	return nil
}

// BlockSpec says which block to build.
type BlockSpec struct {
	Slot, Proposer uint64
	Parent         [32]byte
	Blobs          int
	Seed           uint64
}

// Blobs builds a signed deneb (or electra, by slot) block's blob sidecars.
func Blobs(t testing.TB, ctx *kzg.Context, b BlockSpec) []*deneb.BlobSidecar {
	t.Helper()
	r := rand.New(rand.NewPCG(b.Seed, 1))
	blobs, comms := datest.Blobs(t, ctx, r, b.Blobs)
	var blk *sidecar.Block
	var err error
	if b.Slot/config.SlotsPerEpoch >= ElectraEpoch {
		eb := datest.ElectraBlock(r, b.Slot, comms)
		eb.Message.ProposerIndex, eb.Message.ParentRoot = b.Proposer, b.Parent
		blk, err = sidecar.FromElectra(eb)
	} else {
		db := datest.DenebBlock(r, b.Slot, comms)
		db.Message.ProposerIndex, db.Message.ParentRoot = b.Proposer, b.Parent
		blk, err = sidecar.FromDeneb(db)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := SignHeader(Spec(), blk.Header); err != nil {
		t.Fatal(err)
	}
	out, err := sidecar.BuildBlobSidecars(ctx, blk, blobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Columns builds a signed fulu block's 128 data column sidecars.
func Columns(t testing.TB, ctx *kzg.Context, b BlockSpec) []*fulu.DataColumnSidecar {
	t.Helper()
	r := rand.New(rand.NewPCG(b.Seed, 2))
	blobs, comms := datest.Blobs(t, ctx, r, b.Blobs)
	fb := datest.ElectraBlock(r, b.Slot, comms)
	fb.Message.ProposerIndex, fb.Message.ParentRoot = b.Proposer, b.Parent
	blk, err := sidecar.FromElectra(fb)
	if err != nil {
		t.Fatal(err)
	}
	if err := SignHeader(Spec(), blk.Header); err != nil {
		t.Fatal(err)
	}
	out, err := sidecar.BuildDataColumnSidecars(ctx, blk, blobs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
