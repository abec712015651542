package metrics

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossipparams"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
)

// recorder keeps a node's events for the test to wait on.
type recorder struct {
	mu     sync.Mutex
	cond   *sync.Cond
	events []events.Event
}

func newRecorder() *recorder {
	r := &recorder{}
	r.cond = sync.NewCond(&r.mu)
	return r
}

func (r *recorder) sink(e *events.Event) {
	r.mu.Lock()
	r.events = append(r.events, *e)
	r.cond.Broadcast()
	r.mu.Unlock()
}

func (r *recorder) waitFor(t *testing.T, what string, pred func(events.Event) bool) events.Event {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	stop := time.AfterFunc(20*time.Second, func() { r.mu.Lock(); r.cond.Broadcast(); r.mu.Unlock() })
	defer stop.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		for _, e := range r.events {
			if pred(e) {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		r.cond.Wait()
	}
}

func doneFor(req uint64) func(events.Event) bool {
	return func(e events.Event) bool { return e.Type == events.RequestDone && e.RequestID == req }
}

func mustOK(t *testing.T, r *recorder, req uint64, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if e := r.waitFor(t, what, doneFor(req)); e.Status != 0 {
		t.Fatalf("%s failed: %s", what, e.Text)
	}
}

func eth2Config() node.Eth2Config {
	s := &forkdigest.Schedule{GenesisValidatorsRoot: [32]byte{7}, Forks: []forkdigest.ForkEntry{
		{Fork: eth2.Phase0, Version: [4]byte{0, 0, 0, 7}, Epoch: 0},
		{Fork: eth2.Altair, Version: [4]byte{1, 0, 0, 7}, Epoch: config.FarFutureEpoch},
	}}
	return node.Eth2Config{GenesisTime: time.Now(), Schedule: s,
		Chain:             gossipparams.Chain{SlotDuration: time.Second, SlotsPerEpoch: 2, ActiveValidators: 64},
		ValidationTimeout: 2 * time.Second}
}

func startEth2Node(t *testing.T) (*node.Node, *recorder) {
	t.Helper()
	rec := newRecorder()
	n, err := node.New(node.Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Sink: rec.sink, StopGrace: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.ConfigureEth2(eth2Config()); err != nil {
		t.Fatal(err)
	}
	req, err := n.Start()
	mustOK(t, rec, req, err, "start")
	t.Cleanup(func() {
		if n.State() == node.StateRunning {
			n.Stop()
		}
		n.Destroy()
		select {
		case <-n.DeliveryFinished():
		case <-time.After(30 * time.Second):
			t.Errorf("node did not finish stopping")
		}
	})
	return n, rec
}

// scrape fetches the endpoint and parses it with the Prometheus text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %v", resp.StatusCode, err)
	}
	return parseText(t, body)
}

// parseText parses the text exposition format with the Prometheus parser.
func parseText(t *testing.T, body []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse scrape: %v\n%s", err, body)
	}
	return mfs
}

// value is the value of the sample of name whose labels include want
// (label=value pairs); found reports whether there is one.
func value(mfs map[string]*dto.MetricFamily, name string, want ...string) (v float64, found bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func mustValue(t *testing.T, mfs map[string]*dto.MetricFamily, name string, want ...string) float64 {
	t.Helper()
	v, ok := value(mfs, name, want...)
	if !ok {
		t.Fatalf("no %s%v in the scrape", name, want)
	}
	return v
}

// TestScrapeAgreesWithCounters: two real eth2 nodes over TCP; a publishes
// beacon_block messages that b's Go validator accepts, rejects or ignores
// by content. b's endpoint, scraped over HTTP and parsed by the Prometheus
// text parser, reports the same peers, messages and validation outcomes
// (with their reasons) as b's own counter calls, and the mesh peer.
func TestScrapeAgreesWithCounters(t *testing.T) {
	a, ra := startEth2Node(t)
	b, rb := startEth2Node(t)
	exp := New(b)
	addr, err := exp.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exp.Close() })
	url := "http://" + addr.String() + "/metrics"

	// Before any peer: zero peers, empty queue, no beacon_* (no chain).
	mfs := scrape(t, url)
	if v := mustValue(t, mfs, "libp2p_peers"); v != 0 {
		t.Fatalf("libp2p_peers %v before connecting", v)
	}
	if _, ok := mfs["beacon_head_slot"]; ok {
		t.Fatal("beacon_head_slot without a chain")
	}
	if v := mustValue(t, mfs, "libp2pc_event_queue_capacity", "class", "gossip"); v != node.DefaultGossipQueue {
		t.Fatalf("gossip capacity %v", v)
	}

	if err := b.RegisterEth2Validator(gossip.BeaconBlock, func(_ context.Context, m *node.Eth2Message) (node.ValidationResult, string) {
		switch {
		case bytes.HasPrefix(m.Data, []byte("bad")):
			return node.ValidationReject, "test: bad prefix"
		case bytes.HasPrefix(m.Data, []byte("skip")):
			return node.ValidationIgnore, "test: skip prefix"
		}
		return node.ValidationAccept, ""
	}); err != nil {
		t.Fatal(err)
	}
	listen := rb.waitFor(t, "listening", func(e events.Event) bool { return e.Type == events.Listening }).Addrs[0] + "/p2p/" + b.ID().String()
	req, err := a.Dial(listen)
	mustOK(t, ra, req, err, "dial")
	req, err = a.Eth2Subscribe(gossip.BeaconBlock, node.ValidateNone)
	mustOK(t, ra, req, err, "subscribe a")
	req, err = b.Eth2Subscribe(gossip.BeaconBlock, node.ValidateGo)
	mustOK(t, rb, req, err, "subscribe b")
	topic := gossip.FormatTopic(mustDigest(t, a), gossip.BeaconBlock)
	ra.waitFor(t, "b in the topic", func(e events.Event) bool {
		return e.Type == events.TopicPeerJoined && e.PeerID == b.ID().String() && e.Topic == topic
	})

	// gossipsub grafts a into b's mesh at a heartbeat (before any rejection
	// lowers a's score): the main-topic gauge and the per-topic one show it.
	waitScrape(t, url, "b's mesh to hold a", func(mfs map[string]*dto.MetricFamily) bool {
		main, _ := value(mfs, "gossipsub_mesh_peers_per_main_topic", "topic", gossip.BeaconBlock)
		perTopic, _ := value(mfs, "libp2pc_gossipsub_mesh_peers", "topic", topic)
		return main == 1 && perTopic == 1
	})

	const good, bad, skip = 5, 2, 3
	for i := range good + bad + skip {
		prefix := "good"
		if i >= good {
			prefix = "bad"
		}
		if i >= good+bad {
			prefix = "skip"
		}
		req, err := a.Eth2Publish(topic, []byte(fmt.Sprintf("%s block %d", prefix, i)))
		mustOK(t, ra, req, err, "publish")
	}
	// Wait until b has validated every message.
	waitScrape(t, url, "b to validate every message", func(map[string]*dto.MetricFamily) bool {
		c := b.Eth2Counters().Topics[gossip.BeaconBlock]
		return c.Accepted+c.Rejected+c.Ignored == good+bad+skip
	})

	mfs = scrape(t, url)
	nc, ec := b.Counters(), b.Eth2Counters()
	qs := b.QueueStats()
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"libp2p_peers", nil, float64(nc.ConnectedPeers)},
		{"libp2p_peers", nil, 1},
		{"libp2pc_gossip_messages_received_total", nil, float64(nc.MessagesReceived)},
		{"libp2pc_gossip_messages_received_total", nil, good},
		{"libp2pc_gossip_validation_total", []string{"topic", "beacon_block", "outcome", "accepted"}, good},
		{"libp2pc_gossip_validation_total", []string{"topic", "beacon_block", "outcome", "rejected"}, bad},
		{"libp2pc_gossip_validation_total", []string{"topic", "beacon_block", "outcome", "ignored"}, skip},
		{"libp2pc_gossip_validation_total", []string{"topic", "beacon_block", "outcome", "accepted"}, float64(ec.Topics[gossip.BeaconBlock].Accepted)},
		{"libp2pc_gossip_validation_reasons_total", []string{"source", "validator", "reason", "test: bad prefix"}, bad},
		{"libp2pc_gossip_validation_reasons_total", []string{"source", "validator", "reason", "test: skip prefix"}, skip},
		{"libp2pc_gossipsub_rejected_total", []string{"action", "rejected"}, float64(ec.PubsubRejected)},
		{"libp2pc_event_queue_dropped_total", []string{"class", "gossip"}, float64(qs.Dropped.Gossip)},
	}
	for _, c := range checks {
		if got := mustValue(t, mfs, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// a published every message: its own scrape (Text) says so.
	text, err := New(a).Text()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("libp2pc_gossip_messages_published_total %d\n", good+bad+skip)
	if !strings.Contains(string(text), want) {
		t.Fatalf("a's metrics text lacks %q:\n%s", want, text)
	}
}

// waitScrape scrapes until ok holds (20 s at most).
func waitScrape(t *testing.T, url, what string, ok func(map[string]*dto.MetricFamily) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok(scrape(t, url)) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mustDigest(t *testing.T, n *node.Node) forkdigest.Digest {
	d, err := n.Eth2CurrentDigest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestServeArguments: a host name (could wait on DNS), a malformed address
// and a second endpoint are refused with specific errors; Close frees the
// port for another Serve.
func TestServeArguments(t *testing.T) {
	n, err := node.New(node.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Destroy()
	exp := New(n)
	for _, bad := range []string{"localhost:9100", "127.0.0.1", "", "1.2.3.4:99999"} {
		if _, err := exp.Serve(bad); err == nil || !strings.Contains(err.Error(), "IP:PORT") {
			t.Errorf("Serve(%q) = %v, want an IP:PORT error", bad, err)
		}
	}
	addr, err := exp.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exp.Serve("127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "already serving") {
		t.Fatalf("second Serve: %v", err)
	}
	other := New(n)
	if _, err := other.Serve(addr.String()); err == nil {
		t.Fatal("a second exporter bound the same port")
	}
	if err := exp.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Serve(addr.String()); err != nil {
		t.Fatalf("after Close: %v", err)
	}
	other.Close()
}
