package spectest

import (
	"bytes"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	ssz "github.com/ferranbt/fastssz"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// sszObject is what the sszgen-generated code provides.
type sszObject interface {
	ssz.Marshaler
	ssz.Unmarshaler
	ssz.HashRoot
}

// phase0Types maps the ssz_static handler names to fresh instances.
var phase0Types = map[string]func() sszObject{
	"AggregateAndProof":       func() sszObject { return new(phase0.AggregateAndProof) },
	"Attestation":             func() sszObject { return new(phase0.Attestation) },
	"AttestationData":         func() sszObject { return new(phase0.AttestationData) },
	"AttesterSlashing":        func() sszObject { return new(phase0.AttesterSlashing) },
	"BeaconBlock":             func() sszObject { return new(phase0.BeaconBlock) },
	"BeaconBlockBody":         func() sszObject { return new(phase0.BeaconBlockBody) },
	"BeaconBlockHeader":       func() sszObject { return new(phase0.BeaconBlockHeader) },
	"BeaconState":             func() sszObject { return new(phase0.BeaconState) },
	"Checkpoint":              func() sszObject { return new(phase0.Checkpoint) },
	"Deposit":                 func() sszObject { return new(phase0.Deposit) },
	"DepositData":             func() sszObject { return new(phase0.DepositData) },
	"DepositMessage":          func() sszObject { return new(phase0.DepositMessage) },
	"Eth1Block":               func() sszObject { return new(phase0.Eth1Block) },
	"Eth1Data":                func() sszObject { return new(phase0.Eth1Data) },
	"Fork":                    func() sszObject { return new(phase0.Fork) },
	"ForkData":                func() sszObject { return new(phase0.ForkData) },
	"HistoricalBatch":         func() sszObject { return new(phase0.HistoricalBatch) },
	"IndexedAttestation":      func() sszObject { return new(phase0.IndexedAttestation) },
	"PendingAttestation":      func() sszObject { return new(phase0.PendingAttestation) },
	"ProposerSlashing":        func() sszObject { return new(phase0.ProposerSlashing) },
	"SignedAggregateAndProof": func() sszObject { return new(phase0.SignedAggregateAndProof) },
	"SignedBeaconBlock":       func() sszObject { return new(phase0.SignedBeaconBlock) },
	"SignedBeaconBlockHeader": func() sszObject { return new(phase0.SignedBeaconBlockHeader) },
	"SignedVoluntaryExit":     func() sszObject { return new(phase0.SignedVoluntaryExit) },
	"SigningData":             func() sszObject { return new(phase0.SigningData) },
	"Validator":               func() sszObject { return new(phase0.Validator) },
	"VoluntaryExit":           func() sszObject { return new(phase0.VoluntaryExit) },
}

// TestSSZStatic: decode serialized, re-encode byte-identically, and compare
// hash_tree_root with roots.yaml, for every phase0 type of the tree.
func TestSSZStatic(t *testing.T) {
	root := filepath.Join(vectors(t), "tests", config.PresetName, "phase0", "ssz_static")
	for _, name := range sortedKeys(phase0Types) {
		newObj := phase0Types[name]
		t.Run(name, func(t *testing.T) {
			dir := handlerDir(t, config.PresetName, "ssz_static", name)
			summary.Run(t, "ssz_static", name, dir, func(t *testing.T, c Case) {
				serialized, err := c.SSZ("serialized")
				if err != nil {
					t.Fatal(err)
				}
				var roots struct {
					Root string `yaml:"root"`
				}
				if err := c.YAML("roots", &roots); err != nil {
					t.Fatal(err)
				}
				obj := newObj()
				if err := obj.UnmarshalSSZ(serialized); err != nil {
					t.Fatalf("decode: %v", err)
				}
				again, err := obj.MarshalSSZ()
				if err != nil {
					t.Fatalf("re-encode: %v", err)
				}
				if !bytes.Equal(again, serialized) {
					t.Fatalf("re-encoding differs from the vector (%d vs %d bytes)", len(again), len(serialized))
				}
				htr, err := obj.HashTreeRoot()
				if err != nil {
					t.Fatalf("hash_tree_root: %v", err)
				}
				if got := "0x" + hex.EncodeToString(htr[:]); got != strings.ToLower(roots.Root) {
					t.Fatalf("hash_tree_root %s, want %s", got, roots.Root)
				}
				if st, ok := obj.(*phase0.BeaconState); ok {
					// The incremental hasher the state transition uses must agree.
					cached, err := st.CachedHashTreeRoot()
					if err != nil || cached != htr {
						t.Fatalf("CachedHashTreeRoot %x (%v), want %x", cached, err, htr)
					}
				}
			})
		})
	}
	_ = root
}
