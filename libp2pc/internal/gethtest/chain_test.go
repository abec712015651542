package gethtest

import (
	"context"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/engine"
)

// TestChainIsReproducible: two fresh geths with the same options build the
// same payload chain (same block hashes), so a chain generator that stores
// beacon blocks with these payloads gets the same chain on every run.
// Payloads without transactions: with them, a slow build on a loaded
// machine can take a retry that changes the fee recipient.
func TestChainIsReproducible(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	build := func() [][32]byte {
		el, err := Start(Options{Quiet: true, Forks: &ForkOffsets{Shanghai: 12, Cancun: 24, Prague: 36, Osaka: 48}})
		if err != nil {
			t.Fatal(err)
		}
		defer el.Close()
		c, err := engine.New(engine.Config{Endpoint: el.Endpoint(), JWTSecretPath: el.JWTPath(), ProbeInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		b, err := NewChainBuilder(el, c, ChainOptions{WithdrawalsPerBlock: 2})
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := b.Chain(ctx, el, 5)
		if err != nil {
			t.Fatal(err)
		}
		out := make([][32]byte, len(blocks))
		for i, blk := range blocks {
			out[i] = blk.Hash()
		}
		return out
	}
	first, second := build(), build()
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("block %d: %x then %x", i, first[i], second[i])
		}
	}
	if first[0] == first[1] {
		t.Fatal("blocks repeat")
	}
}
