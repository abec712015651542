package pipeline

import (
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

var (
	daBenchOnce    sync.Once
	daBenchCfg     *daChain
	daBenchBlobs   *testchain.BlobBlock // slot 1, 21 blobs
	daBenchNoBlobs *testchain.BlobBlock // slot 1, the same block without blobs
)

// daBenchBlocks: a fulu chain (blob schedule: 21 per block, mainnet's
// BPO2) and two blocks at slot 1 on its genesis, with and without 21 blobs.
func daBenchBlocks(b *testing.B) (*daChain, *testchain.BlobBlock, *testchain.BlobBlock) {
	daBenchOnce.Do(func() {
		ctx, err := kzg.Default()
		if err != nil {
			b.Fatal(err)
		}
		cfg := testchain.ForkConfig(forks.Fulu, testSecondsPerSlot, 21)
		g, err := testchain.ForkGenesis(cfg, testValidators, forks.Fulu)
		if err != nil {
			b.Fatal(err)
		}
		daBenchCfg = &daChain{cfg: cfg, fork: forks.Fulu, genesis: g}
		if daBenchBlobs, err = testchain.ProduceBlobBlock(cfg, ctx, g, 1, 21, 1); err != nil {
			b.Fatal(err)
		}
		if daBenchNoBlobs, err = testchain.ProduceBlobBlock(cfg, ctx, g, 1, 0, 1); err != nil {
			b.Fatal(err)
		}
		daBenchCfg.blocks = []*testchain.BlobBlock{daBenchBlobs}
	})
	return daBenchCfg, daBenchBlobs, daBenchNoBlobs
}

func benchCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImportFulu21Blobs imports one fulu block into a fresh store per
// iteration, its columns already verified and held ("once its columns are
// present"): the block without blobs, the 21-blob block as a 4-group
// custodian (it samples 8 columns, stores its 4 custody columns) and as a
// supernode (all 128 columns stored with the block, 5.5 MB). Timed: the
// Import call (transition, fsynced store batch with the sidecars, fork
// choice). Reports wall and process CPU per import.
func BenchmarkImportFulu21Blobs(b *testing.B) {
	c, withBlobs, noBlobs := daBenchBlocks(b)
	for _, tc := range []struct {
		name string
		blk  *testchain.BlobBlock
		cgc  uint64
	}{{"no_blobs", noBlobs, 0}, {"custodian_4_groups", withBlobs, 4}, {"supernode", withBlobs, 128}} {
		b.Run(tc.name, func(b *testing.B) {
			var cpu, wall time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				p := startBenchPipeline(b, c, DAConfig{CustodyGroupCount: tc.cgc, Timeout: time.Minute})
				if tc.blk.Columns != nil {
					need := p.SamplingColumns()
					if tc.cgc == 128 {
						need = nil
					}
					feed(b, p, tc.blk, need)
				}
				c0, t0 := benchCPU(), time.Now()
				b.StartTimer()
				res := p.Import(tc.blk.SSZ, "")
				b.StopTimer()
				wall += time.Since(t0)
				cpu += benchCPU() - c0
				if res.State != Included {
					b.Fatalf("%+v", res)
				}
				if tc.blk.Columns != nil {
					if got, _ := p.Store().Sidecars(tc.blk.Root); len(got) != len(p.CustodyColumns()) {
						b.Fatalf("stored %d columns", len(got))
					}
				}
				p.Close()
				_ = p.Store().Close()
			}
			b.ReportMetric(float64(wall)/float64(b.N)/1e6, "wall-ms/import")
			b.ReportMetric(float64(cpu)/float64(b.N)/1e6, "cpu-ms/import")
		})
	}
}

// startBenchPipeline is startDAPipeline without the test cleanup (the
// benchmark closes each pipeline itself).
func startBenchPipeline(b *testing.B, c *daChain, da DAConfig) *Pipeline {
	st, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	tr := AnyFork{Cfg: c.cfg}
	if err := Init(st, tr, AnyState(c.genesis)); err != nil {
		b.Fatal(err)
	}
	now := time.Unix(int64(c.genesis.GenesisTime+2*testSecondsPerSlot), 0)
	p, err := Start(Config{GenesisTime: c.genesis.GenesisTime, SecondsPerSlot: testSecondsPerSlot,
		Now: func() time.Time { return now }, DA: da}, st, tr, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	return p
}
