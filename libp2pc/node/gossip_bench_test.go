package node

// Small-message gossip benchmark (issue 19, target 1): two libp2pc nodes on
// loopback against two plain go-libp2p-pubsub hosts with the same consensus
// settings, in one run, so that the ratio is measured under the same load.
//
//	make bench-gossip
//	go test -run '^$' -bench GossipVsPubsub -benchtime 1x ./libp2pc/node/
//
// Each case publishes unique payloads (an 8-byte sequence number, then
// random bytes) from A to B: first with up to gossipWindow messages in
// flight (published, not yet received by B's consumer) for the rate, then
// one at a time for the latency; best of GOSSIP_BENCH_ROUNDS (2) rounds,
// msgs is the total over the rounds. CPU time is the whole process's (both
// nodes, all goroutines) over the rate phase, per message.

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossipparams"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

const (
	gossipWindow    = 500 // messages in flight in the rate phase
	gossipBenchName = "beacon_attestation_0"
)

// gossipPair is one publisher and one receiver on a shared topic. publish
// must not block for long; onRecv is set before the first publish and
// called by the receiver's consumer with each payload's sequence number.
type gossipPair interface {
	publish(ssz []byte) error
	close()
}

type gossipCase struct {
	name  string
	start func(tb testing.TB, onRecv func(seq uint64)) gossipPair
}

type gossipResult struct {
	rate       float64 // messages/s
	cpuPerMsg  time.Duration
	p50        time.Duration
	lost, sent int
}

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkGossipVsPubsub(b *testing.B) {
	sizes := []int{100, 10 << 10, 128 << 10}
	if only := os.Getenv("GOSSIP_BENCH_SIZES"); only != "" {
		sizes = slices.DeleteFunc(sizes, func(n int) bool { return !slices.Contains(strings.Split(only, ","), strconv.Itoa(n)) })
	}
	counts := map[int]int{
		100:       benchEnvInt("GOSSIP_BENCH_SMALL", 20000),
		10 << 10:  benchEnvInt("GOSSIP_BENCH_MEDIUM", 5000),
		128 << 10: benchEnvInt("GOSSIP_BENCH_LARGE", 1000),
	}
	latencySamples := benchEnvInt("GOSSIP_BENCH_LATENCY", 300)
	rounds := benchEnvInt("GOSSIP_BENCH_ROUNDS", 2)
	cases := []gossipCase{
		{"go-libp2p-pubsub", startNativePair},
		{"libp2pc host validation", func(tb testing.TB, f func(uint64)) gossipPair { return startLibp2pcPair(tb, ValidateHost, f, false) }},
		{"libp2pc Go validation", func(tb testing.TB, f func(uint64)) gossipPair { return startLibp2pcPair(tb, ValidateGo, f, false) }},
		{"libp2pc host validation, publish_nowait", func(tb testing.TB, f func(uint64)) gossipPair {
			return startLibp2pcPair(tb, ValidateHost, f, true)
		}},
		{"libp2pc Go validation, publish_nowait", func(tb testing.TB, f func(uint64)) gossipPair {
			return startLibp2pcPair(tb, ValidateGo, f, true)
		}},
	}
	if only := os.Getenv("GOSSIP_BENCH_VARIANTS"); only != "" { // e.g. 0,1 (for profiles)
		var keep []gossipCase
		for _, f := range strings.Split(only, ",") {
			if i, err := strconv.Atoi(f); err == nil && i >= 0 && i < len(cases) {
				keep = append(keep, cases[i])
			}
		}
		cases = keep
	}
	for i := 0; i < b.N; i++ {
		var table strings.Builder
		fmt.Fprintf(&table, "| payload | variant | msgs | msgs/s (%d in flight) | ratio to go-libp2p-pubsub | CPU µs/msg | p50 µs (1 in flight) | p50 − native µs | lost |\n", gossipWindow)
		table.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, size := range sizes {
			var native gossipResult
			for ci, c := range cases {
				// Best of rounds (the machine is shared: the best round is
				// the one least disturbed).
				var r gossipResult
				for round := 0; round < rounds; round++ {
					rr := runGossipCase(b, c, size, counts[size], latencySamples)
					if round == 0 {
						r = rr
						continue
					}
					r.rate = max(r.rate, rr.rate)
					r.cpuPerMsg = min(r.cpuPerMsg, rr.cpuPerMsg)
					r.p50 = min(r.p50, rr.p50)
					r.lost += rr.lost
					r.sent += rr.sent
				}
				if ci == 0 {
					native = r
				}
				fmt.Fprintf(&table, "| %s | %s | %d | %.1f k | %.2f× | %.1f | %.0f | %+.0f | %d |\n",
					sizeName(size), c.name, r.sent, r.rate/1000, r.rate/native.rate,
					float64(r.cpuPerMsg.Nanoseconds())/1000, float64(r.p50.Nanoseconds())/1000,
					float64((r.p50-native.p50).Nanoseconds())/1000, r.lost)
				b.Logf("%s %s: %.0f msgs/s, p50 %v, cpu %v/msg, lost %d", sizeName(size), c.name, r.rate, r.p50, r.cpuPerMsg, r.lost)
			}
		}
		fmt.Println()
		fmt.Print(table.String())
	}
}

func sizeName(n int) string {
	if n >= 1024 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func runGossipCase(b *testing.B, c gossipCase, size, count, latencySamples int) gossipResult {
	total := count + latencySamples
	payloads := make([][]byte, total)
	for i := range payloads {
		p := make([]byte, size)
		_, _ = rand.Read(p[8:])
		binary.LittleEndian.PutUint64(p, uint64(i))
		payloads[i] = p
	}
	var received, lastRecv atomic.Int64
	window := make(chan struct{}, gossipWindow)
	latency := make(chan uint64, 1)
	var latencyMode atomic.Bool
	seen := make([]atomic.Bool, total)
	onRecv := func(seq uint64) {
		if seq >= uint64(total) || seen[seq].Swap(true) {
			return
		}
		if latencyMode.Load() {
			latency <- seq
			return
		}
		received.Add(1)
		lastRecv.Store(time.Now().UnixNano())
		select {
		case <-window:
		default:
		}
	}
	pair := c.start(b, onRecv)
	defer pair.close()
	publish := func(p []byte) {
		for {
			err := pair.publish(p)
			if err == nil {
				return
			}
			if status.CodeOf(err) != status.QueueFull {
				b.Fatalf("%s: publish: %v", c.name, err)
			}
			time.Sleep(20 * time.Microsecond) // bounded publish: retry later
		}
	}
	// Rate phase.
	cpu0, t0 := cpuTime(), time.Now()
	for i := 0; i < count; i++ {
		select {
		case window <- struct{}{}:
		case <-time.After(time.Second): // a lost message holds a slot
			<-window
			window <- struct{}{}
		}
		publish(payloads[i])
	}
	// Until all arrived or nothing arrives for a second (gossipsub drops
	// happen: a peer's outbound queue overflowing under load, counted in
	// the lost column); the rate counts up to the last arrival.
	for received.Load() < int64(count) {
		if time.Since(time.Unix(0, lastRecv.Load())) > time.Second {
			break
		}
		time.Sleep(100 * time.Microsecond)
	}
	cpu := cpuTime() - cpu0
	elapsed := time.Unix(0, lastRecv.Load()).Sub(t0)
	got := int(received.Load())
	res := gossipResult{rate: float64(got) / elapsed.Seconds(), cpuPerMsg: cpu / time.Duration(max(got, 1)),
		lost: count - got, sent: count}
	// Latency phase: one message in flight.
	latencyMode.Store(true)
	lat := make([]time.Duration, 0, latencySamples)
	for i := count; i < total; i++ {
		t := time.Now()
		publish(payloads[i])
		select {
		case <-latency:
			lat = append(lat, time.Since(t))
		case <-time.After(time.Second):
			res.lost++
		}
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		res.p50 = lat[len(lat)/2]
	}
	return res
}

// ---- go-libp2p-pubsub ------------------------------------------------------

type nativePair struct {
	hosts  [2]host.Host
	cancel context.CancelFunc
	topic  *pubsub.Topic
	done   sync.WaitGroup
}

func nativeHost(tb testing.TB) host.Host {
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		libp2p.Transport(tcp.NewTCPTransport), libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport), libp2p.DisableRelay())
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// startNativePair: what a plain Go program gets with the consensus settings
// libp2pc applies (host.go, eth2PubsubOptions), minus peer scoring.
func startNativePair(tb testing.TB, onRecv func(uint64)) gossipPair {
	c := benchEth2Config()
	d, err := c.Schedule.Digest(0)
	if err != nil {
		tb.Fatal(err)
	}
	topic := gossip.FormatTopic(d, gossipBenchName)
	ctx, cancel := context.WithCancel(context.Background())
	p := &nativePair{cancel: cancel}
	var topics [2]*pubsub.Topic
	for i := range p.hosts {
		h := nativeHost(tb)
		p.hosts[i] = h
		ps, err := pubsub.NewGossipSub(ctx, h,
			pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign), pubsub.WithNoAuthor(),
			pubsub.WithGossipSubParams(gossipparams.GossipSubParams()),
			pubsub.WithFloodPublish(true),
			pubsub.WithPeerOutboundQueueSize(600), pubsub.WithValidateQueueSize(600),
			pubsub.WithMaxMessageSize(int(eth2.MaxMessageSize())),
			pubsub.WithMessageIdFn(func(m *pb.Message) string {
				id := gossip.MessageIDForFork(eth2.Altair, m.GetTopic(), m.GetData())
				return string(id[:])
			}))
		if err != nil {
			tb.Fatal(err)
		}
		if err := ps.RegisterTopicValidator(topic, func(_ context.Context, _ peer.ID, m *pubsub.Message) pubsub.ValidationResult {
			ssz, err := gossip.DecodePayload(m.Data, 0)
			if err != nil {
				return pubsub.ValidationReject
			}
			m.ValidatorData = ssz
			return pubsub.ValidationAccept
		}); err != nil {
			tb.Fatal(err)
		}
		if topics[i], err = ps.Join(topic); err != nil {
			tb.Fatal(err)
		}
		sub, err := topics[i].Subscribe(pubsub.WithBufferSize(DefaultGossipQueue))
		if err != nil {
			tb.Fatal(err)
		}
		if i == 1 {
			p.done.Add(1)
			go func() {
				defer p.done.Done()
				for {
					m, err := sub.Next(ctx)
					if err != nil {
						return
					}
					if ssz, ok := m.ValidatorData.([]byte); ok && len(ssz) >= 8 {
						onRecv(binary.LittleEndian.Uint64(ssz))
					}
				}
			}()
		}
	}
	p.topic = topics[0]
	if err := p.hosts[0].Connect(ctx, peer.AddrInfo{ID: p.hosts[1].ID(), Addrs: p.hosts[1].Addrs()}); err != nil {
		tb.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(topics[0].ListPeers(), p.hosts[1].ID()) || !slices.Contains(topics[1].ListPeers(), p.hosts[0].ID()) {
		if time.Now().After(deadline) {
			tb.Fatal("native hosts did not see each other in the topic")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return p
}

func (p *nativePair) publish(ssz []byte) error {
	return p.topic.Publish(context.Background(), gossip.EncodePayload(ssz))
}

func (p *nativePair) close() {
	p.cancel()
	for _, h := range p.hosts {
		h.Close()
	}
	p.done.Wait()
}

// ---- libp2pc ---------------------------------------------------------------

type libp2pcPair struct {
	nodes  [2]*Node
	nowait bool
	failed atomic.Int64 // publishes that completed with an error
}

func benchEth2Config() Eth2Config {
	// Altair from genesis: the current message-id form.
	return testEth2Config(time.Now(), 0, config.FarFutureEpoch)
}

func startLibp2pcPair(tb testing.TB, mode ValidationMode, onRecv func(uint64), nowait bool) gossipPair {
	c := benchEth2Config()
	p := &libp2pcPair{nowait: nowait}
	type nodeSignals struct {
		done     chan events.Event
		joined   chan string
		listen   chan []string
		finished <-chan struct{}
	}
	var sig [2]nodeSignals
	for i := range p.nodes {
		s := nodeSignals{done: make(chan events.Event, 16), joined: make(chan string, 4), listen: make(chan []string, 1)}
		sig[i] = s
		var self atomic.Pointer[Node]
		receiver := i == 1
		sink := func(e *events.Event) {
			switch e.Type {
			case events.GossipValidate:
				// The host answers from its event callback.
				_ = self.Load().ReportValidation(e.RequestID, ValidationAccept)
			case events.Message:
				if receiver && len(e.Data) >= 8 {
					onRecv(binary.LittleEndian.Uint64(e.Data))
				}
			case events.RequestDone:
				if e.Status != 0 {
					p.failed.Add(1)
				}
				select {
				case s.done <- *e:
				default: // publish completions: nobody waits for them
				}
			case events.TopicPeerJoined:
				select {
				case s.joined <- e.PeerID:
				default:
				}
			case events.Listening:
				s.listen <- e.Addrs
			}
		}
		n, err := New(Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Sink: sink, StopGrace: 2 * time.Second})
		if err != nil {
			tb.Fatal(err)
		}
		self.Store(n)
		p.nodes[i] = n
		if err := n.ConfigureEth2(c); err != nil {
			tb.Fatal(err)
		}
		if mode == ValidateGo {
			if err := n.RegisterEth2Validator(gossip.BeaconAttestation, func(_ context.Context, m *Eth2Message) (ValidationResult, string) {
				return ValidationAccept, ""
			}); err != nil {
				tb.Fatal(err)
			}
		}
		waitOK := func(req uint64, err error, what string) {
			if err != nil {
				tb.Fatalf("%s: %v", what, err)
			}
			for {
				select {
				case e := <-s.done:
					if e.RequestID != req {
						continue
					}
					if e.Status != 0 {
						tb.Fatalf("%s: %s", what, e.Text)
					}
					return
				case <-time.After(20 * time.Second):
					tb.Fatalf("%s: no completion", what)
				}
			}
		}
		req, err := n.Start()
		waitOK(req, err, "start")
		req, err = n.Eth2Subscribe(gossipBenchName, mode)
		waitOK(req, err, "eth2 subscribe")
		if i == 1 {
			addrs := <-sig[1].listen
			req, err := p.nodes[0].Dial(addrs[0] + "/p2p/" + n.ID().String())
			waitOK0 := func() {
				if err != nil {
					tb.Fatal(err)
				}
				for e := range sig[0].done {
					if e.RequestID == req {
						if e.Status != 0 {
							tb.Fatalf("dial: %s", e.Text)
						}
						return
					}
				}
			}
			waitOK0()
		}
	}
	for i, s := range sig {
		select {
		case <-s.joined:
		case <-time.After(20 * time.Second):
			tb.Fatalf("node %d: peer never joined the topic", i)
		}
	}
	return p
}

func (p *libp2pcPair) publish(ssz []byte) error {
	if p.nowait {
		return p.nodes[0].Eth2PublishNoWait(gossipBenchName, ssz)
	}
	_, err := p.nodes[0].Eth2Publish(gossipBenchName, ssz)
	return err
}

func (p *libp2pcPair) close() {
	for _, n := range p.nodes {
		n.Stop()
		n.Destroy()
	}
	for _, n := range p.nodes {
		select {
		case <-n.DeliveryFinished():
		case <-time.After(30 * time.Second):
		}
	}
}
