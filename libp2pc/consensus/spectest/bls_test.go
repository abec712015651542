package spectest

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/bls"
)

func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func hexList(t *testing.T, in []string) [][]byte {
	out := make([][]byte, len(in))
	for i, s := range in {
		out[i] = hexBytes(t, s)
	}
	return out
}

// blsDir returns tests/general/phase0/bls/<handler>/small (the only suite).
func blsHandler(t *testing.T, handler string) string {
	return handlerDir(t, "general", "bls", handler)
}

func TestBLS(t *testing.T) {
	t.Run("sign", func(t *testing.T) {
		summary.Run(t, "bls", "sign", blsHandler(t, "sign"), func(t *testing.T, c Case) {
			var d struct {
				Input struct {
					Privkey string `yaml:"privkey"`
					Message string `yaml:"message"`
				} `yaml:"input"`
				Output *string `yaml:"output"`
			}
			if err := c.YAML("data", &d); err != nil {
				t.Fatal(err)
			}
			sk, err := bls.SecretKeyFromBytes(hexBytes(t, d.Input.Privkey))
			if d.Output == nil {
				if err == nil {
					t.Fatal("expected the secret key to be rejected")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sig := sk.Sign(hexBytes(t, d.Input.Message))
			if got := "0x" + hex.EncodeToString(sig[:]); got != *d.Output {
				t.Fatalf("signature %s, want %s", got, *d.Output)
			}
		})
	})
	t.Run("verify", func(t *testing.T) {
		summary.Run(t, "bls", "verify", blsHandler(t, "verify"), func(t *testing.T, c Case) {
			var d struct {
				Input struct {
					Pubkey    string `yaml:"pubkey"`
					Message   string `yaml:"message"`
					Signature string `yaml:"signature"`
				} `yaml:"input"`
				Output bool `yaml:"output"`
			}
			if err := c.YAML("data", &d); err != nil {
				t.Fatal(err)
			}
			got := bls.Verify(hexBytes(t, d.Input.Pubkey), hexBytes(t, d.Input.Message), hexBytes(t, d.Input.Signature))
			if got != d.Output {
				t.Fatalf("verify = %v, want %v", got, d.Output)
			}
		})
	})
	t.Run("aggregate", func(t *testing.T) {
		summary.Run(t, "bls", "aggregate", blsHandler(t, "aggregate"), func(t *testing.T, c Case) {
			var d struct {
				Input  []string `yaml:"input"`
				Output *string  `yaml:"output"`
			}
			if err := c.YAML("data", &d); err != nil {
				t.Fatal(err)
			}
			agg, err := bls.Aggregate(hexList(t, d.Input))
			if d.Output == nil {
				if err == nil {
					t.Fatal("expected aggregation to fail")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := "0x" + hex.EncodeToString(agg[:]); got != *d.Output {
				t.Fatalf("aggregate %s, want %s", got, *d.Output)
			}
		})
	})
	t.Run("fast_aggregate_verify", func(t *testing.T) {
		summary.Run(t, "bls", "fast_aggregate_verify", blsHandler(t, "fast_aggregate_verify"), func(t *testing.T, c Case) {
			var d struct {
				Input struct {
					Pubkeys   []string `yaml:"pubkeys"`
					Message   string   `yaml:"message"`
					Signature string   `yaml:"signature"`
				} `yaml:"input"`
				Output bool `yaml:"output"`
			}
			if err := c.YAML("data", &d); err != nil {
				t.Fatal(err)
			}
			got := bls.FastAggregateVerify(hexList(t, d.Input.Pubkeys), hexBytes(t, d.Input.Message), hexBytes(t, d.Input.Signature))
			if got != d.Output {
				t.Fatalf("fast_aggregate_verify = %v, want %v", got, d.Output)
			}
		})
	})
	t.Run("aggregate_verify", func(t *testing.T) {
		summary.Run(t, "bls", "aggregate_verify", blsHandler(t, "aggregate_verify"), func(t *testing.T, c Case) {
			var d struct {
				Input struct {
					Pubkeys   []string `yaml:"pubkeys"`
					Messages  []string `yaml:"messages"`
					Signature string   `yaml:"signature"`
				} `yaml:"input"`
				Output bool `yaml:"output"`
			}
			if err := c.YAML("data", &d); err != nil {
				t.Fatal(err)
			}
			got := bls.AggregateVerify(hexList(t, d.Input.Pubkeys), hexList(t, d.Input.Messages), hexBytes(t, d.Input.Signature))
			if got != d.Output {
				t.Fatalf("aggregate_verify = %v, want %v", got, d.Output)
			}
		})
	})
}
