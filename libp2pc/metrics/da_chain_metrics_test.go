//go:build minimal

package metrics

import (
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/libp2pc/libp2pc/libp2pc/chainsvc"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/da/kzg"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
)

// TestReconstructionMetrics: a supernode chain (custody of all 128 groups)
// on a fulu network is given the odd half of the columns of a real block
// with two blobs; the pipeline reconstructs the other half. The scrape has beacon_data_availability_reconstructed_columns_total
// at 64, beacon_data_availability_reconstruction_time_seconds with the one
// reconstruction, and beacon_custody_groups at 128 (from the chain's own
// DA gossip).
func TestReconstructionMetrics(t *testing.T) {
	ctx, err := kzg.Default()
	if err != nil {
		t.Fatal(err)
	}
	ccfg := testchain.ForkConfig(forks.Fulu, 1, 12)
	g, err := testchain.ForkGenesis(ccfg, 16, forks.Fulu)
	if err != nil {
		t.Fatal(err)
	}
	genesisSSZ, err := g.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	ec := eth2Config()
	ec.GenesisTime = time.Now().Add(-20 * time.Second)
	n, rec := startNode(t, ec)
	exp := New(n)
	req, err := chainsvc.Start(n, chainsvc.ChainConfig{DataDir: t.TempDir(), AnchorState: genesisSSZ, Consensus: ccfg,
		StatusPollPeriod: -1, CustodyGroupCount: 128})
	mustOK(t, rec, req, err, "start chain")

	// Before any reconstruction: the metrics exist, at zero.
	text, err := exp.Text()
	if err != nil {
		t.Fatal(err)
	}
	mfs := parseText(t, text)
	if v := mustValue(t, mfs, "beacon_data_availability_reconstructed_columns_total"); v != 0 {
		t.Fatalf("reconstructed columns %v before any block", v)
	}

	bb, err := testchain.ProduceBlobBlock(ccfg, ctx, g, 1, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Half the block's columns, and not the block: the pipeline holds them
	// and reconstructs the rest as the 64th arrives. (Without the block,
	// nothing gives the wait up while a reconstruction slowed by -race on
	// a loaded machine runs: the block's data wait is 4 slots, and a block
	// given up mid-reconstruction takes its columns with it.)
	p := chainsvc.Pipeline(n)
	for i := 1; i < 128; i += 2 {
		if err := p.AddVerifiedDataColumnSidecar(bb.Columns[i]); err != nil {
			t.Fatalf("column %d: %v", i, err)
		}
	}
	start := time.Now()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		st, err := chainsvc.DAStats(n)
		if err != nil {
			t.Fatal(err)
		}
		if st.ColumnsRecovered > 0 || st.ReconstructionFailures > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reconstruction; DA stats %+v", st)
		}
	}
	t.Logf("columns recovered %v after the 64th", time.Since(start))

	text, err = exp.Text()
	if err != nil {
		t.Fatal(err)
	}
	mfs = parseText(t, text)
	checks := []struct {
		name string
		typ  dto.MetricType
		want float64
	}{
		{"beacon_data_availability_reconstructed_columns_total", dto.MetricType_COUNTER, 64},
		{"beacon_data_availability_reconstruction_time_seconds", dto.MetricType_HISTOGRAM, 1},
		{"beacon_custody_groups", dto.MetricType_GAUGE, 128},
		// The chain's DA gossip runs: the column gossip metrics are there
		// (nothing came by gossip).
		{"beacon_data_column_sidecar_processing_requests_total", dto.MetricType_COUNTER, 0},
		{"beacon_data_column_sidecar_gossip_verification_seconds", dto.MetricType_HISTOGRAM, 0},
	}
	for _, c := range checks {
		mf := mfs[c.name]
		if mf == nil {
			t.Errorf("no %s in the scrape", c.name)
			continue
		}
		if mf.GetType() != c.typ {
			t.Errorf("%s is a %v, want %v", c.name, mf.GetType(), c.typ)
		}
		if got := mustValue(t, mfs, c.name); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	if h := mfs["beacon_data_availability_reconstruction_time_seconds"].GetMetric()[0].GetHistogram(); h.GetSampleSum() <= 0 {
		t.Errorf("reconstruction time sum %v", h.GetSampleSum())
	}
}
