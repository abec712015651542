package engine_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/engine"
	"github.com/libp2pc/libp2pc/libp2pc/internal/gethtest"
)

// benchTxsPerBlock: value transfers in each benchmark payload.
const benchTxsPerBlock = 20

// benchEnv: a source geth that builds payloads and an importer geth (same
// genesis) that has only what the benchmark sent it, so every timed
// newPayload executes a block it has not seen.
type benchEnv struct {
	src, dst      *gethtest.EL
	srcC, dstC    *engine.Client
	builder       *gethtest.ChainBuilder
	built         []*gethtest.Block
	importedOnDst int
	setupErr      error
}

var (
	benchOnce sync.Once
	bench     benchEnv
)

// close runs from TestMain.
func (e *benchEnv) close() {
	for _, c := range []*engine.Client{e.srcC, e.dstC} {
		if c != nil {
			c.Close()
		}
	}
	for _, el := range []*gethtest.EL{e.src, e.dst} {
		if el != nil {
			el.Close()
		}
	}
}

func benchSetup(b *testing.B) *benchEnv {
	b.Helper()
	benchOnce.Do(func() {
		e := &bench
		start := func() (*gethtest.EL, *engine.Client, error) {
			el, err := gethtest.Start(gethtest.Options{Osaka: true, Quiet: true})
			if err != nil {
				return nil, nil, err
			}
			c, err := engine.New(engine.Config{Endpoint: el.Endpoint(), JWTSecret: engine.JWTSecret(el.Secret()), ProbeInterval: -1})
			if err != nil {
				return nil, nil, err
			}
			return el, c, c.Start(context.Background())
		}
		if e.src, e.srcC, e.setupErr = start(); e.setupErr != nil {
			return
		}
		if e.dst, e.dstC, e.setupErr = start(); e.setupErr != nil {
			return
		}
		e.builder, e.setupErr = gethtest.NewChainBuilder(e.src, e.srcC, gethtest.ChainOptions{Fork: forks.Fulu, TxsPerBlock: benchTxsPerBlock})
	})
	if bench.setupErr != nil {
		b.Fatal(bench.setupErr)
	}
	return &bench
}

// catchUp imports (untimed) every built block the importer lacks.
func (e *benchEnv) catchUp(b *testing.B, ctx context.Context) {
	for ; e.importedOnDst < len(e.built); e.importedOnDst++ {
		st, err := e.dstC.NewPayload(ctx, e.built[e.importedOnDst].Request)
		if err != nil || st.Status != engine.StatusValid {
			b.Fatalf("catching up block %d: %+v %v", e.importedOnDst, st, err)
		}
	}
}

func reportLatencies(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkNewPayloadExecute: newPayloadV4 round trip (JWT, JSON, HTTP on
// loopback, geth decoding, hashing, executing 20 transfers, committing)
// of a payload the importer has not seen, one at a time, each followed by
// forkchoiceUpdated (untimed) as a node would.
func BenchmarkNewPayloadExecute(b *testing.B) {
	e := benchSetup(b)
	ctx := context.Background()
	b.StopTimer()
	fresh := make([]*gethtest.Block, 0, b.N)
	for range b.N {
		blk, err := e.builder.Next(ctx, e.src)
		if err != nil {
			b.Fatal(err)
		}
		fresh = append(fresh, blk)
	}
	e.catchUp(b, ctx)
	e.built = append(e.built, fresh...)
	lat := make([]time.Duration, 0, b.N)
	for _, blk := range fresh {
		start := time.Now()
		b.StartTimer()
		st, err := e.dstC.NewPayload(ctx, blk.Request)
		b.StopTimer()
		lat = append(lat, time.Since(start))
		if err != nil || st.Status != engine.StatusValid {
			b.Fatalf("newPayload: %+v %v", st, err)
		}
		e.importedOnDst++
		if _, err := e.dstC.ForkchoiceUpdated(ctx, forks.Fulu, engine.ForkchoiceState{Head: blk.Hash()}, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportLatencies(b, lat)
}

// BenchmarkNewPayloadKnown: the round trip alone: newPayloadV4 of a payload
// geth already has (it checks the block hash, finds the block and answers
// VALID without executing).
func BenchmarkNewPayloadKnown(b *testing.B) {
	e := benchSetup(b)
	ctx := context.Background()
	if len(e.built) == 0 {
		blk, err := e.builder.Next(ctx, e.src)
		if err != nil {
			b.Fatal(err)
		}
		e.built = append(e.built, blk)
	}
	req := e.built[len(e.built)-1].Request
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		st, err := e.srcC.NewPayload(ctx, req)
		lat = append(lat, time.Since(start))
		if err != nil || st.Status != engine.StatusValid {
			b.Fatalf("newPayload: %+v %v", st, err)
		}
	}
	b.StopTimer()
	reportLatencies(b, lat)
}
