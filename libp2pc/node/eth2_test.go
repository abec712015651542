package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossipparams"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// testEth2Config: 1 s slots, 2 slots per epoch, genesis at genesis;
// Altair and Bellatrix at the given epochs (FAR_FUTURE_EPOCH: never).
func testEth2Config(genesis time.Time, altair, bellatrix uint64) Eth2Config {
	s := &forkdigest.Schedule{GenesisValidatorsRoot: [32]byte{1, 2, 3}, Forks: []forkdigest.ForkEntry{
		{Fork: eth2.Phase0, Version: [4]byte{0, 0, 0, 9}, Epoch: 0},
		{Fork: eth2.Altair, Version: [4]byte{1, 0, 0, 9}, Epoch: altair},
		{Fork: eth2.Bellatrix, Version: [4]byte{2, 0, 0, 9}, Epoch: bellatrix},
	}}
	return Eth2Config{GenesisTime: genesis, Schedule: s,
		Chain:              gossipparams.Chain{SlotDuration: time.Second, SlotsPerEpoch: 2, ActiveValidators: 64},
		ValidationTimeout:  2 * time.Second,
		ScoreInspectPeriod: 200 * time.Millisecond}
}

func startEth2Node(t *testing.T, c Eth2Config, sink func(*recorder) func(*events.Event)) (*Node, *recorder) {
	t.Helper()
	rec := newRecorder()
	cfg := Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Sink: rec.sink, StopGrace: 2 * time.Second}
	if sink != nil {
		cfg.Sink = sink(rec)
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.ConfigureEth2(c); err != nil {
		t.Fatal(err)
	}
	req, err := n.Start()
	if err != nil {
		t.Fatal(err)
	}
	if e := rec.waitFor(t, "start", doneFor(req)); e.Status != 0 {
		t.Fatalf("start failed: %s", e.Text)
	}
	t.Cleanup(func() { stopAndWait(t, n, rec) })
	return n, rec
}

func digestOf(t *testing.T, c Eth2Config, epoch uint64) forkdigest.Digest {
	d, err := c.Schedule.Digest(epoch)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func joinedTopic(p peer.ID, topic string) func(events.Event) bool {
	return func(e events.Event) bool {
		return e.Type == events.TopicPeerJoined && e.PeerID == p.String() && e.Topic == topic
	}
}

func eth2SubOK(t *testing.T, n *Node, r *recorder, name string, mode ValidationMode) {
	t.Helper()
	req, err := n.Eth2Subscribe(name, mode)
	mustOK(t, r, req, err, "eth2 subscribe "+name)
}

func eth2Pub(t *testing.T, n *Node, r *recorder, topic string, ssz []byte) {
	t.Helper()
	req, err := n.Eth2Publish(topic, ssz)
	mustOK(t, r, req, err, "eth2 publish")
}

func TestEth2GossipParameters(t *testing.T) {
	p := gossipparams.GossipSubParams()
	if p.D != 8 || p.Dlo != 6 || p.Dhi != 12 || p.Dlazy != 6 || p.HeartbeatInterval != 700*time.Millisecond ||
		p.FanoutTTL != 60*time.Second || p.HistoryLength != 6 || p.HistoryGossip != 3 {
		t.Fatalf("gossipsub params %+v", p)
	}
	mainnet := gossipparams.Chain{}.WithDefaults()
	if got := mainnet.SeenTTL(); got != 768*time.Second {
		t.Fatalf("mainnet seen_ttl %v, want 768s", got)
	}
	if got := (gossipparams.Chain{SlotDuration: 6 * time.Second, SlotsPerEpoch: 8}).SeenTTL(); got != 96*time.Second {
		t.Fatalf("minimal seen_ttl %v", got)
	}
	sp, th := mainnet.PeerScore()
	if th.GossipThreshold != -4000 || th.PublishThreshold != -8000 || th.GraylistThreshold != -16000 ||
		sp.DecayInterval != 12*time.Second || sp.RetainScore != 100*32*12*time.Second {
		t.Fatalf("peer score %+v %+v", sp, th)
	}
	blk := mainnet.TopicScore(gossip.BeaconBlock)
	if blk.TopicWeight != 0.8 || blk.InvalidMessageDeliveriesWeight != -140.4475 || blk.FirstMessageDeliveriesCap != 23 {
		t.Fatalf("block topic %+v", blk)
	}
	if att := mainnet.TopicScore(gossip.BeaconAttestation); att == nil || att.TopicWeight != 1.0/64 {
		t.Fatalf("attestation topic %+v", att)
	}
	// A 64-validator network cannot keep a rate on 64 subnets: unscored.
	if small := (gossipparams.Chain{ActiveValidators: 64}).WithDefaults().TopicScore(gossip.BeaconAttestation); small != nil {
		t.Fatalf("small network attestation params %+v", small)
	}
}

// TestEth2MessageIDAndHostAccept: messages under the phase0 digest carry the
// phase0 message-id and under the Altair digest the Altair one, as computed
// independently here from the wire bytes; host-accepted messages arrive as
// Message events with the decompressed SSZ. The host answers from another
// goroutine.
func TestEth2MessageIDAndHostAccept(t *testing.T) {
	c := testEth2Config(time.Now(), 1, config.FarFutureEpoch) // altair at 2 s; both digests active (lead 2 epochs)
	a, ra := startEth2Node(t, c, nil)
	answers := make(chan uint64, 16)
	b, rb := startEth2Node(t, c, func(r *recorder) func(*events.Event) {
		return func(e *events.Event) {
			r.sink(e)
			if e.Type == events.GossipValidate {
				answers <- e.RequestID
			}
		}
	})
	go func() {
		for id := range answers {
			if err := b.ReportValidation(id, ValidationAccept); err != nil {
				t.Errorf("report: %v", err)
			}
		}
	}()
	t.Cleanup(func() { close(answers) })
	connectPair(t, a, ra, b, rb, "/tcp/")
	// Both in host mode: a's own publications must not wait for a's host
	// (a never answers, so a publish that asked it would fail).
	eth2SubOK(t, a, ra, "beacon_block", ValidateHost)
	eth2SubOK(t, b, rb, "beacon_block", ValidateHost)
	for i, d := range []forkdigest.Digest{digestOf(t, c, 0), digestOf(t, c, 1)} {
		topic := gossip.FormatTopic(d, "beacon_block")
		ra.waitFor(t, "b in "+topic, joinedTopic(b.ID(), topic))
		ssz := []byte(fmt.Sprintf("block %d under %s", i, d))
		eth2Pub(t, a, ra, topic, ssz)
		v := rb.waitFor(t, "validate", func(e events.Event) bool { return e.Type == events.GossipValidate && e.Topic == topic })
		m := rb.waitFor(t, "message", func(e events.Event) bool { return e.Type == events.Message && e.Topic == topic })
		wire := gossip.EncodePayload(ssz)
		want := gossip.MessageIDAltair(topic, wire)
		if i == 0 {
			want = gossip.MessageIDPhase0(wire)
		}
		if !bytes.Equal(m.MsgID, want[:]) || !bytes.Equal(v.MsgID, want[:]) {
			t.Fatalf("%s: msg id %x (validate %x), want %x", topic, m.MsgID, v.MsgID, want)
		}
		if !bytes.Equal(m.Data, ssz) || !bytes.Equal(v.Data, ssz) || m.PeerID != a.ID().String() || v.PeerID != a.ID().String() {
			t.Fatalf("message %+v validate %+v", m, v)
		}
	}
	if got := b.Eth2Counters().Topics[gossip.BeaconBlock]; got.Accepted != 2 || got.Rejected+got.Ignored+got.TimedOut != 0 {
		t.Fatalf("counters %+v", got)
	}
	// Each message was decompressed once: by the message-id function,
	// whose payload the validator took.
	if h := b.eth2.decoded.hits.Load(); h != 2 {
		t.Fatalf("validator took %d decompressed payloads from the message-id step, want 2", h)
	}
	for _, e := range ra.snapshot() {
		if e.Type == events.GossipValidate {
			t.Fatalf("the publisher was asked to validate its own message: %+v", e)
		}
	}
	// Gossipsub v1.2 (IDONTWANT) was negotiated.
	if p := a.Eth2PeerProtocol(b.ID()); p != "/meshsub/1.2.0" {
		t.Fatalf("protocol %q", p)
	}
}

// TestEth2HostRejectIgnoreDeadline: REJECT, IGNORE and a missing answer.
// The deadline must turn into IGNORE: gossipsub's tracer saw exactly one
// rejection, and the sender's invalid-delivery score counts one message.
// The host answers inside its callback.
func TestEth2HostRejectIgnoreDeadline(t *testing.T) {
	c := testEth2Config(time.Now(), config.FarFutureEpoch, config.FarFutureEpoch)
	c.ValidationTimeout = 300 * time.Millisecond
	a, ra := startEth2Node(t, c, nil)
	var bn *Node
	var mu sync.Mutex
	var late []uint64
	b, rb := startEth2Node(t, c, func(r *recorder) func(*events.Event) {
		return func(e *events.Event) {
			r.sink(e)
			if e.Type != events.GossipValidate {
				return
			}
			switch {
			case bytes.HasPrefix(e.Data, []byte("reject")):
				bn.ReportValidation(e.RequestID, ValidationReject)
			case bytes.HasPrefix(e.Data, []byte("ignore")):
				bn.ReportValidation(e.RequestID, ValidationIgnore)
			default: // no answer
				mu.Lock()
				late = append(late, e.RequestID)
				mu.Unlock()
			}
		}
	})
	bn = b
	connectPair(t, a, ra, b, rb, "/tcp/")
	eth2SubOK(t, a, ra, "voluntary_exit", ValidateNone)
	eth2SubOK(t, b, rb, "voluntary_exit", ValidateHost)
	topic := gossip.FormatTopic(digestOf(t, c, 0), "voluntary_exit")
	ra.waitFor(t, "b joins", joinedTopic(b.ID(), topic))
	for _, s := range []string{"reject", "ignore", "silent"} {
		eth2Pub(t, a, ra, "voluntary_exit", []byte(s))
	}
	deadline := time.Now().Add(20 * time.Second)
	var got Eth2TopicCounters
	for ; time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = b.Eth2Counters().Topics[gossip.VoluntaryExit]; got.Rejected+got.Ignored+got.TimedOut == 3 {
			break
		}
	}
	cs := b.Eth2Counters()
	if got.Rejected != 1 || got.Ignored != 1 || got.TimedOut != 1 || got.Accepted != 0 {
		t.Fatalf("counters %+v", got)
	}
	if cs.PubsubRejected != 1 || cs.PubsubIgnored != 2 {
		t.Fatalf("gossipsub saw %d rejected, %d ignored; want 1 and 2 (a deadline must never REJECT)", cs.PubsubRejected, cs.PubsubIgnored)
	}
	// The peer score: one invalid delivery (the REJECT), not two.
	for ; time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s := b.Eth2PeerScores()[a.ID()]; s != nil && s.Topics[topic] != nil && s.Topics[topic].InvalidMessageDeliveries > 0 {
			break
		}
	}
	ts := b.Eth2PeerScores()[a.ID()].Topics[topic]
	if ts.InvalidMessageDeliveries < 0.5 || ts.InvalidMessageDeliveries > 1.01 {
		t.Fatalf("invalid deliveries %v, want 1 (decaying)", ts.InvalidMessageDeliveries)
	}
	for _, e := range rb.snapshot() {
		if e.Type == events.Message {
			t.Fatalf("a message was delivered: %+v", e)
		}
	}
	mu.Lock()
	id := late[0]
	mu.Unlock()
	if err := b.ReportValidation(id, ValidationAccept); status.CodeOf(err) != status.NotFound {
		t.Fatalf("late answer: %v", err)
	}
	if b.Eth2Counters().LateReports != 1 {
		t.Fatalf("late reports %+v", b.Eth2Counters())
	}
}

// TestEth2PendingBound: with room for 2 pending host validations, further
// messages are ignored at once and counted, while other topics (validated
// otherwise) keep flowing; answering the pending ones delivers them.
func TestEth2PendingBound(t *testing.T) {
	c := testEth2Config(time.Now(), config.FarFutureEpoch, config.FarFutureEpoch)
	c.MaxPendingValidations = 2
	c.ValidationTimeout = 20 * time.Second
	a, ra := startEth2Node(t, c, nil)
	b, rb := startEth2Node(t, c, nil)
	connectPair(t, a, ra, b, rb, "/tcp/")
	for _, name := range []string{"beacon_aggregate_and_proof", "proposer_slashing"} {
		eth2SubOK(t, a, ra, name, ValidateNone)
	}
	eth2SubOK(t, b, rb, "beacon_aggregate_and_proof", ValidateHost)
	eth2SubOK(t, b, rb, "proposer_slashing", ValidateNone)
	d := digestOf(t, c, 0)
	ra.waitFor(t, "b joins", joinedTopic(b.ID(), gossip.FormatTopic(d, "beacon_aggregate_and_proof")))
	ra.waitFor(t, "b joins", joinedTopic(b.ID(), gossip.FormatTopic(d, "proposer_slashing")))
	for i := range 5 {
		eth2Pub(t, a, ra, "beacon_aggregate_and_proof", []byte(fmt.Sprintf("aggregate %d", i)))
	}
	deadline := time.Now().Add(20 * time.Second)
	for ; b.Eth2Counters().PendingFull < 3; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("counters %+v", b.Eth2Counters())
		}
	}
	if cs := b.Eth2Counters(); cs.PendingValidations != 2 || cs.Topics[gossip.BeaconAggregateAndProof].Ignored != 3 {
		t.Fatalf("counters %+v", cs)
	}
	// Another topic is not held up by the waiting validations.
	eth2Pub(t, a, ra, "proposer_slashing", []byte("slashing"))
	rb.waitFor(t, "slashing", func(e events.Event) bool { return e.Type == events.Message && string(e.Data) == "slashing" })
	for _, e := range rb.snapshot() {
		if e.Type == events.GossipValidate {
			if err := b.ReportValidation(e.RequestID, ValidationAccept); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; ; i++ {
		if n := countType(rb, events.Message); n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events %s", summarize(rb.snapshot()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := countType(rb, events.GossipValidate); n != 2 {
		t.Fatalf("%d validate events, want 2", n)
	}
}

// rawSender is a libp2p host without gossipsub that writes gossipsub RPCs
// of its choosing to a node: it sends what no conforming node would.
func rawSender(t *testing.T, to *Node, rec *recorder) func(msgs ...*pb.Message) {
	t.Helper()
	h, err := libp2p.New(libp2p.NoListenAddrs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ai, err := peer.AddrInfoFromP2pAddr(ma.StringCast(listenAddr(t, to, rec, "/tcp/")))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Connect(context.Background(), *ai); err != nil {
		t.Fatal(err)
	}
	s, err := h.NewStream(context.Background(), ai.ID, "/meshsub/1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return func(msgs ...*pb.Message) {
		for _, m := range msgs {
			b, err := (&pb.RPC{Publish: []*pb.Message{m}}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Write(append(binary.AppendUvarint(nil, uint64(len(b))), b...)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func rawMsg(topic string, data []byte) *pb.Message { return &pb.Message{Topic: &topic, Data: data} }

// TestEth2BadMessagesRejectedAndCounted: bad snappy, a declared size over
// MAX_PAYLOAD_SIZE, compressed data over max_compressed_len, an unknown
// topic and an unsubscribed one; a Go validator's REJECT with a reason.
func TestEth2BadMessagesRejectedAndCounted(t *testing.T) {
	c := testEth2Config(time.Now(), config.FarFutureEpoch, config.FarFutureEpoch)
	b, rb := startEth2Node(t, c, nil)
	if err := b.RegisterEth2Validator("attester_slashing", func(_ context.Context, m *Eth2Message) (ValidationResult, string) {
		if bytes.HasPrefix(m.Data, []byte("bad")) {
			return ValidationReject, "slashing does not slash"
		}
		return ValidationAccept, ""
	}); err != nil {
		t.Fatal(err)
	}
	eth2SubOK(t, b, rb, "beacon_block", ValidateNone)
	eth2SubOK(t, b, rb, "attester_slashing", ValidateGo)
	d := digestOf(t, c, 0)
	block := gossip.FormatTopic(d, "beacon_block")
	send := rawSender(t, b, rb)
	oversized := binary.AppendUvarint(nil, eth2.MaxPayloadSize+1) // header declares 10 MiB + 1
	oversized = append(oversized, 0, 0, 0, 0)
	send(
		rawMsg(block, []byte{20, 0x4c, 'a', 'b'}), // a 20-byte literal with 2 bytes
		rawMsg(block, oversized),
		rawMsg(block, make([]byte, eth2.MaxCompressedLen(eth2.MaxPayloadSize)+1)),
		rawMsg("/eth2/"+d.String()+"/no_such_topic/ssz_snappy", gossip.EncodePayload([]byte("x"))),
		rawMsg("/eth2/ffffffff/beacon_block/ssz_snappy", gossip.EncodePayload([]byte("y"))),
		rawMsg(gossip.FormatTopic(d, "voluntary_exit"), gossip.EncodePayload([]byte("z"))),
		rawMsg(gossip.FormatTopic(d, "attester_slashing"), gossip.EncodePayload([]byte("bad slashing"))),
		rawMsg(block, gossip.EncodePayload([]byte("a fine block"))),
	)
	m := rb.waitFor(t, "fine block", func(e events.Event) bool { return e.Type == events.Message })
	if string(m.Data) != "a fine block" {
		t.Fatalf("message %+v", m)
	}
	var cs Eth2Counters
	deadline := time.Now().Add(20 * time.Second)
	for ; time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cs = b.Eth2Counters(); cs.Topics[gossip.AttesterSlashing].Rejected == 1 && cs.Topics[gossip.BeaconBlock].Rejected == 3 {
			break
		}
	}
	if cs.InvalidSnappy != 1 || cs.DecodedTooLarge != 1 || cs.CompressedTooLarge != 1 ||
		cs.UnknownTopic != 2 || cs.NotSubscribed != 1 || cs.Topics[gossip.BeaconBlock].Rejected != 3 ||
		cs.Topics[gossip.BeaconBlock].Accepted != 1 || cs.Topics[gossip.AttesterSlashing].Rejected != 1 ||
		cs.Reasons["slashing does not slash"] != 1 || cs.PubsubRejected != 4 {
		t.Fatalf("counters %+v", cs)
	}
	if n := countType(rb, events.Message); n != 1 {
		t.Fatalf("%d messages delivered", n)
	}
}

// TestEth2ForkBoundary: with 1 s slots, 2 slots per epoch, Altair at epoch
// 1 and Bellatrix at epoch 2 (lead and tail 1 slot), the node moves from the
// phase0 topic through the Altair one to the Bellatrix one by itself, and a
// message published by name after the last fork arrives under its digest.
func TestEth2ForkBoundary(t *testing.T) {
	genesis := time.Now()
	c := testEth2Config(genesis, 1, 2)
	c.ForkLeadSlots, c.ForkTailSlots = 1, 1
	a, ra := startEth2Node(t, c, nil)
	b, rb := startEth2Node(t, c, nil)
	connectPair(t, a, ra, b, rb, "/tcp/")
	eth2SubOK(t, a, ra, "beacon_block", ValidateNone)
	eth2SubOK(t, b, rb, "beacon_block", ValidateNone)
	topics := make([]string, 3)
	for i := range topics {
		topics[i] = gossip.FormatTopic(digestOf(t, c, uint64(i)), "beacon_block")
	}
	var seen [][]string
	for time.Since(genesis) < 6500*time.Millisecond {
		cur := b.Eth2Topics()
		if len(seen) == 0 || !slices.Equal(seen[len(seen)-1], cur) {
			seen = append(seen, cur)
		}
		time.Sleep(20 * time.Millisecond)
	}
	want := [][]string{
		{topics[0]},                  // slot 0
		sorted(topics[0], topics[1]), // slots 1-2: altair ahead of its fork, then phase0 behind
		sorted(topics[1], topics[2]), // slots 3-4: bellatrix ahead, then altair behind
		{topics[2]},                  // from slot 5
	}
	// Between leaving one topic and joining the next, altair may be alone
	// for a moment; and the first state is missed if the node started late.
	seen = slices.DeleteFunc(seen, func(s []string) bool { return slices.Equal(s, []string{topics[1]}) })
	if len(seen) > 0 && slices.Equal(seen[0], want[1]) {
		want = want[1:]
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("topics over time:\n%v\nwant\n%v", seen, want)
	}
	ra.waitFor(t, "b in bellatrix topic", joinedTopic(b.ID(), topics[2]))
	eth2Pub(t, a, ra, "beacon_block", []byte("bellatrix block"))
	m := rb.waitFor(t, "message", isType(events.Message))
	if m.Topic != topics[2] || string(m.Data) != "bellatrix block" {
		t.Fatalf("message %+v", m)
	}
}

func sorted(s ...string) []string { slices.Sort(s); return s }

// TestEth2AllTopicsWithMainnetScoring subscribes to every topic family
// under mainnet-like parameters (each gets its score parameters, which
// gossipsub validates), refuses unknown names and misuse.
func TestEth2AllTopicsWithMainnetScoring(t *testing.T) {
	c := testEth2Config(time.Now(), 0, 0)
	c.Schedule.Forks = append(c.Schedule.Forks,
		forkdigest.ForkEntry{Fork: eth2.Capella, Version: [4]byte{3, 0, 0, 9}},
		forkdigest.ForkEntry{Fork: eth2.Deneb, Version: [4]byte{4, 0, 0, 9}},
		forkdigest.ForkEntry{Fork: eth2.Electra, Version: [4]byte{5, 0, 0, 9}},
		forkdigest.ForkEntry{Fork: eth2.Fulu, Version: [4]byte{6, 0, 0, 9}})
	c.Schedule.MaxBlobsPerBlockElectra = 9
	c.Chain = gossipparams.Chain{SlotDuration: 12 * time.Second}
	n, r := startEth2Node(t, c, nil)
	names := []string{"beacon_block", "beacon_aggregate_and_proof", "beacon_attestation_63", "voluntary_exit",
		"proposer_slashing", "attester_slashing", "sync_committee_contribution_and_proof", "sync_committee_3",
		"bls_to_execution_change", "data_column_sidecar_127", "blob_sidecar_8"}
	for _, name := range names {
		eth2SubOK(t, n, r, name, ValidateNone)
	}
	if got := len(n.Eth2Topics()); got != len(names)-1 { // blob sidecars are gone at Fulu
		t.Fatalf("topics %v", n.Eth2Topics())
	}
	d, _ := n.Eth2CurrentDigest()
	if d != digestOf(t, c, 0) {
		t.Fatalf("digest %s", d)
	}
	if _, err := n.Eth2Subscribe("beacon_attestation_64", ValidateNone); status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := n.Eth2Subscribe("beacon_block", ValidateGo); status.CodeOf(err) != status.NotFound {
		t.Fatalf("go mode without validator: %v", err)
	}
	if _, err := n.Subscribe(n.Eth2Topics()[0]); status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("plain subscribe of an eth2 topic: %v", err)
	}
	req, err := n.Unsubscribe(n.Eth2Topics()[0])
	if err != nil || r.waitFor(t, "unsubscribe", doneFor(req)).Status != int32(status.BadState) {
		t.Fatalf("plain unsubscribe of an eth2 topic: %v", err)
	}
	if _, err := n.Eth2Publish("blob_sidecar_0", []byte("x")); status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("publish on a topic the fork lacks: %v", err)
	}
	req, err = n.Eth2Unsubscribe("beacon_block")
	mustOK(t, r, req, err, "eth2 unsubscribe")
	if got := len(n.Eth2Topics()); got != len(names)-2 {
		t.Fatalf("topics after unsubscribe %v", n.Eth2Topics())
	}
	if err := n.ConfigureEth2(c); status.CodeOf(err) != status.BadState {
		t.Fatalf("configure after start: %v", err)
	}
	if err := n.ReportValidation(12345, ValidationAccept); status.CodeOf(err) != status.NotFound {
		t.Fatalf("unknown id: %v", err)
	}
	if err := n.ReportValidation(1, 0); status.CodeOf(err) != status.InvalidArgument {
		t.Fatalf("bad result: %v", err)
	}
}

func TestEth2ConfigFromYAML(t *testing.T) {
	yml := `PRESET_BASE: 'minimal'
MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 64
MIN_GENESIS_TIME: 1578009600
GENESIS_FORK_VERSION: 0x00000001
GENESIS_DELAY: 300
SLOT_DURATION_MS: 6000
SECONDS_PER_ETH1_BLOCK: 14
MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 256
SHARD_COMMITTEE_PERIOD: 64
ETH1_FOLLOW_DISTANCE: 16
EJECTION_BALANCE: 16000000000
MIN_PER_EPOCH_CHURN_LIMIT: 2
CHURN_LIMIT_QUOTIENT: 32
DEPOSIT_CHAIN_ID: 5
DEPOSIT_NETWORK_ID: 5
DEPOSIT_CONTRACT_ADDRESS: 0x1234567890123456789012345678901234567890
ALTAIR_FORK_VERSION: 0x01000001
ALTAIR_FORK_EPOCH: 3
ATTESTATION_SUBNET_COUNT: 64
`
	c, err := Eth2ConfigFromYAML([]byte(yml), time.Unix(1700000000, 0), [32]byte{7})
	if err != nil {
		t.Fatal(err)
	}
	if c.Chain.SlotDuration != 6*time.Second || c.Chain.SlotsPerEpoch != 8 || len(c.Schedule.Forks) != 2 ||
		c.Schedule.Forks[1].Epoch != 3 || c.Chain.WithDefaults().SeenTTL() != 96*time.Second {
		t.Fatalf("config %+v schedule %+v", c.Chain, c.Schedule)
	}
}
