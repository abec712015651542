package node

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossipparams"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/slotclock"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// Eth2Config makes a node an Ethereum consensus gossip node (see
// ConfigureEth2): gossipsub with the consensus parameters, the consensus
// message-id, topics under the fork digest of the wall-clock epoch, and
// validation of every eth2 message before it is forwarded or delivered.
type Eth2Config struct {
	// GenesisTime starts the slot clock (slot 0).
	GenesisTime time.Time
	// Schedule is the fork schedule (versions, epochs, blob schedule) and
	// the genesis validators root: it gives every fork digest.
	Schedule *forkdigest.Schedule
	// Chain gives the slot duration, SLOTS_PER_EPOCH, subnet counts and
	// the active validator count the peer scoring assumes; zero fields take
	// mainnet values (gossipparams.Chain.WithDefaults).
	Chain gossipparams.Chain
	// ValidationTimeout is how long a host validation may stay unanswered;
	// then the message is IGNOREd (never REJECTed). Default 4 s.
	ValidationTimeout time.Duration
	// MaxPendingValidations bounds the host validations waiting for an
	// answer; a message arriving when the bound is reached is IGNOREd at
	// once and counted (PendingFull). Default 1024.
	MaxPendingValidations int
	// ForkLeadSlots: the topics of the next fork digest are joined this many
	// slots before the fork (default 2 epochs); ForkTailSlots: the previous
	// digest's topics are left this many slots after it (default 2 epochs).
	ForkLeadSlots, ForkTailSlots uint64
	// ScoreInspectPeriod is how often the peer scores readable through
	// Eth2PeerScores are refreshed. Default 10 s.
	ScoreInspectPeriod time.Duration
}

// Defaults of Eth2Config.
const (
	DefaultValidationTimeout     = 4 * time.Second
	DefaultMaxPendingValidations = 1024
	DefaultScoreInspectPeriod    = 10 * time.Second
)

// Eth2ConfigFromYAML builds an Eth2Config from a consensus config file
// (configs/mainnet.yaml style: fork versions and epochs, BLOB_SCHEDULE,
// SLOT_DURATION_MS or SECONDS_PER_SLOT, subnet counts, PRESET_BASE), the
// genesis time and the genesis validators root. PRESET_BASE "minimal"
// selects the minimal preset's SLOTS_PER_EPOCH (8) and committee sizes;
// anything else mainnet's.
func Eth2ConfigFromYAML(data []byte, genesisTime time.Time, genesisValidatorsRoot [32]byte) (Eth2Config, error) {
	var out Eth2Config
	// One parser for the whole file: the slot duration rule
	// (SLOT_DURATION_MS or SECONDS_PER_SLOT) and BLOB_SCHEDULE included, the
	// same that chain_start applies to its consensus config.
	cfg, err := config.ParseConfig(data)
	if err != nil {
		return out, status.Errorf(status.InvalidArgument, "eth2 config: %w", err)
	}
	sched, err := forkdigest.NewSchedule(cfg, genesisValidatorsRoot)
	if err != nil {
		return out, status.Errorf(status.InvalidArgument, "eth2 config: %w", err)
	}
	ch := gossipparams.Chain{SlotDuration: cfg.SlotDuration(), Subnets: gossip.MainnetParams}
	for key, dst := range map[string]*uint64{
		"ATTESTATION_SUBNET_COUNT":          &ch.Subnets.AttestationSubnetCount,
		"SYNC_COMMITTEE_SUBNET_COUNT":       &ch.Subnets.SyncCommitteeSubnetCount,
		"BLOB_SIDECAR_SUBNET_COUNT":         &ch.Subnets.BlobSidecarSubnetCount,
		"BLOB_SIDECAR_SUBNET_COUNT_ELECTRA": &ch.Subnets.BlobSidecarSubnetCountElectra,
		"DATA_COLUMN_SIDECAR_SUBNET_COUNT":  &ch.Subnets.DataColumnSidecarSubnetCount,
	} {
		if _, ok := cfg.Raw[key]; ok {
			if *dst, err = cfg.Uint(key); err != nil {
				return out, status.Errorf(status.InvalidArgument, "eth2 config: %w", err)
			}
		}
	}
	if cfg.PresetBase == "minimal" {
		ch.SlotsPerEpoch, ch.SyncCommitteeSize, ch.MaxCommitteesPerSlot, ch.TargetCommitteeSize = 8, 32, 4, 4
		ch.ActiveValidators = 64
	}
	out.GenesisTime, out.Schedule, out.Chain = genesisTime, sched, ch
	return out, nil
}

// ValidationResult is the outcome of validating one eth2 gossip message.
// The values are part of the C ABI (LIBP2PC_VALIDATION_*).
type ValidationResult int32

const (
	// ValidationAccept: valid; forwarded and delivered as a Message event.
	ValidationAccept ValidationResult = 1
	// ValidationReject: invalid; dropped, and the peer that sent it is
	// penalised by peer scoring.
	ValidationReject ValidationResult = 2
	// ValidationIgnore: dropped without penalty.
	ValidationIgnore ValidationResult = 3
)

// ValidationMode says who validates an eth2 topic. The values are part of
// the C ABI (LIBP2PC_ETH2_VALIDATE_*).
type ValidationMode int32

const (
	// ValidateHost: the host, two-phase: a GossipValidate event, answered
	// with ReportValidation before the deadline.
	ValidateHost ValidationMode = 1
	// ValidateGo: the Go validator registered with RegisterEth2Validator.
	ValidateGo ValidationMode = 2
	// ValidateNone: only the size and snappy checks every eth2 message
	// gets. For tests and trusted networks: the node forwards what it has
	// not validated.
	ValidateNone ValidationMode = 3
)

// Eth2Message is what a Go validator sees.
type Eth2Message struct {
	Topic  string       // the full topic
	Parsed gossip.Topic // its parts
	Fork   eth2.Fork    // the fork of its digest
	From   peer.ID      // propagation source
	MsgID  []byte
	Data   []byte // decompressed SSZ; do not modify
}

// Eth2Validator validates a message: Accept, Reject or Ignore, with a short
// reason (counted in Eth2Counters.Reasons; "" for none). It runs on a
// gossipsub validation goroutine, one per message, and should respect ctx
// (its deadline is ValidationTimeout).
type Eth2Validator func(ctx context.Context, m *Eth2Message) (ValidationResult, string)

// Eth2TopicKinds are the topic families counters are kept for, in the order
// of the C array libp2pc_eth2_counters.topics (LIBP2PC_ETH2_TOPIC_*).
var Eth2TopicKinds = []string{
	gossip.BeaconBlock, gossip.BeaconAggregateAndProof, gossip.BeaconAttestation,
	gossip.VoluntaryExit, gossip.ProposerSlashing, gossip.AttesterSlashing,
	gossip.SyncCommitteeContributionAndProof, gossip.SyncCommittee,
	gossip.BLSToExecutionChange, gossip.BlobSidecar, gossip.DataColumnSidecar,
}

const maxKinds = 16

func kindIndex(base string) int {
	return slices.Index(Eth2TopicKinds, base)
}

// Eth2TopicCounters count validation outcomes of one topic family. Every
// message received on a subscribed eth2 topic ends in exactly one of them.
type Eth2TopicCounters struct {
	Accepted uint64
	Rejected uint64 // by the validator, or failing the size / snappy checks
	Ignored  uint64 // by the validator, or by the node (PendingFull, PeerGone, stop)
	TimedOut uint64 // host validations unanswered at the deadline: ignored, not rejected
}

// Eth2Counters are the eth2 gossip counters.
type Eth2Counters struct {
	Topics map[string]Eth2TopicCounters // by topic family (Eth2TopicKinds)
	// PendingValidations is the number of host validations awaiting an answer.
	PendingValidations uint64
	// Reasons of the node's own rejections and ignores:
	InvalidSnappy      uint64 // rejected: data is not a valid snappy block
	CompressedTooLarge uint64 // rejected: data over max_compressed_len(MAX_PAYLOAD_SIZE)
	DecodedTooLarge    uint64 // rejected: decompressed size over MAX_PAYLOAD_SIZE
	PendingFull        uint64 // ignored: MaxPendingValidations reached
	PeerGone           uint64 // ignored: the source disconnected before the host was asked
	GoValidatorPanics  uint64 // ignored: the Go validator panicked
	NoGoValidator      uint64 // ignored: mode Go but no validator registered any more
	// Messages dropped before validation:
	UnknownTopic  uint64 // on a topic that is no eth2 topic of this chain
	NotSubscribed uint64 // on a valid eth2 topic this node is not subscribed to
	// LateReports are ReportValidation calls for an id no longer pending
	// (answered, timed out) or never issued.
	LateReports uint64
	// What gossipsub's tracer saw: messages it rejected (validation failed:
	// peers penalised), ignored, or dropped for lack of validation capacity.
	PubsubRejected, PubsubIgnored, PubsubThrottled uint64
	// Reasons counts the reasons Go validators gave (at most 64 distinct;
	// the rest under "other").
	Reasons map[string]uint64
}

type eth2Counters struct {
	topics                                             [maxKinds][4]atomic.Uint64
	invalidSnappy, compressedTooLarge, decodedTooLarge atomic.Uint64
	pendingFull, peerGone, goPanics, noGoValidator     atomic.Uint64
	unknownTopic, notSubscribed, lateReports           atomic.Uint64
	pubsubRejected, pubsubIgnored, pubsubThrottled     atomic.Uint64
	reasonsMu                                          sync.Mutex
	reasons                                            map[string]uint64
}

const (
	outAccepted = iota
	outRejected
	outIgnored
	outTimedOut
)

// eth2State is a node's eth2 configuration and the state its validators
// share with the host's calls (safe for concurrent use).
type eth2State struct {
	cfg Eth2Config
	// clock is the node's slot clock (GenesisTime, Chain.SlotDuration); the
	// chain's pipeline is started on the same one.
	clock  slotclock.Clock
	params gossip.Params
	// boundaries are the epochs where the fork digest changes (0 first),
	// with their digests and forks.
	boundaries []uint64
	digestAt   map[uint64]forkdigest.Digest
	forkOf     map[forkdigest.Digest]eth2.Fork

	modes      sync.Map // topic name -> ValidationMode
	validators sync.Map // topic name or family -> Eth2Validator
	plain      sync.Map // non-eth2 topics this node subscribed (subscription filter)
	joined     sync.Map // eth2 topics this node is subscribed to

	pmu     sync.Mutex
	pending map[uint64]chan ValidationResult
	nextVal atomic.Uint64

	decoded decodedCache // payloads the message-id function decompressed, for the validator

	c      eth2Counters
	scores atomic.Pointer[map[peer.ID]*pubsub.PeerScoreSnapshot]
	protos sync.Map // peer.ID -> protocol.ID
}

// ConfigureEth2 makes the node an eth2 gossip node. Only before Start.
func (n *Node) ConfigureEth2(c Eth2Config) error {
	if n.destroyed.Load() {
		return status.Errorf(status.BadHandle, "node destroyed")
	}
	e, err := newEth2State(c)
	if err != nil {
		return err
	}
	n.opsMu.Lock()
	defer n.opsMu.Unlock()
	if s := n.State(); s != StateNew {
		return status.Errorf(status.BadState, "eth2 configure: node is %s; configure before start", s)
	}
	if n.eth2 != nil {
		return status.Errorf(status.BadState, "eth2 configure: already configured")
	}
	n.eth2 = e
	return nil
}

func newEth2State(c Eth2Config) (*eth2State, error) {
	if c.Schedule == nil {
		return nil, status.Errorf(status.InvalidArgument, "eth2 config: no fork schedule")
	}
	if err := c.Schedule.Validate(); err != nil {
		return nil, status.Errorf(status.InvalidArgument, "eth2 config: %w", err)
	}
	if c.GenesisTime.IsZero() {
		return nil, status.Errorf(status.InvalidArgument, "eth2 config: no genesis time")
	}
	c.Chain = c.Chain.WithDefaults()
	// The rule of the consensus config (whole seconds, at least one: peer
	// scoring decays once per slot, and gossipsub refuses a decay interval
	// under a second), so chain_start can share this slot clock.
	if _, err := config.SecondsPerSlotOf(c.Chain.SlotDuration); err != nil {
		return nil, status.Errorf(status.InvalidArgument, "eth2 config: %w", err)
	}
	if c.ValidationTimeout == 0 {
		c.ValidationTimeout = DefaultValidationTimeout
	}
	if c.MaxPendingValidations == 0 {
		c.MaxPendingValidations = DefaultMaxPendingValidations
	}
	if c.ScoreInspectPeriod == 0 {
		c.ScoreInspectPeriod = DefaultScoreInspectPeriod
	}
	if c.ForkLeadSlots == 0 {
		c.ForkLeadSlots = 2 * c.Chain.SlotsPerEpoch
	}
	if c.ForkTailSlots == 0 {
		c.ForkTailSlots = 2 * c.Chain.SlotsPerEpoch
	}
	if c.ValidationTimeout < 0 || c.MaxPendingValidations < 0 || c.ScoreInspectPeriod < 0 {
		return nil, status.Errorf(status.InvalidArgument, "eth2 config: negative timeout or bound")
	}
	clock, err := slotclock.New(c.GenesisTime, c.Chain.SlotDuration)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "eth2 config: %w", err)
	}
	e := &eth2State{cfg: c, clock: clock, params: c.Chain.Subnets, digestAt: map[uint64]forkdigest.Digest{},
		forkOf: map[forkdigest.Digest]eth2.Fork{}, pending: map[uint64]chan ValidationResult{}}
	e.c.reasons = map[string]uint64{}
	// Every epoch where the digest can change: regular forks, and BPO forks
	// from Fulu on (NextForkEpoch walks both).
	for ep := uint64(0); ep != config.FarFutureEpoch; ep = c.Schedule.NextForkEpoch(ep) {
		d, err := c.Schedule.Digest(ep)
		if err != nil {
			return nil, status.Errorf(status.InvalidArgument, "eth2 config: fork digest at epoch %d: %w", ep, err)
		}
		if len(e.boundaries) > 0 && e.digestAt[e.boundaries[len(e.boundaries)-1]] == d {
			continue
		}
		e.boundaries = append(e.boundaries, ep)
		e.digestAt[ep] = d
		e.forkOf[d] = c.Schedule.ForkAt(ep).Fork
	}
	return e, nil
}

// slotAt is the wall-clock slot (0 before genesis).
func (e *eth2State) slotAt(t time.Time) uint64 { return e.clock.SlotAt(t) }

// untilNextSlot is the time from t to the start of the next slot.
func (e *eth2State) untilNextSlot(t time.Time) time.Duration { return e.clock.UntilNextSlot(t) }

// boundaryIndex is the index of the last digest boundary at or before epoch.
func (e *eth2State) boundaryIndex(epoch uint64) int {
	i := 0
	for j, b := range e.boundaries {
		if b <= epoch {
			i = j
		}
	}
	return i
}

// CurrentDigest is the fork digest of the wall-clock epoch.
func (e *eth2State) currentDigest(t time.Time) forkdigest.Digest {
	epoch := e.slotAt(t) / e.cfg.Chain.SlotsPerEpoch
	return e.digestAt[e.boundaries[e.boundaryIndex(epoch)]]
}

// activeDigests are the digests whose topics the node is in at t: the
// current one, the next one from ForkLeadSlots before its fork, and the
// previous one until ForkTailSlots after the current one began.
func (e *eth2State) activeDigests(t time.Time) []forkdigest.Digest {
	spe := e.cfg.Chain.SlotsPerEpoch
	slot := e.slotAt(t)
	i := e.boundaryIndex(slot / spe)
	out := []forkdigest.Digest{e.digestAt[e.boundaries[i]]}
	if i+1 < len(e.boundaries) {
		next := e.boundaries[i+1]
		if next <= (^uint64(0)-e.cfg.ForkLeadSlots)/spe && slot+e.cfg.ForkLeadSlots >= next*spe {
			out = append(out, e.digestAt[next])
		}
	}
	if i > 0 && slot < e.boundaries[i]*spe+e.cfg.ForkTailSlots {
		out = append(out, e.digestAt[e.boundaries[i-1]])
	}
	return out
}

// topicDigest extracts the digest of an /eth2/ topic without allocating.
func topicDigest(topic string) (forkdigest.Digest, bool) {
	var d forkdigest.Digest
	if len(topic) < 15 || topic[:6] != "/eth2/" || topic[14] != '/' {
		return d, false
	}
	if _, err := hex.Decode(d[:], []byte(topic[6:14])); err != nil {
		return d, false
	}
	return d, true
}

// messageID is the consensus message-id: phase0's form for topics under the
// phase0 digest, Altair's for every other digest (including digests this
// chain does not know: such messages are dropped anyway).
func (e *eth2State) messageID(m *pb.Message) ([]byte, bool) {
	topic := m.GetTopic()
	d, ok := topicDigest(topic)
	if !ok {
		return nil, false
	}
	fork, known := e.forkOf[d]
	if !known {
		fork = eth2.Altair
	}
	id, payload := gossip.MessageIDAndPayload(fork, topic, m.GetData())
	if payload != nil && known {
		e.decoded.put(m, payload)
	}
	return id[:], true
}

// parseTopic parses a full eth2 topic of this chain: known digest, and a
// name defined at that digest's fork.
func (e *eth2State) parseTopic(topic string) (gossip.Topic, eth2.Fork, error) {
	t, err := e.params.ParseTopic(topic)
	if err != nil {
		return t, 0, err
	}
	fork, ok := e.forkOf[t.ForkDigest]
	if !ok {
		return t, 0, fmt.Errorf("%w: fork digest %s is not one of this chain's", gossip.ErrUnknownTopic, t.ForkDigest)
	}
	if !e.params.ExistsAt(t, fork) {
		return t, 0, fmt.Errorf("%w: %s does not exist at %s", gossip.ErrUnknownTopic, t.Name(), fork)
	}
	return t, fork, nil
}

// eth2Filter is the subscription filter of an eth2 node: eth2 topics of this
// chain, and the plain topics the node itself subscribed to; an RPC with
// more than gossipparams.SubscriptionRequestLimit subscriptions is ignored.
type eth2Filter struct{ e *eth2State }

func (f eth2Filter) CanSubscribe(topic string) bool {
	if !strings.HasPrefix(topic, "/eth2/") {
		_, ok := f.e.plain.Load(topic)
		return ok
	}
	_, _, err := f.e.parseTopic(topic)
	return err == nil
}

func (f eth2Filter) FilterIncomingSubscriptions(_ peer.ID, subs []*pb.RPC_SubOpts) ([]*pb.RPC_SubOpts, error) {
	if len(subs) > gossipparams.SubscriptionRequestLimit {
		return nil, pubsub.ErrTooManySubscriptions
	}
	return pubsub.FilterSubscriptions(subs, f.CanSubscribe), nil
}

// countOutcome counts one validation outcome of a topic family.
func (e *eth2State) countOutcome(kind, outcome int) {
	if kind >= 0 {
		e.c.topics[kind][outcome].Add(1)
	}
}

func (e *eth2State) countReason(reason string) {
	if reason == "" {
		return
	}
	e.c.reasonsMu.Lock()
	if _, ok := e.c.reasons[reason]; !ok && len(e.c.reasons) >= 64 {
		reason = "other"
	}
	e.c.reasons[reason]++
	e.c.reasonsMu.Unlock()
}

// resolve answers pending validation id; false if it is not pending.
func (e *eth2State) resolve(id uint64, r ValidationResult) bool {
	e.pmu.Lock()
	ch := e.pending[id]
	delete(e.pending, id)
	e.pmu.Unlock()
	if ch == nil {
		return false
	}
	ch <- r // buffered, and resolved once: never blocks
	return true
}

// validator is the gossipsub validator of one eth2 topic. Every message gets
// the size and snappy checks (the decompressed SSZ becomes the message's
// ValidatorData, which the Message event carries); then, unless it is our
// own publication, the topic's validation mode decides.
func (n *Node) eth2Validator(topic string, t gossip.Topic, fork eth2.Fork) pubsub.ValidatorEx {
	e := n.eth2
	kind, name := kindIndex(t.Base), t.Name()
	return func(ctx context.Context, from peer.ID, m *pubsub.Message) (res pubsub.ValidationResult) {
		defer func() {
			if r := recover(); r != nil {
				n.recovered("eth2 validator", r)
				res = pubsub.ValidationIgnore
			}
		}()
		// Our own publication: its source is this node. (pubsub's
		// Message.Local means "deliver in-process only", not "ours".)
		own := from == n.self
		data, ok := e.decoded.take(m.Message)
		var err error
		if !ok {
			data, err = gossip.DecodePayload(m.Data, 0)
		}
		if err != nil {
			switch {
			case errors.Is(err, gossip.ErrCompressedTooLarge):
				e.c.compressedTooLarge.Add(1)
			case errors.Is(err, gossip.ErrDecodedTooLarge):
				e.c.decodedTooLarge.Add(1)
			default:
				e.c.invalidSnappy.Add(1)
			}
			if !own {
				e.countOutcome(kind, outRejected)
			}
			return pubsub.ValidationReject
		}
		m.ValidatorData = data
		if own {
			return pubsub.ValidationAccept // the host made it
		}
		mode, _ := e.modes.Load(name)
		var r ValidationResult
		switch mode {
		case ValidateHost:
			var timedOut bool
			r, timedOut = n.awaitHost(ctx, topic, from, m.ID, data)
			if timedOut {
				e.countOutcome(kind, outTimedOut)
				return pubsub.ValidationIgnore
			}
		case ValidateGo:
			r = n.runGoValidator(ctx, name, t, topic, fork, from, m.ID, data)
		default:
			r = ValidationAccept
		}
		switch r {
		case ValidationAccept:
			e.countOutcome(kind, outAccepted)
			return pubsub.ValidationAccept
		case ValidationReject:
			e.countOutcome(kind, outRejected)
			return pubsub.ValidationReject
		default:
			e.countOutcome(kind, outIgnored)
			return pubsub.ValidationIgnore
		}
	}
}

func (n *Node) runGoValidator(ctx context.Context, name string, t gossip.Topic, topic string, fork eth2.Fork,
	from peer.ID, id string, data []byte) (r ValidationResult) {
	e := n.eth2
	v, ok := e.validators.Load(name)
	if !ok {
		v, ok = e.validators.Load(t.Base)
	}
	if !ok {
		e.c.noGoValidator.Add(1)
		return ValidationIgnore
	}
	defer func() {
		if p := recover(); p != nil {
			e.c.goPanics.Add(1)
			n.recovered("eth2 Go validator for "+name, p)
			r = ValidationIgnore
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, e.cfg.ValidationTimeout)
	defer cancel()
	r, reason := v.(Eth2Validator)(ctx, &Eth2Message{Topic: topic, Parsed: t, Fork: fork, From: from, MsgID: []byte(id), Data: data})
	e.countReason(reason)
	if r != ValidationAccept && r != ValidationReject {
		r = ValidationIgnore
	}
	return r
}

// awaitHost asks the host through a GossipValidate event and waits, on this
// gossipsub validation goroutine only, for its answer, the deadline, or
// gossipsub shutting down. timedOut reports a missing answer (IGNORE).
func (n *Node) awaitHost(ctx context.Context, topic string, from peer.ID, msgID string, data []byte) (r ValidationResult, timedOut bool) {
	e := n.eth2
	ch := make(chan ValidationResult, 1)
	e.pmu.Lock()
	if len(e.pending) >= e.cfg.MaxPendingValidations {
		e.pmu.Unlock()
		e.c.pendingFull.Add(1)
		return ValidationIgnore, false
	}
	id := e.nextVal.Add(1)
	e.pending[id] = ch
	e.pmu.Unlock()
	ev := events.Event{Type: events.GossipValidate, RequestID: id, Topic: topic, // PeerID: pushGossipFrom
		MsgID: []byte(msgID), Data: data}
	// Only while the peer is admitted, so that it never follows the peer's
	// PeerDisconnected (see admission). If the event is dropped
	// (drop-oldest), the deadline answers.
	if !n.pushGossipFrom(from, ev) {
		if e.resolve(id, ValidationIgnore) {
			e.c.peerGone.Add(1)
		}
	}
	timer := time.NewTimer(e.cfg.ValidationTimeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r, false
	case <-timer.C:
	case <-ctx.Done():
	}
	e.pmu.Lock()
	_, still := e.pending[id]
	delete(e.pending, id)
	e.pmu.Unlock()
	if !still { // answered just now
		return <-ch, false
	}
	return ValidationIgnore, true
}

// ReportValidation answers the host validation id (the RequestID of a
// GossipValidate event). Callable from any goroutine, including the event
// sink, at any time; it never blocks. NotFound if the id is not pending
// (already answered, timed out, or never issued; counted as LateReports).
func (n *Node) ReportValidation(id uint64, r ValidationResult) error {
	e := n.eth2
	if e == nil {
		return status.Errorf(status.BadState, "report validation: eth2 is not configured")
	}
	if r != ValidationAccept && r != ValidationReject && r != ValidationIgnore {
		return status.Errorf(status.InvalidArgument, "report validation: result %d is not ACCEPT (1), REJECT (2) or IGNORE (3)", r)
	}
	if !e.resolve(id, r) {
		e.c.lateReports.Add(1)
		return status.Errorf(status.NotFound, "report validation: id %d is not pending (answered, timed out at the deadline, or never issued)", id)
	}
	return nil
}

// RegisterEth2Validator installs the Go validator of a topic name
// ("beacon_attestation_5") or of a whole family ("beacon_attestation"); a
// name's own validator wins over its family's. It applies to topics
// subscribed with ValidateGo, from the next message on; nil removes it.
func (n *Node) RegisterEth2Validator(nameOrFamily string, v Eth2Validator) error {
	e := n.eth2
	if e == nil {
		return status.Errorf(status.BadState, "register eth2 validator: eth2 is not configured")
	}
	if kindIndex(nameOrFamily) < 0 {
		if _, err := e.params.ParseName(nameOrFamily); err != nil {
			return status.Errorf(status.InvalidArgument, "register eth2 validator: %w", err)
		}
	}
	if v == nil {
		e.validators.Delete(nameOrFamily)
	} else {
		e.validators.Store(nameOrFamily, v)
	}
	return nil
}

// Eth2Counters returns the eth2 gossip counters (zero when eth2 is not
// configured).
func (n *Node) Eth2Counters() Eth2Counters {
	var out Eth2Counters
	e := n.eth2
	if e == nil {
		return out
	}
	out.Topics = map[string]Eth2TopicCounters{}
	for i, k := range Eth2TopicKinds {
		c := &e.c.topics[i]
		out.Topics[k] = Eth2TopicCounters{Accepted: c[outAccepted].Load(), Rejected: c[outRejected].Load(),
			Ignored: c[outIgnored].Load(), TimedOut: c[outTimedOut].Load()}
	}
	e.pmu.Lock()
	out.PendingValidations = uint64(len(e.pending))
	e.pmu.Unlock()
	out.InvalidSnappy, out.CompressedTooLarge, out.DecodedTooLarge = e.c.invalidSnappy.Load(), e.c.compressedTooLarge.Load(), e.c.decodedTooLarge.Load()
	out.PendingFull, out.PeerGone, out.GoValidatorPanics, out.NoGoValidator = e.c.pendingFull.Load(), e.c.peerGone.Load(), e.c.goPanics.Load(), e.c.noGoValidator.Load()
	out.UnknownTopic, out.NotSubscribed, out.LateReports = e.c.unknownTopic.Load(), e.c.notSubscribed.Load(), e.c.lateReports.Load()
	out.PubsubRejected, out.PubsubIgnored, out.PubsubThrottled = e.c.pubsubRejected.Load(), e.c.pubsubIgnored.Load(), e.c.pubsubThrottled.Load()
	e.c.reasonsMu.Lock()
	out.Reasons = make(map[string]uint64, len(e.c.reasons))
	for k, v := range e.c.reasons {
		out.Reasons[k] = v
	}
	e.c.reasonsMu.Unlock()
	return out
}

// Eth2PeerScores is the latest snapshot of gossipsub's peer scores (taken
// every ScoreInspectPeriod), or nil.
func (n *Node) Eth2PeerScores() map[peer.ID]*pubsub.PeerScoreSnapshot {
	if e := n.eth2; e != nil {
		if m := e.scores.Load(); m != nil {
			return *m
		}
	}
	return nil
}

// Eth2PeerProtocol is the gossipsub protocol gossipsub uses with p ("" if
// none).
func (n *Node) Eth2PeerProtocol(p peer.ID) protocol.ID {
	if e := n.eth2; e != nil {
		if v, ok := e.protos.Load(p); ok {
			return v.(protocol.ID)
		}
	}
	return ""
}

// Eth2Topics lists the eth2 topics the node is subscribed to now.
func (n *Node) Eth2Topics() []string {
	var out []string
	if e := n.eth2; e != nil {
		e.joined.Range(func(k, _ any) bool { out = append(out, k.(string)); return true })
	}
	slices.Sort(out)
	return out
}

// Eth2CurrentDigest is the fork digest of the wall-clock epoch.
func (n *Node) Eth2CurrentDigest() (forkdigest.Digest, error) {
	if e := n.eth2; e != nil {
		return e.currentDigest(time.Now()), nil
	}
	return forkdigest.Digest{}, status.Errorf(status.BadState, "eth2 is not configured")
}

// eth2PubsubOptions are the gossipsub options of an eth2 node, added after
// the node's own (later options win).
func (n *Node) eth2PubsubOptions() []pubsub.Option {
	e := n.eth2
	ch := e.cfg.Chain
	score, thresholds := ch.PeerScore()
	protos := make([]protocol.ID, len(gossipparams.Protocols))
	for i, p := range gossipparams.Protocols {
		protos[i] = protocol.ID(p)
	}
	return []pubsub.Option{
		pubsub.WithGossipSubParams(gossipparams.GossipSubParams()),
		pubsub.WithGossipSubProtocols(protos, pubsub.GossipSubDefaultFeatures),
		pubsub.WithSeenMessagesTTL(ch.SeenTTL()),
		pubsub.WithMaxMessageSize(int(eth2.MaxMessageSize())),
		pubsub.WithSubscriptionFilter(eth2Filter{e}),
		pubsub.WithPeerScore(score, thresholds),
		pubsub.WithPeerScoreInspect(pubsub.ExtendedPeerScoreInspectFn(func(m map[peer.ID]*pubsub.PeerScoreSnapshot) {
			e.scores.Store(&m)
		}), e.cfg.ScoreInspectPeriod),
		// Each waiting host validation holds one validation slot: room for
		// all of them, so only MaxPendingValidations (counted) refuses.
		pubsub.WithValidateThrottle(max(8192, 2*e.cfg.MaxPendingValidations)),
	}
}
