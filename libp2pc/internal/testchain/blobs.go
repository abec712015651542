package testchain

// Chains of any fork whose blocks carry blobs (issue 15): real KZG
// commitments in the body and, next to each block, the sidecars the
// proposer publishes — blob sidecars for deneb and electra, the 128 data
// column sidecars (cells, proofs, inclusion proof) for fulu.

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/da/sidecar"
)

// ForkConfig is Config with every fork from altair up to last scheduled at
// epoch 0, secondsPerSlot per slot, and (when last is fulu) a blob schedule
// of maxBlobs per block from epoch 0 (the BPO entry the 21-blob
// benchmarks need; 0 keeps electra's limit).
func ForkConfig(last forks.Fork, secondsPerSlot, maxBlobs uint64) *config.Config {
	cfg := Config()
	cfg.SecondsPerSlot = secondsPerSlot
	cfg.Raw = map[string]string{}
	for i, name := range config.ForkNames {
		f := forks.Altair + forks.Fork(i)
		cfg.Raw[name+"_FORK_VERSION"] = fmt.Sprintf("0x0%d000001", i+1)
		if f <= last {
			cfg.Raw[name+"_FORK_EPOCH"] = "0"
		} else {
			cfg.Raw[name+"_FORK_EPOCH"] = fmt.Sprint(config.FarFutureEpoch)
		}
	}
	if last >= forks.Fulu && maxBlobs > 0 {
		cfg.BlobSchedule = []config.BlobParameters{{Epoch: 0, MaxBlobsPerBlock: maxBlobs}}
	}
	return cfg
}

// ForkGenesis is Genesis(n) upgraded through every fork up to last (the
// state a chain whose forks are all at epoch 0 starts from).
func ForkGenesis(cfg *config.Config, n int, last forks.Fork) (*state.BeaconState, error) {
	g, err := Genesis(n)
	if err != nil {
		return nil, err
	}
	s := state.FromPhase0(g)
	for f := forks.Altair; f <= last; f++ {
		if err := transition.Upgrade(cfg, s, f); err != nil {
			return nil, fmt.Errorf("testchain: upgrade to %s: %w", f, err)
		}
	}
	return s, nil
}

// BlobBlock is a produced block with its data.
type BlobBlock struct {
	Signed *state.SignedBeaconBlock
	SSZ    []byte
	Root   [32]byte
	Slot   uint64
	Post   *state.BeaconState // the post-state (do not modify)
	Blobs  [][]byte
	// BlobSidecars (deneb, electra) or Columns (fulu, all 128, by index);
	// nil for a block without blobs.
	BlobSidecars []*deneb.BlobSidecar
	Columns      []*fulu.DataColumnSidecar
}

// ProduceBlobBlock returns a signed block at slot on pre (not modified)
// carrying blobs random blobs (drawn from seed), with the sidecars its
// proposer publishes. The block has no attestations and an empty sync
// aggregate; from capella its payload passes the consensus checks (parent
// hash, prev_randao, timestamp, withdrawals) and is accepted optimistically
// by a transition without an engine. ctx may be nil for blobs == 0.
func ProduceBlobBlock(cfg *config.Config, ctx *kzg.Context, pre *state.BeaconState, slot uint64, blobs int, seed uint64) (*BlobBlock, error) {
	s := pre.Copy()
	if err := transition.AdvanceSlots(cfg, s, slot); err != nil {
		return nil, err
	}
	if blobs > 0 && s.ForkName < forks.Deneb {
		return nil, fmt.Errorf("testchain: blobs in a %s block", s.ForkName)
	}
	ks, err := Keys(len(s.Validators))
	if err != nil {
		return nil, err
	}
	epoch := helpers.CurrentEpoch(s)
	proposer, err := transition.BeaconProposerIndex(s)
	if err != nil {
		return nil, err
	}
	sign := func(domainType [4]byte, root [32]byte) ([96]byte, error) {
		domain, err := helpers.Domain(s, domainType, epoch)
		if err != nil {
			return [96]byte{}, err
		}
		sr, err := helpers.SigningRootOfRoot(root, domain)
		if err != nil {
			return [96]byte{}, err
		}
		return ks[proposer].Sign(sr[:]), nil
	}
	var epochRoot [32]byte
	binary.LittleEndian.PutUint64(epochRoot[:], epoch)
	randao, err := sign(config.DomainRandao, epochRoot)
	if err != nil {
		return nil, err
	}
	parent, err := s.LatestBlockHeader.HashTreeRoot()
	if err != nil {
		return nil, err
	}
	eth1 := *s.Eth1Data
	body := &state.BeaconBlockBody{RandaoReveal: randao, Eth1Data: &eth1}
	if s.ForkName >= forks.Altair {
		agg := &altair.SyncAggregate{}
		agg.SyncCommitteeSignature[0] = 0xc0 // no participants: the point at infinity
		body.SyncAggregate = agg
	}
	if s.ForkName >= forks.Bellatrix {
		body.ExecutionPayload = &deneb.ExecutionPayload{}
	}
	if s.ForkName >= forks.Capella {
		p := body.ExecutionPayload
		p.ParentHash = s.LatestExecutionPayloadHeader.BlockHash
		p.BlockHash = sha256.Sum256(append(parent[:], byte(slot), byte(slot>>8), byte(seed)))
		p.PrevRandao = helpers.RandaoMix(s, epoch)
		p.BlockNumber = slot
		p.GasLimit = 30_000_000
		p.Timestamp = s.GenesisTime + slot*cfg.SecondsPerSlot
		if p.Withdrawals, err = transition.ExpectedWithdrawals(s); err != nil {
			return nil, err
		}
	}
	if s.ForkName >= forks.Electra {
		body.ExecutionRequests = &electra.ExecutionRequests{}
	}
	var blobData [][]byte
	if blobs > 0 {
		if ctx == nil {
			return nil, fmt.Errorf("testchain: blobs without a KZG context")
		}
		r := rand.New(rand.NewPCG(seed, slot))
		blobData = make([][]byte, blobs)
		body.BlobKZGCommitments = make([][48]byte, blobs)
		for i := range blobData {
			blobData[i] = RandomBlob(r)
			if body.BlobKZGCommitments[i], err = ctx.BlobToCommitment(blobData[i]); err != nil {
				return nil, err
			}
		}
		body.ExecutionPayload.BlobGasUsed = uint64(blobs) * 131072
	}
	block := &state.BeaconBlock{ForkName: s.ForkName, Slot: slot, ProposerIndex: proposer, ParentRoot: parent, Body: body}
	post := s.Copy()
	if _, err := transition.ProcessBlock(cfg, post, block, false, nil); err != nil {
		return nil, fmt.Errorf("testchain: produced block at slot %d does not apply: %w", slot, err)
	}
	if block.StateRoot, err = post.HashTreeRoot(); err != nil {
		return nil, err
	}
	root, err := block.HashTreeRoot()
	if err != nil {
		return nil, err
	}
	sig, err := sign(config.DomainBeaconProposer, root)
	if err != nil {
		return nil, err
	}
	signed := &state.SignedBeaconBlock{Message: block, Signature: sig}
	ssz, err := signed.MarshalSSZ()
	if err != nil {
		return nil, err
	}
	out := &BlobBlock{Signed: signed, SSZ: ssz, Root: root, Slot: slot, Post: post, Blobs: blobData}
	if blobs == 0 {
		return out, nil
	}
	sb, err := SidecarBlock(signed)
	if err != nil {
		return nil, err
	}
	if s.ForkName >= forks.Fulu {
		out.Columns, err = sidecar.BuildDataColumnSidecars(ctx, sb, blobData)
	} else {
		out.BlobSidecars, err = sidecar.BuildBlobSidecars(ctx, sb, blobData, nil)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SidecarBlock takes a deneb, electra or fulu signed block apart for the
// sidecar builders.
func SidecarBlock(signed *state.SignedBeaconBlock) (*sidecar.Block, error) {
	c, err := signed.Container()
	if err != nil {
		return nil, err
	}
	switch b := c.(type) {
	case *deneb.SignedBeaconBlock:
		return sidecar.FromDeneb(b)
	case *electra.SignedBeaconBlock:
		return sidecar.FromElectra(b)
	}
	return nil, fmt.Errorf("testchain: a %s block has no blobs", signed.Message.ForkName)
}

// RandomBlob is a blob of canonical field elements (each big-endian
// element's top byte below the modulus' 0x73).
func RandomBlob(r *rand.Rand) []byte {
	blob := make([]byte, kzg.BytesPerBlob)
	for i := range blob {
		blob[i] = byte(r.Uint32())
	}
	for i := 0; i < kzg.BytesPerBlob; i += kzg.BytesPerFieldElement {
		blob[i] %= 0x73
	}
	return blob
}
