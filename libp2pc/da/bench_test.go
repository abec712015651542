package da

import (
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/da/internal/datest"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/da/sidecar"
)

// benchBlobs is the blob count of the benchmarks: 21, the BPO2 mainnet limit.
const benchBlobs = 21

type benchFixture struct {
	ctx   *kzg.Context
	blobs [][]byte
	root  [32]byte
	scs   []*fulu.DataColumnSidecar
}

var (
	fixtureOnce sync.Once
	fixture     benchFixture
	fixtureErr  error
)

// fulu21 builds, once per process, a Fulu block with 21 random blobs and its
// 128 data column sidecars.
func fulu21(b *testing.B) *benchFixture {
	fixtureOnce.Do(func() {
		ctx, err := kzg.Default()
		if err != nil {
			fixtureErr = err
			return
		}
		r := rand.New(rand.NewPCG(21, 21))
		blobs, comms := datest.Blobs(b, ctx, r, benchBlobs)
		blk, err := sidecar.FromElectra(datest.ElectraBlock(r, 64, comms))
		if err != nil {
			fixtureErr = err
			return
		}
		scs, err := sidecar.BuildDataColumnSidecars(ctx, blk, blobs)
		if err != nil {
			fixtureErr = err
			return
		}
		root, _ := blk.Header.Message.HashTreeRoot()
		fixture = benchFixture{ctx: ctx, blobs: blobs, root: root, scs: scs}
	})
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return &fixture
}

// cpuClock reports the process' CPU time (user + system) per operation
// next to the wall time: the machine is shared, and CPU time shows the work
// done when other jobs stretch the wall clock.
type cpuClock struct{ start time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{start: processCPU()} }

func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-c.start)/float64(b.N)/1e6, "cpu-ms/op")
}

// One column of a 21-blob block: its 21 cells verified in one batch
// (verify_data_column_sidecar_kzg_proofs).
func BenchmarkVerifyColumn21Blobs(b *testing.B) {
	f := fulu21(b)
	b.ResetTimer()
	clk := startCPU()
	for i := 0; b.Loop(); i++ {
		if err := sidecar.VerifyDataColumnSidecarKZGProofs(f.ctx, f.scs[i%128]); err != nil {
			b.Fatal(err)
		}
	}
	clk.report(b)
}

// One column's inclusion proof and KZG batch (what a node does per column
// when it does not share the inclusion check across a block's columns).
func BenchmarkVerifyDataColumn21Blobs(b *testing.B) {
	f := fulu21(b)
	b.ResetTimer()
	clk := startCPU()
	for i := 0; b.Loop(); i++ {
		sc := f.scs[i%128]
		if err := sidecar.VerifyDataColumnSidecarInclusionProof(sc); err != nil {
			b.Fatal(err)
		}
		if err := sidecar.VerifyDataColumnSidecarKZGProofs(f.ctx, sc); err != nil {
			b.Fatal(err)
		}
	}
	clk.report(b)
}

// Recovering all 128 columns of a 21-blob block from 64 of them (the even
// ones), through the tracker.
func BenchmarkReconstruct21BlobsFrom64Columns(b *testing.B) {
	f := fulu21(b)
	b.ResetTimer()
	clk := startCPU()
	for b.Loop() {
		b.StopTimer()
		tr := New(Config{KZG: f.ctx})
		for c := 0; c < 128; c += 2 {
			if _, err := tr.AddColumn(f.scs[c]); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		rec, _, err := tr.Reconstruct(f.root)
		if err != nil || len(rec) != 64 {
			b.Fatalf("%d recovered, %v", len(rec), err)
		}
	}
	clk.report(b)
}

// Proposer side: the cells and proofs of 21 blobs (blobs spread over the
// CPUs).
func BenchmarkComputeCellsAndProofs21Blobs(b *testing.B) {
	f := fulu21(b)
	b.ResetTimer()
	clk := startCPU()
	for b.Loop() {
		if _, err := sidecar.ComputeCellsAndProofs(f.ctx, f.blobs); err != nil {
			b.Fatal(err)
		}
	}
	clk.report(b)
}

// One blob's cells and proofs, single goroutine, for reference.
func BenchmarkComputeCellsAndProofs1Blob(b *testing.B) {
	f := fulu21(b)
	b.ResetTimer()
	clk := startCPU()
	for b.Loop() {
		if _, err := f.ctx.ComputeCellsAndProofs(f.blobs[0]); err != nil {
			b.Fatal(err)
		}
	}
	clk.report(b)
}
