// Package metrics exposes one node's counters and state as Prometheus
// metrics: the ethereum/beacon-metrics names libp2pc can fill today
// (libp2p_peers, beacon_head_slot, beacon_finalized_epoch,
// beacon_current_justified_epoch, beacon_reorgs_total,
// gossipsub_mesh_peers_per_main_topic, beacon_sync_state), the PeerDAS
// set of beacon-metrics' EIP-7594 list while data availability runs
// (beacon_data_column_sidecar_processing_requests_total and
// _successes_total, beacon_data_column_sidecar_gossip_verification_seconds,
// beacon_kzg_verification_data_column_batch_seconds,
// beacon_data_availability_reconstructed_columns_total,
// beacon_data_availability_reconstruction_time_seconds,
// beacon_custody_groups) and libp2pc's own (libp2pc_*: event queue, gossip
// validation, req/resp, block import).
//
// Every Exporter has its own registry (never Prometheus' global one: a
// process may run several nodes) and one collector that reads the node's
// counters when scraped, so nothing is recorded twice and a scrape always
// agrees with the node's own counter calls. Two ways out: Text (the text
// exposition format, for hosts that export metrics their own way) and
// Serve (an HTTP endpoint, off until called).
package metrics

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// Exporter is the metrics of one node.
type Exporter struct {
	n   *node.Node
	reg *prometheus.Registry

	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
}

// New makes the exporter of n, with its own registry.
func New(n *node.Node) *Exporter {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{n: n})
	// process_cpu_seconds_total and process_max_fds are in beacon-metrics'
	// list; the Go runtime's own metrics help read the rest.
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(collectors.NewGoCollector())
	return &Exporter{n: n, reg: reg}
}

// Registry is the exporter's registry (Go hosts may add their own metrics).
func (e *Exporter) Registry() *prometheus.Registry { return e.reg }

// Text gathers the metrics now and returns them in the Prometheus text
// exposition format (version 0.0.4). It reads counters and takes short
// locks only: it never waits on the network or the node's loop.
func (e *Exporter) Text() ([]byte, error) {
	mfs, err := e.reg.Gather()
	if err != nil {
		return nil, status.Errorf(status.Internal, "gather metrics: %v", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, status.Errorf(status.Internal, "encode metrics: %v", err)
		}
	}
	return buf.Bytes(), nil
}

// Serve starts an HTTP endpoint on addr ("IP:PORT"; port 0 picks one) that
// serves the metrics at /metrics, and returns the bound address. The
// address must be an IP literal: resolving a host name could wait on DNS,
// and Serve must not block. Binding happens before Serve returns (an
// address in use fails here); requests are served on the library's own
// goroutines. One endpoint per exporter: a second Serve is BadState until
// Close.
func (e *Exporter) Serve(addr string) (net.Addr, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "metrics address %q: want IP:PORT (an IP literal): %v", addr, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srv != nil {
		return nil, status.Errorf(status.BadState, "metrics endpoint already serving on %s", e.ln.Addr())
	}
	ln, err := net.Listen("tcp", ap.String())
	if err != nil {
		return nil, status.Errorf(status.Network, "metrics endpoint: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
		// Bounds the scrapes served at once: the endpoint cannot be used to
		// pile up goroutines.
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	e.srv, e.ln = srv, ln
	go func() { _ = srv.Serve(ln) }() // returns ErrServerClosed after Close
	return ln.Addr(), nil
}

// Addr is the endpoint's bound address, nil when not serving.
func (e *Exporter) Addr() net.Addr {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ln == nil {
		return nil
	}
	return e.ln.Addr()
}

// Close stops the endpoint (if serving) without waiting for scrapes in
// progress: they are cut off.
func (e *Exporter) Close() error {
	e.mu.Lock()
	srv := e.srv
	e.srv, e.ln = nil, nil
	e.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
