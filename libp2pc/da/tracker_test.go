package da

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/da/custody"
	"github.com/libp2pc/libp2pc/libp2pc/da/internal/datest"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/da/sidecar"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fuluBlock builds a Fulu block with blobCount random blobs and its 128
// data column sidecars (real KZG).
func fuluBlock(t *testing.T, ctx *kzg.Context, r *rand.Rand, slot uint64, blobCount int) ([32]byte, []*fulu.DataColumnSidecar) {
	t.Helper()
	blobs, comms := datest.Blobs(t, ctx, r, blobCount)
	b, err := sidecar.FromElectra(datest.ElectraBlock(r, slot, comms))
	if err != nil {
		t.Fatal(err)
	}
	scs, err := sidecar.BuildDataColumnSidecars(ctx, b, blobs)
	if err != nil {
		t.Fatal(err)
	}
	root, err := b.Header.Message.HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root, scs
}

func kzgCtx(t *testing.T) *kzg.Context {
	ctx, err := kzg.Default()
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestFuluCustodyAvailability(t *testing.T) {
	ctx := kzgCtx(t)
	r := rand.New(rand.NewPCG(10, 11))
	root, scs := fuluBlock(t, ctx, r, 20, 2)
	clock := &fakeClock{now: time.Unix(1000, 0)}
	tr := New(Config{MaxBlocks: 4, Timeout: 12 * time.Second, Now: clock.Now, KZG: ctx})

	// A 4-group custodian samples 8 columns (SAMPLES_PER_SLOT).
	var node custody.NodeID
	need, err := custody.Mainnet.SamplingColumns(node, 4)
	if err != nil || len(need) != 8 {
		t.Fatalf("sampling columns %v %v", need, err)
	}
	// Two columns arrive before the block: waiting.
	if st, err := tr.AddColumn(scs[need[0]]); err != nil || st != Waiting {
		t.Fatalf("early column: %v %v", st, err)
	}
	if st, _ := tr.AddColumn(scs[need[1]]); st != Waiting {
		t.Fatalf("early column: %v", st)
	}
	// A column that is not required is held, but does not count.
	other := 0
	for slices.Contains(need, uint64(other)) {
		other++
	}
	tr.AddColumn(scs[other])
	if st, err := tr.RequireColumns(root, 2, need); err != nil || st != Pending {
		t.Fatalf("require: %v %v", st, err)
	}
	if m := tr.Missing(root); !slices.Equal(m, need[2:]) {
		t.Fatalf("missing %v, want %v", m, need[2:])
	}
	for k, c := range need[2:] {
		st, err := tr.AddColumn(scs[c])
		if err != nil {
			t.Fatal(err)
		}
		if want := Pending; k == len(need)-3 {
			if st != Available {
				t.Fatalf("all columns in: %v", st)
			}
		} else if st != want {
			t.Fatalf("column %d: %v", c, st)
		}
	}
	// Duplicates are counted, not stored twice.
	if st, _ := tr.AddColumn(scs[need[0]]); st != Available {
		t.Fatal(st)
	}
	s := tr.Stats()
	if s.ColumnsAdded != 9 || s.Duplicates != 1 || s.Available != 1 {
		t.Fatalf("stats %+v", s)
	}
	if cols := tr.Columns(root); len(cols) != 9 || cols[0].Index > cols[1].Index {
		t.Fatalf("held %d columns", len(cols))
	}
	// An available block is dropped after the timeout without a report.
	clock.Advance(13 * time.Second)
	if exp := tr.Expire(); len(exp) != 0 || tr.Status(root) != Unknown {
		t.Fatalf("expire of an available block: %v %v", exp, tr.Status(root))
	}

	// Misfiled and misshapen sidecars.
	root2, scs2 := fuluBlock(t, ctx, r, 21, 1)
	if _, err := tr.RequireColumns(root2, 2, need); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.AddColumn(scs2[need[0]]); !errors.Is(err, ErrShape) {
		t.Errorf("column with 1 commitment for a 2-blob block: %v", err)
	}
	if _, err := tr.RequireColumns(root2, 1, need); !errors.Is(err, ErrConflict) {
		t.Errorf("changed requirement: %v", err)
	}
	if _, err := tr.AddBlob(&deneb.BlobSidecar{Index: 0, SignedBlockHeader: scs2[0].SignedBlockHeader}); !errors.Is(err, ErrConflict) {
		t.Errorf("blob for a column block: %v", err)
	}
	// A block without blobs is available at once.
	if st, _ := tr.RequireColumns([32]byte{9}, 0, need); st != Available {
		t.Errorf("no-blob block: %v", st)
	}
}

func TestTimeoutAndBounds(t *testing.T) {
	ctx := kzgCtx(t)
	r := rand.New(rand.NewPCG(12, 13))
	root, scs := fuluBlock(t, ctx, r, 30, 1)
	clock := &fakeClock{now: time.Unix(1000, 0)}
	tr := New(Config{MaxBlocks: 3, Timeout: 10 * time.Second, Now: clock.Now, KZG: ctx})
	need := []uint64{3, 50, 77}
	tr.RequireColumns(root, 1, need)
	tr.AddColumn(scs[50])
	clock.Advance(9 * time.Second)
	if exp := tr.Expire(); len(exp) != 0 {
		t.Fatalf("expired early: %v", exp)
	}
	clock.Advance(2 * time.Second)
	exp := tr.Expire()
	if len(exp) != 1 || exp[0].Root != root || !slices.Equal(exp[0].Missing, []uint64{3, 77}) {
		t.Fatalf("expired %+v", exp)
	}
	if tr.Status(root) != Unknown || tr.Stats().TimedOut != 1 {
		t.Fatalf("after expiry: %v %+v", tr.Status(root), tr.Stats())
	}
	// At most MaxBlocks: the oldest is evicted and counted.
	for i := range 5 {
		tr.RequireBlobs([32]byte{byte(i + 1)}, 2)
	}
	if tr.Len() != 3 || tr.Stats().Evicted != 2 || tr.Status([32]byte{1}) != Unknown || tr.Status([32]byte{5}) != Pending {
		t.Fatalf("len %d stats %+v", tr.Len(), tr.Stats())
	}
	tr.Remove([32]byte{5})
	if tr.Len() != 2 || tr.Status([32]byte{5}) != Unknown {
		t.Fatal("remove")
	}
}

func TestDenebBlobAvailability(t *testing.T) {
	ctx := kzgCtx(t)
	r := rand.New(rand.NewPCG(14, 15))
	blobs, comms := datest.Blobs(t, ctx, r, 3)
	b, err := sidecar.FromDeneb(datest.DenebBlock(r, 5, comms))
	if err != nil {
		t.Fatal(err)
	}
	scs, err := sidecar.BuildBlobSidecars(ctx, b, blobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := b.Header.Message.HashTreeRoot()
	tr := New(Config{KZG: ctx})
	if st, _ := tr.AddBlob(scs[2]); st != Waiting {
		t.Fatal(st)
	}
	if st, err := tr.RequireBlobs(root, 3); err != nil || st != Pending {
		t.Fatal(st, err)
	}
	tr.AddBlob(scs[0])
	if m := tr.Missing(root); !slices.Equal(m, []uint64{1}) {
		t.Fatalf("missing %v", m)
	}
	if st, _ := tr.AddBlob(scs[1]); st != Available {
		t.Fatalf("all blobs: %v", st)
	}
	if got := tr.Blobs(root); len(got) != 3 || got[1] != scs[1] {
		t.Fatal("blobs held")
	}
	bad := *scs[0]
	bad.Index = 3
	if _, err := tr.AddBlob(&bad); !errors.Is(err, ErrShape) {
		t.Errorf("blob index 3 of 3: %v", err)
	}
	if _, err := tr.AddColumn(&fulu.DataColumnSidecar{SignedBlockHeader: scs[0].SignedBlockHeader}); !errors.Is(err, ErrConflict) {
		t.Errorf("column for a blob block: %v", err)
	}
}

// A supernode needs all 128 columns; with any 64 it recovers the rest,
// identical to the proposer's, and they verify.
func TestReconstructionFromHalf(t *testing.T) {
	ctx := kzgCtx(t)
	r := rand.New(rand.NewPCG(16, 17))
	root, scs := fuluBlock(t, ctx, r, 40, 2)
	tr := New(Config{KZG: ctx})
	all := make([]uint64, 128)
	for i := range all {
		all[i] = uint64(i)
	}
	tr.RequireColumns(root, 2, all)
	perm := r.Perm(128)
	for _, c := range perm[:63] {
		tr.AddColumn(scs[c])
	}
	if tr.CanReconstruct(root) {
		t.Fatal("reconstructable with 63 columns")
	}
	if _, _, err := tr.Reconstruct(root); !errors.Is(err, ErrNotEnoughColumns) {
		t.Fatalf("63 columns: %v", err)
	}
	tr.AddColumn(scs[perm[63]])
	if !tr.CanReconstruct(root) || tr.Status(root) != Pending {
		t.Fatal("64 columns: not reconstructable")
	}
	recovered, st, err := tr.Reconstruct(root)
	if err != nil || st != Available || len(recovered) != 64 {
		t.Fatalf("reconstruct: %d recovered, %v, %v", len(recovered), st, err)
	}
	rules := sidecar.ColumnRules{Config: &config.Config{BlobSchedule: []config.BlobParameters{{MaxBlobsPerBlock: 9}}}, Custody: custody.Mainnet}
	for _, sc := range recovered {
		orig := scs[sc.Index]
		for i := range sc.Column {
			if !bytes.Equal(sc.Column[i], orig.Column[i]) || sc.KZGProofs[i] != orig.KZGProofs[i] {
				t.Fatalf("recovered column %d blob %d differs from the proposer's", sc.Index, i)
			}
		}
		if sc.Index%16 == 0 {
			if err := sidecar.VerifyDataColumn(ctx, rules, sc, sc.Index); err != nil {
				t.Fatalf("recovered column %d: %v", sc.Index, err)
			}
		}
	}
	s := tr.Stats()
	if s.Reconstructions != 1 || s.ColumnsRecovered != 64 {
		t.Fatalf("stats %+v", s)
	}
	if _, _, err := tr.Reconstruct([32]byte{1}); !errors.Is(err, ErrNotFulu) {
		t.Errorf("untracked root: %v", err)
	}
}

// Concurrent filing from several goroutines (run with -race).
func TestConcurrentAdds(t *testing.T) {
	ctx := kzgCtx(t)
	r := rand.New(rand.NewPCG(18, 19))
	root, scs := fuluBlock(t, ctx, r, 50, 1)
	tr := New(Config{KZG: ctx})
	all := make([]uint64, 128)
	for i := range all {
		all[i] = uint64(i)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for c := w; c < 128; c += 4 {
				if _, err := tr.AddColumn(scs[c]); err != nil {
					t.Error(err)
				}
				tr.Status(root)
			}
		})
	}
	wg.Go(func() {
		if _, err := tr.RequireColumns(root, 1, all); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	if tr.Status(root) != Available || tr.Stats().ColumnsAdded != 128 {
		t.Fatalf("%v %+v", tr.Status(root), tr.Stats())
	}
}
