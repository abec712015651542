package pipeline

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// Block import with the execution client in the loop (make bench-engine):
// the same chain of electra blocks with real payloads (20 transfers each)
// is imported into a fresh store and a fresh geth, one block after the
// other (Import: each call returns once the block is in), with newPayload
// during the state transition (concurrent, the pipeline's way) or after it
// (sequential, the baseline). Signatures are verified. The set-up (geth
// start, store) is outside the timer.

const (
	benchEngineBlocks = 16
	benchEngineTxs    = 20
)

var (
	benchScenOnce sync.Once
	benchScen     elScenario
)

func BenchmarkImportWithEngine(b *testing.B) {
	benchScenOnce.Do(func() {
		benchScen.err = context.Canceled
		benchScen.err = benchScen.build(b, benchEngineBlocks, benchEngineTxs)
	})
	if benchScen.err != nil {
		b.Fatalf("building the chain: %v", benchScen.err)
	}
	sc := &benchScen
	chain := append(append(append([]anyBlockRec(nil), sc.a...), sc.v, sc.w), sc.long...)
	for _, mode := range []struct {
		name       string
		sequential bool
	}{{"concurrent", false}, {"sequential", true}} {
		b.Run(mode.name, func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				el := startEL(b)
				client := elClient(b, el, el.Secret(), nil)
				p, _, stop := sc.startELPipelineWith(b, b.TempDir(), client, nil, func(c *Config) { c.SequentialExecution = mode.sequential })
				b.StartTimer()
				start := time.Now()
				for _, r := range chain {
					if res := p.Import(r.ssz, ""); res.State != Included {
						b.Fatalf("slot %d: %v %s", r.slot, res.State, res.Rule)
					}
				}
				total += time.Since(start)
				b.StopTimer()
				if xs := p.ExecutionStats(); xs.Valid != uint64(len(chain)) {
					b.Fatalf("not every payload VALID: %+v", xs)
				}
				if info, _ := p.Store().Info(chain[len(chain)-1].root); info.Execution != store.ExecutionValid {
					b.Fatalf("last block %v", info.Execution)
				}
				stop()
				client.Close()
				el.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N*len(chain)), "ms/block")
		})
	}
}
