package testchain

import (
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/da/sidecar"
)

// TestBlobChains: deneb, electra and fulu chains whose blocks carry real
// blobs; every block passes the full state transition (signatures
// included) and its sidecars pass the sidecar checks against the block.
func TestBlobChains(t *testing.T) {
	ctx, err := kzg.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []forks.Fork{forks.Deneb, forks.Electra, forks.Fulu} {
		t.Run(f.String(), func(t *testing.T) {
			cfg := ForkConfig(f, 6, 12)
			pre, err := ForkGenesis(cfg, 64, f)
			if err != nil {
				t.Fatal(err)
			}
			for slot := uint64(1); slot <= 3; slot++ {
				blobs := int(slot - 1) // the first block has none
				bb, err := ProduceBlobBlock(cfg, ctx, pre, slot, blobs, 7)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := transition.Transition(cfg, pre, bb.Signed, transition.Options{VerifySignatures: true, ValidateStateRoot: true}); err != nil {
					t.Fatalf("slot %d: %v", slot, err)
				}
				if got := len(bb.Signed.Message.Body.BlobKZGCommitments); got != blobs {
					t.Fatalf("slot %d: %d commitments, want %d", slot, got, blobs)
				}
				switch {
				case blobs == 0:
					if bb.BlobSidecars != nil || bb.Columns != nil {
						t.Fatalf("slot %d: sidecars for a block without blobs", slot)
					}
				case f == forks.Fulu:
					if len(bb.Columns) != sidecar.NumberOfColumns {
						t.Fatalf("%d columns", len(bb.Columns))
					}
					rules := sidecar.ColumnRules{Config: cfg}
					if err := sidecar.VerifyDataColumnSidecars(ctx, rules, bb.Columns); err != nil {
						t.Fatal(err)
					}
					if h, _ := bb.Columns[5].SignedBlockHeader.Message.HashTreeRoot(); h != bb.Root {
						t.Fatal("column header is not the block's")
					}
				default:
					if len(bb.BlobSidecars) != blobs {
						t.Fatalf("%d blob sidecars", len(bb.BlobSidecars))
					}
					for _, sc := range bb.BlobSidecars {
						if err := sidecar.VerifyBlobSidecarInclusionProof(sc); err != nil {
							t.Fatal(err)
						}
						if err := sidecar.VerifyBlobSidecarKZGProof(ctx, sc); err != nil {
							t.Fatal(err)
						}
						if h, _ := sc.SignedBlockHeader.Message.HashTreeRoot(); h != bb.Root {
							t.Fatal("sidecar header is not the block's")
						}
					}
				}
				pre = bb.Post
			}
		})
	}
}
