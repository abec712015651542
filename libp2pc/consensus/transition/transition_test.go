package transition_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/internal/phase0transition"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
)

const testValidators = 64

func genesis(t testing.TB) *phase0.BeaconState {
	t.Helper()
	s, err := testchain.Genesis(testValidators)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func root(t testing.TB, s *phase0.BeaconState) [32]byte {
	t.Helper()
	r, err := s.HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestValidBlockApplies(t *testing.T) {
	cfg := testchain.Config()
	pre := genesis(t)
	block, err := testchain.ProduceBlock(cfg, pre, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(block.Message.Body.Attestations) == 0 {
		t.Fatal("test block carries no attestation")
	}
	preRoot := root(t, pre)
	post, err := phase0transition.StateTransition(cfg, pre, block, true, true)
	if err != nil {
		t.Fatalf("valid block rejected: %v", err)
	}
	if post.Slot != 1 || len(post.CurrentEpochAttestations) != len(block.Message.Body.Attestations) {
		t.Fatalf("post state: slot %d, %d pending attestations", post.Slot, len(post.CurrentEpochAttestations))
	}
	if root(t, pre) != preRoot {
		t.Fatal("state_transition modified the pre-state")
	}
}

// Each tampering must be rejected with a RuleError naming the rule, and the
// pre-state must stay untouched.
func TestInvalidBlocksNameTheRuleAndKeepPreState(t *testing.T) {
	cfg := testchain.Config()
	pre := genesis(t)
	good, err := testchain.ProduceBlock(cfg, pre, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	preRoot := root(t, pre)
	cases := []struct {
		name   string
		tamper func(b *phase0.SignedBeaconBlock)
		want   string
	}{
		{"block signature", func(b *phase0.SignedBeaconBlock) { b.Signature = good.Message.Body.RandaoReveal }, "verify_block_signature"},
		{"parent root", func(b *phase0.SignedBeaconBlock) { b.Message.ParentRoot[0] ^= 1 }, "process_block_header: parent root"},
		{"proposer index", func(b *phase0.SignedBeaconBlock) {
			b.Message.ProposerIndex = (b.Message.ProposerIndex + 1) % testValidators
		}, "process_block_header: proposer index"},
		{"state root", func(b *phase0.SignedBeaconBlock) { b.Message.StateRoot[0] ^= 1 }, "state_transition: block.state_root"},
		{"attestation signature", func(b *phase0.SignedBeaconBlock) {
			b.Message.Body.Attestations[0].Signature = b.Message.Body.RandaoReveal
		}, "attestation 0"},
		{"attestation source", func(b *phase0.SignedBeaconBlock) {
			b.Message.Body.Attestations[0].Data.Source.Epoch = 7
		}, "process_attestation: attestation 0: source"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := cloneBlock(t, good)
			c.tamper(b)
			if c.name != "block signature" {
				if err := testchain.Resign(pre, b); err != nil {
					t.Fatal(err)
				}
			}
			_, err := phase0transition.StateTransition(cfg, pre, b, true, true)
			var re *transition.RuleError
			if !errors.As(err, &re) {
				t.Fatalf("want a RuleError, got %v", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not name %q", err, c.want)
			}
			if root(t, pre) != preRoot {
				t.Fatal("rejected block modified the pre-state")
			}
		})
	}
}

func TestWithoutSignatureVerification(t *testing.T) {
	cfg := testchain.Config()
	pre := genesis(t)
	b, err := testchain.ProduceBlock(cfg, pre, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	b.Signature = [96]byte{0xc0}
	if _, err := phase0transition.StateTransition(cfg, pre, b, false, true); err != nil {
		t.Fatalf("with signatures off, a bad block signature must not matter: %v", err)
	}
	if _, err := phase0transition.StateTransition(cfg, pre, b, true, true); err == nil {
		t.Fatal("with signatures on, the bad block signature must be rejected")
	}
}

// Full participation for a few epochs must justify and finalize.
func TestFullParticipationFinalizes(t *testing.T) {
	if config.PresetName != "minimal" && testing.Short() {
		t.Skip("5 mainnet epochs are 160 blocks; skipped with -short")
	}
	cfg := testchain.Config()
	s := genesis(t)
	for slot := uint64(1); slot <= 5*config.SlotsPerEpoch; slot++ {
		b, err := testchain.ProduceBlock(cfg, s, slot, 1)
		if err != nil {
			t.Fatal(err)
		}
		if s, err = phase0transition.StateTransition(cfg, s, b, true, true); err != nil {
			t.Fatalf("slot %d: %v", slot, err)
		}
	}
	if s.FinalizedCheckpoint.Epoch == 0 || s.CurrentJustifiedCheckpoint.Epoch <= s.FinalizedCheckpoint.Epoch {
		t.Fatalf("after 5 full epochs: justified %d, finalized %d", s.CurrentJustifiedCheckpoint.Epoch, s.FinalizedCheckpoint.Epoch)
	}
}

func cloneBlock(t *testing.T, b *phase0.SignedBeaconBlock) *phase0.SignedBeaconBlock {
	t.Helper()
	raw, err := b.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	out := new(phase0.SignedBeaconBlock)
	if err := out.UnmarshalSSZ(raw); err != nil {
		t.Fatal(err)
	}
	return out
}

// Hand-built blocks with missing containers are rejected, not a panic.
func TestIncompleteBlocksAreRuleErrors(t *testing.T) {
	cfg := testchain.Config()
	pre := genesis(t)
	good, err := testchain.ProduceBlock(cfg, pre, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for name, tamper := range map[string]func(b *phase0.SignedBeaconBlock){
		"nil message":          func(b *phase0.SignedBeaconBlock) { b.Message = nil },
		"nil body":             func(b *phase0.SignedBeaconBlock) { b.Message.Body = nil },
		"nil eth1 data":        func(b *phase0.SignedBeaconBlock) { b.Message.Body.Eth1Data = nil },
		"nil attestation data": func(b *phase0.SignedBeaconBlock) { b.Message.Body.Attestations[0].Data = nil },
		"nil attestation":      func(b *phase0.SignedBeaconBlock) { b.Message.Body.Attestations[0] = nil },
		"nil exit message": func(b *phase0.SignedBeaconBlock) {
			b.Message.Body.VoluntaryExits = []*phase0.SignedVoluntaryExit{{}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := cloneBlock(t, good)
			tamper(b)
			_, err := phase0transition.StateTransition(cfg, pre, b, false, false)
			var re *transition.RuleError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), "missing") {
				t.Fatalf("want a RuleError about a missing container, got %v", err)
			}
		})
	}
	if _, err := phase0transition.StateTransition(cfg, pre, nil, true, true); err == nil {
		t.Fatal("nil block accepted")
	}
}
