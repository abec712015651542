package pipeline

import (
	"sync"
	"testing"
	"time"
)

var (
	benchOnce sync.Once
	benchBd   *builder
	benchA    []Root
	benchB    []Root
)

// benchForks: two forks of 16 blocks from genesis (attestations of the
// previous slot in every block, signatures checked on import).
func benchForks(b *testing.B) *builder {
	benchOnce.Do(func() {
		bd := newBuilder(b)
		benchA = bd.chain(bd.gRoot, 1, 16, 1)
		benchB = bd.chain(bd.gRoot, 2, 17, 1)
		benchBd = bd
	})
	return benchBd
}

// BenchmarkImport imports the same 32 blocks twice per iteration, into
// fresh stores: sequentially (one goroutine, fork A then fork B) and as
// two forks in parallel (one goroutine per fork, each in order), and
// reports both throughputs and the speed-up. The transition concurrency is
// the CPU count; imports are fsynced.
func BenchmarkImport(b *testing.B) {
	bd := benchForks(b)
	importAll := func(p *Pipeline, roots []Root) {
		for _, r := range roots {
			if res := p.Import(bd.byRoot[r].ssz, ""); res.State != Included {
				b.Fatalf("block %x: %+v", r[:4], res)
			}
		}
	}
	var seq, par time.Duration
	n := len(benchA) + len(benchB)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := newTestPipeline(b, bd, b.TempDir(), nil, nil, nil)
		b.StartTimer()
		t0 := time.Now()
		importAll(p, benchA)
		importAll(p, benchB)
		seq += time.Since(t0)
		b.StopTimer()
		p.Close()
		p.st.Close()

		p = newTestPipeline(b, bd, b.TempDir(), nil, nil, nil)
		b.StartTimer()
		t0 = time.Now()
		var wg sync.WaitGroup
		for _, fork := range [][]Root{benchA, benchB} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				importAll(p, fork)
			}()
		}
		wg.Wait()
		par += time.Since(t0)
		b.StopTimer()
		p.Close()
		p.st.Close()
		b.StartTimer()
	}
	seqRate := float64(n*b.N) / seq.Seconds()
	parRate := float64(n*b.N) / par.Seconds()
	b.ReportMetric(seqRate, "seq_blocks/s")
	b.ReportMetric(parRate, "par_blocks/s")
	b.ReportMetric(parRate/seqRate, "speedup")
}
