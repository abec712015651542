//go:build minimal

package chainsvc

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/internal/phase0transition"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// TestChainGossipAggregates: with a chain, beacon_aggregate_and_proof can
// be joined with Go validation (without one it cannot: no validator). A
// aggregates committee 0 of a past slot and publishes it; B's chain
// validates it (the pipeline's attestation rules, real BLS) and its votes
// reach B's fork choice; a garbage message is REJECTed with a reason.
func TestChainGossipAggregates(t *testing.T) {
	const nBlocks = 6
	const validators = 16
	g, err := testchain.Genesis(validators)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := testchain.Keys(validators)
	if err != nil {
		t.Fatal(err)
	}
	genesisSSZ, _ := g.MarshalSSZ()
	ccfg := testchain.Config()
	ccfg.SecondsPerSlot = 1
	ec := testEth2Config(time.Now().Add(-(nBlocks+3)*time.Second), config.FarFutureEpoch, config.FarFutureEpoch)

	var blocks [][]byte
	pre := g
	for slot := uint64(1); slot <= nBlocks; slot++ {
		sb, err := testchain.ProduceBlock(ccfg, pre, slot, 1)
		if err != nil {
			t.Fatal(err)
		}
		post, err := phase0transition.StateTransition(ccfg, pre, sb, false, true)
		if err != nil {
			t.Fatal(err)
		}
		ssz, _ := sb.MarshalSSZ()
		blocks, pre = append(blocks, ssz), post
	}

	a, ra := startEth2Node(t, ec, nil)
	b, rb := startEth2Node(t, ec, nil)
	if _, err := a.Eth2Subscribe("beacon_aggregate_and_proof", node.ValidateGo); status.CodeOf(err) != status.NotFound {
		t.Fatalf("Go-validated aggregates without a chain: %v", err)
	}
	for _, x := range []struct {
		n *node.Node
		r *recorder
	}{{a, ra}, {b, rb}} {
		req, err := Start(x.n, ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg, StatusPollPeriod: -1})
		mustOK(t, x.r, req, err, "start chain")
		for _, ssz := range blocks {
			if r := Pipeline(x.n).Import(ssz, ""); r.State != pipeline.Included {
				t.Fatalf("import: %+v", r)
			}
		}
		eth2SubOK(t, x.n, x.r, "beacon_aggregate_and_proof", node.ValidateGo)
	}
	connectPair(t, a, ra, b, rb, "/tcp/")
	topic := "/eth2/" + digestOf(t, ec, 0).String() + "/beacon_aggregate_and_proof/ssz_snappy"
	ra.waitFor(t, "B joins the aggregate topic", joinedTopic(b.ID(), topic))

	// The aggregate of committee 0 of slot nBlocks-1, voting for its block.
	attSlot := uint64(nBlocks - 1)
	target := attSlot / config.SlotsPerEpoch
	targetRoot, _ := helpers.BlockRoot(pre, target)
	head, _ := helpers.BlockRootAtSlot(pre, attSlot)
	committee, err := helpers.BeaconCommittee(pre, attSlot, 0)
	if err != nil {
		t.Fatal(err)
	}
	data := &phase0.AttestationData{Slot: attSlot, BeaconBlockRoot: head,
		Source: pre.CurrentJustifiedCheckpoint, Target: &phase0.Checkpoint{Epoch: target, Root: targetRoot}}
	sign := func(domainType [4]byte, epoch uint64, root [32]byte, v uint64) [96]byte {
		d, err := helpers.Domain(pre, domainType, epoch)
		if err != nil {
			t.Fatal(err)
		}
		sr, _ := helpers.SigningRootOfRoot(root, d)
		return keys[v].Sign(sr[:])
	}
	dataRoot, _ := data.HashTreeRoot()
	bits := make([]byte, len(committee)/8+1)
	var sigs [][]byte
	for i, v := range committee {
		s := sign(config.DomainBeaconAttester, target, dataRoot, v)
		sigs = append(sigs, s[:])
		bits[i/8] |= 1 << (i % 8)
	}
	bits[len(committee)/8] |= 1 << (len(committee) % 8)
	aggSig, err := blsAggregate(sigs)
	if err != nil {
		t.Fatal(err)
	}
	var slotRoot [32]byte
	binary.LittleEndian.PutUint64(slotRoot[:], attSlot)
	aggregator := committee[0]
	msg := &phase0.AggregateAndProof{AggregatorIndex: aggregator,
		Aggregate:      &phase0.Attestation{AggregationBits: bits, Data: data, Signature: aggSig},
		SelectionProof: sign(config.DomainSelectionProof, target, slotRoot, aggregator)}
	msgRoot, _ := msg.HashTreeRoot()
	ssz, err := (&phase0.SignedAggregateAndProof{Message: msg,
		Signature: sign(config.DomainAggregateAndProof, target, msgRoot, aggregator)}).MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	req, err := a.Eth2Publish(topic, ssz)
	mustOK(t, ra, req, err, "publish aggregate")
	req, err = a.Eth2Publish(topic, []byte("not an aggregate"))
	mustOK(t, ra, req, err, "publish garbage")

	eventually(t, "B accepts the aggregate and applies its votes", 10*time.Second, func() (bool, string) {
		c, err := AttestationCounters(b)
		return err == nil && c.Accepted == 1 && c.VotesApplied == 1 && c.Rejected == 1, fmtAny(c, err)
	})
	tc := b.Eth2Counters().Topics["beacon_aggregate_and_proof"]
	if tc.Accepted != 1 || tc.Rejected != 1 {
		t.Fatalf("B topic counters %+v", tc)
	}
}

func blsAggregate(sigs [][]byte) ([96]byte, error) { return bls.Aggregate(sigs) }

func fmtAny(v ...any) string { return fmt.Sprint(v...) }
