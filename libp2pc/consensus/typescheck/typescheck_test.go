package typescheck

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	e2altair "github.com/attestantio/go-eth2-client/spec/altair"
	e2bellatrix "github.com/attestantio/go-eth2-client/spec/bellatrix"
	e2capella "github.com/attestantio/go-eth2-client/spec/capella"
	e2deneb "github.com/attestantio/go-eth2-client/spec/deneb"
	e2electra "github.com/attestantio/go-eth2-client/spec/electra"
	e2fulu "github.com/attestantio/go-eth2-client/spec/fulu"
	ssz "github.com/ferranbt/fastssz"
	dynssz "github.com/pk910/dynamic-ssz"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/bellatrix"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
)

type ours interface {
	ssz.Marshaler
	ssz.Unmarshaler
	ssz.HashRoot
}

type pair struct {
	name   string
	ours   func() ours
	theirs func() any
}

func p[O any, PO interface {
	*O
	ours
}, T any](name string) pair {
	return pair{name, func() ours { return PO(new(O)) }, func() any { return new(T) }}
}

// The containers go-eth2-client v0.29.0 implements for altair .. fulu.
var pairs = []pair{
	p[altair.SyncCommitteeMessage, *altair.SyncCommitteeMessage, e2altair.SyncCommitteeMessage]("altair.SyncCommitteeMessage"),
	p[altair.SyncAggregatorSelectionData, *altair.SyncAggregatorSelectionData, e2altair.SyncAggregatorSelectionData]("altair.SyncAggregatorSelectionData"),
	p[altair.SyncAggregate, *altair.SyncAggregate, e2altair.SyncAggregate]("altair.SyncAggregate"),
	p[altair.SyncCommittee, *altair.SyncCommittee, e2altair.SyncCommittee]("altair.SyncCommittee"),
	p[altair.SyncCommitteeContribution, *altair.SyncCommitteeContribution, e2altair.SyncCommitteeContribution]("altair.SyncCommitteeContribution"),
	p[altair.ContributionAndProof, *altair.ContributionAndProof, e2altair.ContributionAndProof]("altair.ContributionAndProof"),
	p[altair.SignedContributionAndProof, *altair.SignedContributionAndProof, e2altair.SignedContributionAndProof]("altair.SignedContributionAndProof"),
	p[altair.BeaconBlockBody, *altair.BeaconBlockBody, e2altair.BeaconBlockBody]("altair.BeaconBlockBody"),
	p[altair.BeaconBlock, *altair.BeaconBlock, e2altair.BeaconBlock]("altair.BeaconBlock"),
	p[altair.SignedBeaconBlock, *altair.SignedBeaconBlock, e2altair.SignedBeaconBlock]("altair.SignedBeaconBlock"),
	p[altair.BeaconState, *altair.BeaconState, e2altair.BeaconState]("altair.BeaconState"),

	p[bellatrix.ExecutionPayload, *bellatrix.ExecutionPayload, e2bellatrix.ExecutionPayload]("bellatrix.ExecutionPayload"),
	p[bellatrix.ExecutionPayloadHeader, *bellatrix.ExecutionPayloadHeader, e2bellatrix.ExecutionPayloadHeader]("bellatrix.ExecutionPayloadHeader"),
	p[bellatrix.BeaconBlockBody, *bellatrix.BeaconBlockBody, e2bellatrix.BeaconBlockBody]("bellatrix.BeaconBlockBody"),
	p[bellatrix.BeaconBlock, *bellatrix.BeaconBlock, e2bellatrix.BeaconBlock]("bellatrix.BeaconBlock"),
	p[bellatrix.SignedBeaconBlock, *bellatrix.SignedBeaconBlock, e2bellatrix.SignedBeaconBlock]("bellatrix.SignedBeaconBlock"),
	p[bellatrix.BeaconState, *bellatrix.BeaconState, e2bellatrix.BeaconState]("bellatrix.BeaconState"),

	p[capella.Withdrawal, *capella.Withdrawal, e2capella.Withdrawal]("capella.Withdrawal"),
	p[capella.BLSToExecutionChange, *capella.BLSToExecutionChange, e2capella.BLSToExecutionChange]("capella.BLSToExecutionChange"),
	p[capella.SignedBLSToExecutionChange, *capella.SignedBLSToExecutionChange, e2capella.SignedBLSToExecutionChange]("capella.SignedBLSToExecutionChange"),
	p[capella.HistoricalSummary, *capella.HistoricalSummary, e2capella.HistoricalSummary]("capella.HistoricalSummary"),
	p[capella.ExecutionPayload, *capella.ExecutionPayload, e2capella.ExecutionPayload]("capella.ExecutionPayload"),
	p[capella.ExecutionPayloadHeader, *capella.ExecutionPayloadHeader, e2capella.ExecutionPayloadHeader]("capella.ExecutionPayloadHeader"),
	p[capella.BeaconBlockBody, *capella.BeaconBlockBody, e2capella.BeaconBlockBody]("capella.BeaconBlockBody"),
	p[capella.BeaconBlock, *capella.BeaconBlock, e2capella.BeaconBlock]("capella.BeaconBlock"),
	p[capella.SignedBeaconBlock, *capella.SignedBeaconBlock, e2capella.SignedBeaconBlock]("capella.SignedBeaconBlock"),
	p[capella.BeaconState, *capella.BeaconState, e2capella.BeaconState]("capella.BeaconState"),

	p[deneb.ExecutionPayload, *deneb.ExecutionPayload, e2deneb.ExecutionPayload]("deneb.ExecutionPayload"),
	p[deneb.ExecutionPayloadHeader, *deneb.ExecutionPayloadHeader, e2deneb.ExecutionPayloadHeader]("deneb.ExecutionPayloadHeader"),
	p[deneb.BlobIdentifier, *deneb.BlobIdentifier, e2deneb.BlobIdentifier]("deneb.BlobIdentifier"),
	p[deneb.BlobSidecar, *deneb.BlobSidecar, e2deneb.BlobSidecar]("deneb.BlobSidecar"),
	p[deneb.BeaconBlockBody, *deneb.BeaconBlockBody, e2deneb.BeaconBlockBody]("deneb.BeaconBlockBody"),
	p[deneb.BeaconBlock, *deneb.BeaconBlock, e2deneb.BeaconBlock]("deneb.BeaconBlock"),
	p[deneb.SignedBeaconBlock, *deneb.SignedBeaconBlock, e2deneb.SignedBeaconBlock]("deneb.SignedBeaconBlock"),
	p[deneb.BeaconState, *deneb.BeaconState, e2deneb.BeaconState]("deneb.BeaconState"),

	p[electra.PendingDeposit, *electra.PendingDeposit, e2electra.PendingDeposit]("electra.PendingDeposit"),
	p[electra.PendingPartialWithdrawal, *electra.PendingPartialWithdrawal, e2electra.PendingPartialWithdrawal]("electra.PendingPartialWithdrawal"),
	p[electra.PendingConsolidation, *electra.PendingConsolidation, e2electra.PendingConsolidation]("electra.PendingConsolidation"),
	p[electra.DepositRequest, *electra.DepositRequest, e2electra.DepositRequest]("electra.DepositRequest"),
	p[electra.WithdrawalRequest, *electra.WithdrawalRequest, e2electra.WithdrawalRequest]("electra.WithdrawalRequest"),
	p[electra.ConsolidationRequest, *electra.ConsolidationRequest, e2electra.ConsolidationRequest]("electra.ConsolidationRequest"),
	p[electra.ExecutionRequests, *electra.ExecutionRequests, e2electra.ExecutionRequests]("electra.ExecutionRequests"),
	p[electra.SingleAttestation, *electra.SingleAttestation, e2electra.SingleAttestation]("electra.SingleAttestation"),
	p[electra.Attestation, *electra.Attestation, e2electra.Attestation]("electra.Attestation"),
	p[electra.IndexedAttestation, *electra.IndexedAttestation, e2electra.IndexedAttestation]("electra.IndexedAttestation"),
	p[electra.AttesterSlashing, *electra.AttesterSlashing, e2electra.AttesterSlashing]("electra.AttesterSlashing"),
	p[electra.AggregateAndProof, *electra.AggregateAndProof, e2electra.AggregateAndProof]("electra.AggregateAndProof"),
	p[electra.SignedAggregateAndProof, *electra.SignedAggregateAndProof, e2electra.SignedAggregateAndProof]("electra.SignedAggregateAndProof"),
	p[electra.BeaconBlockBody, *electra.BeaconBlockBody, e2electra.BeaconBlockBody]("electra.BeaconBlockBody"),
	p[electra.BeaconBlock, *electra.BeaconBlock, e2electra.BeaconBlock]("electra.BeaconBlock"),
	p[electra.SignedBeaconBlock, *electra.SignedBeaconBlock, e2electra.SignedBeaconBlock]("electra.SignedBeaconBlock"),
	p[electra.BeaconState, *electra.BeaconState, e2electra.BeaconState]("electra.BeaconState"),

	p[fulu.BeaconState, *fulu.BeaconState, e2fulu.BeaconState]("fulu.BeaconState"),
}

// specValues are the preset values handed to dynamic-ssz: the same table
// our types were rendered from, plus the constants its tags also use.
func specValues() map[string]any {
	out := map[string]any{"DEPOSIT_CONTRACT_TREE_DEPTH": uint64(config.DepositContractTreeDepth)}
	for k, v := range config.SSZSizes[config.PresetName] {
		out[k] = v
	}
	return out
}

func iterations(name string) int {
	if len(name) > 11 && name[len(name)-11:] == "BeaconState" {
		return 4 // full-size vectors: a few MB per instance on mainnet
	}
	return 40
}

func TestCrossCheckWithGoEth2Client(t *testing.T) {
	ds := dynssz.NewDynSsz(specValues())
	if config.PresetName == "mainnet" {
		// No spec values: go-eth2-client falls back to its own static
		// (mainnet) ssz tags, so our mainnet sizes are checked against an
		// independent source rather than against the table they came from.
		ds = dynssz.NewDynSsz(nil)
	}
	filler := &Filler{
		Rand:       rand.New(rand.NewSource(1)),
		MaxListLen: 3,
		BitvectorBits: map[string]int{
			"JustificationBits": config.JustificationBitsLength,
			"CommitteeBits":     config.MaxCommitteesPerSlot,
		},
	}
	for _, pr := range pairs {
		t.Run(config.PresetName+"/"+pr.name, func(t *testing.T) {
			for i := 0; i < iterations(pr.name); i++ {
				if err := crossCheck(ds, filler, pr); err != nil {
					t.Fatalf("instance %d: %v", i, err)
				}
			}
		})
	}
}

func crossCheck(ds *dynssz.DynSsz, filler *Filler, pr pair) error {
	mine := pr.ours()
	if err := filler.Fill(mine); err != nil {
		return err
	}
	encoded, err := mine.MarshalSSZ()
	if err != nil {
		return fmt.Errorf("our marshal: %w", err)
	}
	again := pr.ours()
	if err := again.UnmarshalSSZ(encoded); err != nil {
		return fmt.Errorf("our unmarshal: %w", err)
	}
	if re, err := again.MarshalSSZ(); err != nil || !bytes.Equal(re, encoded) {
		return fmt.Errorf("our round trip differs (err %v)", err)
	}
	theirs := pr.theirs()
	if err := ds.UnmarshalSSZ(theirs, encoded); err != nil {
		return fmt.Errorf("go-eth2-client cannot decode our encoding (%d bytes): %w", len(encoded), err)
	}
	theirEncoding, err := ds.MarshalSSZ(theirs)
	if err != nil {
		return fmt.Errorf("go-eth2-client marshal: %w", err)
	}
	if !bytes.Equal(theirEncoding, encoded) {
		return fmt.Errorf("encodings differ: ours %d bytes, go-eth2-client %d bytes (first difference at %d)", len(encoded), len(theirEncoding), firstDiff(encoded, theirEncoding))
	}
	ourRoot, err := mine.HashTreeRoot()
	if err != nil {
		return fmt.Errorf("our hash_tree_root: %w", err)
	}
	theirRoot, err := ds.HashTreeRoot(theirs)
	if err != nil {
		return fmt.Errorf("go-eth2-client hash_tree_root: %w", err)
	}
	if ourRoot != theirRoot {
		return fmt.Errorf("hash_tree_root differs: ours %x, go-eth2-client %x", ourRoot, theirRoot)
	}
	return nil
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
