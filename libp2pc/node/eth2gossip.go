package node

import (
	"sort"
	"strings"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// The eth2 side of the event loop. An eth2 subscription is by topic name
// ("beacon_block", "beacon_attestation_5"); the loop keeps the node in that
// name's topic under every active fork digest (eth2State.activeDigests),
// re-checked at every slot start, so topics switch at fork boundaries
// without the host doing anything. Those topics are ordinary entries of
// loop.topics, joined and left through subscribeTopic / unsubscribeTopic
// with hooks that attach the topic's validator and score parameters.

// eth2Loop is the loop's eth2 state (nil when eth2 is not configured).
type eth2Loop struct {
	subs    map[string]*eth2Sub // by topic name
	managed map[string]string   // eth2 topics in loop.topics -> their name
}

type eth2Sub struct {
	name   string
	parsed gossip.Topic
	mode   ValidationMode
}

// waiter completes request req once the n topic operations it counts have
// finished (armed: no more will be added), with the first error. then, if
// set, runs first and decides the result (errCompleteLater: it completes
// req itself).
type waiter struct {
	req        uint64
	n          int
	err        error
	armed, fin bool
	then       func(l *loop, err error) error
}

func (w *waiter) add() { w.n++ }

func (w *waiter) done(l *loop, err error) {
	w.n--
	if err != nil && w.err == nil {
		w.err = err
	}
	w.maybeComplete(l)
}

func (w *waiter) arm(l *loop) { w.armed = true; w.maybeComplete(l) }

func (w *waiter) maybeComplete(l *loop) {
	if w.armed && !w.fin && w.n == 0 {
		w.fin = true
		err := w.err
		if w.then != nil {
			if err = w.then(l, err); err == errCompleteLater {
				return
			}
		}
		l.complete(w.req, err)
	}
}

// eth2Start readies the loop's eth2 state and starts the slot ticker that
// re-checks the fork digests at every slot start.
func (l *loop) eth2Start() {
	n := l.n
	e := n.eth2
	if e == nil {
		return
	}
	l.e2 = &eth2Loop{subs: map[string]*eth2Sub{}, managed: map[string]string{}}
	go func() {
		for {
			t := time.NewTimer(e.untilNextSlot(time.Now()) + time.Millisecond)
			select {
			case <-t.C:
			case <-n.loopDone:
				t.Stop()
				return
			}
			n.toLoop(func(l *loop) { l.eth2Reconcile(nil, "") })
		}
	}()
}

// eth2Managed reports whether topic belongs to an eth2 subscription.
func (l *loop) eth2Managed(topic string) bool {
	if l.e2 == nil {
		return false
	}
	_, ok := l.e2.managed[topic]
	return ok
}

// Eth2Subscribe subscribes to an eth2 topic name under the current fork
// digest, and keeps the subscription across fork boundaries (joining the
// next digest's topic ForkLeadSlots before the fork, leaving the old one
// ForkTailSlots after). Messages are validated per mode and arrive as
// Message events whose Data is the decompressed SSZ. The request completes
// when the current digest's topic is joined (at once if the name does not
// exist at the current fork: it is joined when a fork that has it nears).
func (n *Node) Eth2Subscribe(name string, mode ValidationMode) (uint64, error) {
	e := n.eth2
	if e == nil {
		return 0, status.Errorf(status.BadState, "eth2 subscribe: eth2 is not configured (call ConfigureEth2 before Start)")
	}
	parsed, err := e.params.ParseName(name)
	if err != nil {
		return 0, status.Errorf(status.InvalidArgument, "eth2 subscribe: %w", err)
	}
	switch mode {
	case ValidateHost, ValidateNone:
	case ValidateGo:
		_, a := e.validators.Load(name)
		_, b := e.validators.Load(parsed.Base)
		if !a && !b {
			return 0, status.Errorf(status.NotFound, "eth2 subscribe: no Go validator registered for %q", name)
		}
	default:
		return 0, status.Errorf(status.InvalidArgument, "eth2 subscribe: validation mode %d is not HOST (1), GO (2) or NONE (3)", mode)
	}
	return n.request("eth2 subscribe", func(l *loop, req uint64) {
		if l.e2.subs[name] != nil {
			l.complete(req, status.Errorf(status.BadState, "eth2 subscribe: already subscribed to %q", name))
			return
		}
		l.e2.subs[name] = &eth2Sub{name: name, parsed: parsed, mode: mode}
		e.modes.Store(name, mode)
		w := &waiter{req: req}
		l.eth2Reconcile(w, name)
		w.arm(l)
	})
}

// Eth2Unsubscribe ends an eth2 subscription: its topics under every digest
// are left. Completes when they are (NotFound if not subscribed).
func (n *Node) Eth2Unsubscribe(name string) (uint64, error) {
	e := n.eth2
	if e == nil {
		return 0, status.Errorf(status.BadState, "eth2 unsubscribe: eth2 is not configured")
	}
	return n.request("eth2 unsubscribe", func(l *loop, req uint64) {
		if l.e2.subs[name] == nil {
			l.complete(req, status.Errorf(status.NotFound, "eth2 unsubscribe: not subscribed to %q", name))
			return
		}
		delete(l.e2.subs, name)
		e.modes.Delete(name)
		w := &waiter{req: req}
		l.eth2Reconcile(w, name)
		w.arm(l)
	})
}

// Eth2Publish snappy-compresses ssz and publishes it on topic: a topic name
// ("beacon_block") under the current fork digest, or a full eth2 topic of
// this chain ("/eth2/<digest>/beacon_block/ssz_snappy"). The node must be
// in that topic (Eth2Subscribe); NotFound otherwise. ssz is copied.
func (n *Node) Eth2Publish(topic string, ssz []byte) (uint64, error) {
	full, err := n.eth2PublishTopic("eth2 publish", topic, ssz)
	if err != nil {
		return 0, err
	}
	// Copied now; compressed by the topic's publish worker (up to
	// MAX_PAYLOAD_SIZE of snappy is not work for the caller's thread).
	return n.publishDirect("eth2 publish", full, append([]byte(nil), ssz...), gossip.EncodePayload, false)
}

// Eth2PublishNoWait is Eth2Publish without a completion: gossip is
// fire-and-forget (gossipsub itself tells the publisher nothing about
// delivery, so a RequestDone only says the message left the worker), and at
// attestation rates one completion event per message costs as much as the
// publish. The message is queued, or the call fails at once: NotFound when
// the node is not in the topic, QueueFull (counted as PublishNoWaitDropped)
// when the topic's worker already holds the control queue's capacity of
// them. Later failures (the node stopping, a gossipsub error) are counted as
// PublishNoWaitFailed. Publishes made with it leave in call order.
func (n *Node) Eth2PublishNoWait(topic string, ssz []byte) error {
	full, err := n.eth2PublishTopic("eth2 publish", topic, ssz)
	if err != nil {
		return err
	}
	_, err = n.publishDirect("eth2 publish", full, append([]byte(nil), ssz...), gossip.EncodePayload, true)
	return err
}

// eth2PublishTopic checks an eth2 publish and gives its full topic.
func (n *Node) eth2PublishTopic(what, topic string, ssz []byte) (string, error) {
	e := n.eth2
	if e == nil {
		return "", status.Errorf(status.BadState, "%s: eth2 is not configured", what)
	}
	if uint64(len(ssz)) > eth2.MaxPayloadSize {
		return "", status.Errorf(status.TooLarge, "%s: %d bytes exceed MAX_PAYLOAD_SIZE (%d)", what, len(ssz), eth2.MaxPayloadSize)
	}
	if strings.HasPrefix(topic, "/") {
		if _, _, err := e.parseTopic(topic); err != nil {
			return "", status.Errorf(status.InvalidArgument, "%s: %v", what, err)
		}
		return topic, nil
	}
	parsed, err := e.params.ParseName(topic)
	if err != nil {
		return "", status.Errorf(status.InvalidArgument, "%s: %v", what, err)
	}
	d := e.currentDigest(time.Now())
	if fork := e.forkOf[d]; !e.params.ExistsAt(parsed, fork) {
		return "", status.Errorf(status.InvalidArgument, "%s: %q does not exist at the current fork (%s)", what, topic, fork)
	}
	return gossip.FormatTopic(d, topic), nil
}

// eth2Reconcile joins the topics the eth2 subscriptions need under the
// active digests and leaves the others. Operations on topics of name forName
// are counted in w (may be nil).
func (l *loop) eth2Reconcile(w *waiter, forName string) {
	if l.e2 == nil || l.stopping {
		return
	}
	e := l.n.eth2
	want := map[string]*eth2Sub{}
	for _, d := range e.activeDigests(time.Now()) {
		fork := e.forkOf[d]
		for name, s := range l.e2.subs {
			if e.params.ExistsAt(s.parsed, fork) {
				want[gossip.FormatTopic(d, name)] = s
			}
		}
	}
	var leave, join []string
	for topic := range l.e2.managed {
		if want[topic] == nil {
			leave = append(leave, topic)
		}
	}
	for topic := range want {
		if l.topics[topic] == nil {
			join = append(join, topic)
		}
	}
	sort.Strings(leave)
	sort.Strings(join)
	for _, topic := range leave {
		ts := l.topics[topic]
		if ts == nil || !ts.joined || ts.leaving {
			continue // the operation in flight reconciles again when done
		}
		var tw *waiter
		if w != nil && l.e2.managed[topic] == forName {
			tw = w
		}
		l.eth2Leave(topic, tw)
	}
	for _, topic := range join {
		var tw *waiter
		if w != nil && want[topic].name == forName {
			tw = w
		}
		l.eth2Join(topic, want[topic], tw)
	}
}

// eth2Hooks attach topic's validator and peer-score parameters.
func (l *loop) eth2Hooks(topic string) *topicHooks {
	n := l.n
	e := n.eth2
	t, fork, err := e.parseTopic(topic)
	return &topicHooks{
		beforeJoin: func(ps *pubsub.PubSub) error {
			if err != nil {
				return status.Errorf(status.InvalidArgument, "eth2 topic %q: %w", topic, err)
			}
			return ps.RegisterTopicValidator(topic, n.eth2Validator(topic, t, fork),
				// Room for every pending host validation on this topic, so
				// that only MaxPendingValidations (counted) refuses.
				pubsub.WithValidatorConcurrency(e.cfg.MaxPendingValidations+64))
		},
		afterJoin: func(pt *pubsub.Topic) error {
			if sp := e.cfg.Chain.TopicScore(t.Base); sp != nil {
				return pt.SetScoreParams(sp)
			}
			return nil
		},
		afterLeave: func(ps *pubsub.PubSub) { _ = ps.UnregisterTopicValidator(topic) },
	}
}

func (l *loop) eth2Join(topic string, s *eth2Sub, w *waiter) {
	e := l.n.eth2
	l.e2.managed[topic] = s.name
	if w != nil {
		w.add()
	}
	l.subscribeTopic(0, topic, l.eth2Hooks(topic), func(l *loop, err error) {
		if err != nil {
			delete(l.e2.managed, topic)
			if w == nil {
				l.n.queue.PushError(events.Event{Type: events.Error, Status: int32(status.CodeOf(err)),
					Text: "eth2: joining " + topic + ": " + err.Error()})
			}
		} else {
			e.joined.Store(topic, true)
		}
		if w != nil {
			w.done(l, err)
		}
	})
}

func (l *loop) eth2Leave(topic string, w *waiter) {
	e := l.n.eth2
	e.joined.Delete(topic)
	if w != nil {
		w.add()
	}
	l.unsubscribeTopic(0, topic, l.eth2Hooks(topic), func(l *loop, err error) {
		delete(l.e2.managed, topic)
		if err != nil && w == nil {
			l.n.queue.PushError(events.Event{Type: events.Error, Status: int32(status.CodeOf(err)),
				Text: "eth2: leaving " + topic + ": " + err.Error()})
		}
		if w != nil {
			w.done(l, err)
		}
		l.eth2Reconcile(nil, "") // a subscription made meanwhile may want it back
	})
}
