package node

import (
	"context"
	"errors"
	"strings"
	"sync"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// Dial connects to the peer at addr (a multiaddr ending in /p2p/<id>). The
// request completes after the peer's PeerConnected event, or with an error.
// Dialing an already connected peer succeeds at once.
func (n *Node) Dial(addr string) (uint64, error) {
	ai, err := parsePeerAddr(addr)
	if err != nil {
		return 0, err
	}
	if ai.ID == n.self {
		return 0, status.Errorf(status.InvalidArgument, "dial: %s is this node's own peer id", ai.ID)
	}
	return n.request("dial", func(l *loop, req uint64) {
		h := l.host
		timeout := n.cfg.DialTimeout
		l.goOp(req, func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			if err := h.Connect(ctx, *ai); err != nil {
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					return status.Errorf(status.Timeout, "dial %s: %w", ai.ID, err)
				}
				if n.opsCtx.Err() != nil {
					return status.Errorf(status.Stopped, "dial %s: node stopping", ai.ID)
				}
				return status.Errorf(status.Network, "dial %s: %w", ai.ID, err)
			}
			return nil
		}, func(l *loop, err error) error {
			// The connection's notification reached the loop before this
			// completion (it is sent before Connect returns), so admission
			// has been decided.
			if err == nil && !l.isAdmitted(ai.ID) {
				return status.Errorf(status.Network, "dial %s: connected but refused (peer limit or event queue full)", ai.ID)
			}
			return err
		})
	})
}

// Disconnect closes every connection to the peer. Completes after the
// peer's PeerDisconnected event, or with NotFound if it is not connected.
func (n *Node) Disconnect(peerID string) (uint64, error) {
	p, err := peer.Decode(peerID)
	if err != nil {
		return 0, status.Errorf(status.InvalidArgument, "peer id %q: %w", peerID, err)
	}
	return n.request("disconnect", func(l *loop, req uint64) {
		if !l.isAdmitted(p) {
			l.complete(req, status.Errorf(status.NotFound, "disconnect: %s is not connected", p))
			return
		}
		h := l.host
		l.goOp(req, func(context.Context) error {
			if err := h.Network().ClosePeer(p); err != nil {
				return status.Errorf(status.Network, "disconnect %s: %w", p, err)
			}
			return nil
		}, func(l *loop, err error) error {
			// Complete after the peer's PeerDisconnected, like Dial
			// completes after PeerConnected.
			if ps := l.peers[p]; err == nil && ps != nil && ps.admitted {
				ps.disconnectReqs = append(ps.disconnectReqs, req)
				return errCompleteLater
			}
			return err
		})
	})
}

// Subscribe joins a gossip topic: messages on it arrive as Message events,
// and peers joining and leaving it as TopicPeer* events. On an eth2 node,
// eth2 topics go through Eth2Subscribe instead (InvalidArgument here).
func (n *Node) Subscribe(topic string) (uint64, error) {
	if topic == "" {
		return 0, status.Errorf(status.InvalidArgument, "subscribe: empty topic")
	}
	var hooks *topicHooks
	if e := n.eth2; e != nil {
		if strings.HasPrefix(topic, "/eth2/") {
			return 0, status.Errorf(status.InvalidArgument, "subscribe: %q is an eth2 topic: use the eth2 subscribe call (it validates and decompresses)", topic)
		}
		// The eth2 subscription filter admits the plain topics we are in.
		hooks = &topicHooks{
			beforeJoin: func(*pubsub.PubSub) error { e.plain.Store(topic, true); return nil },
			afterLeave: func(*pubsub.PubSub) { e.plain.Delete(topic) },
		}
	}
	return n.request("subscribe", func(l *loop, req uint64) {
		if l.topics[topic] != nil {
			l.complete(req, status.Errorf(status.BadState, "subscribe: already subscribed to %q", topic))
			return
		}
		l.subscribeTopic(req, topic, hooks, nil)
	})
}

// topicHooks let the eth2 layer attach a validator and score parameters to
// a topic it joins (and detach them when it leaves). Each may be nil.
type topicHooks struct {
	beforeJoin func(ps *pubsub.PubSub) error // before Join; failing aborts
	afterJoin  func(t *pubsub.Topic) error   // after Join; failing aborts
	afterLeave func(ps *pubsub.PubSub)       // after the topic closed, or a failed join
}

// subscribeTopic joins and subscribes topic as request req (0: an internal
// operation, no completion event). after, if set, runs on the loop with the
// result.
func (l *loop) subscribeTopic(req uint64, topic string, hooks *topicHooks, after func(l *loop, err error)) {
	n := l.n
	ts := &topicState{}
	l.topics[topic] = ts
	ps := l.ps
	if hooks == nil {
		hooks = &topicHooks{}
	}
	l.goOp(req, func(context.Context) error {
		if hooks.beforeJoin != nil {
			if err := hooks.beforeJoin(ps); err != nil {
				return status.Errorf(status.Internal, "join %q: %w", topic, err)
			}
		}
		undo := func() {
			if hooks.afterLeave != nil {
				hooks.afterLeave(ps)
			}
		}
		t, err := ps.Join(topic)
		if err != nil {
			undo()
			return status.Errorf(status.Internal, "join %q: %w", topic, err)
		}
		if hooks.afterJoin != nil {
			if err := hooks.afterJoin(t); err != nil {
				t.Close()
				undo()
				return status.Errorf(status.Internal, "join %q: %w", topic, err)
			}
		}
		// The subscription's buffer sits in front of the node's loop,
		// which never blocks, so it only has to absorb bursts; drops here
		// are counted as SubscriptionDrops.
		sub, err := t.Subscribe(pubsub.WithBufferSize(max(n.cfg.Queue.Gossip, 1024)))
		if err != nil {
			t.Close()
			undo()
			return status.Errorf(status.Internal, "subscribe %q: %w", topic, err)
		}
		evh, err := t.EventHandler()
		if err != nil {
			sub.Cancel()
			t.Close()
			undo()
			return status.Errorf(status.Internal, "topic events %q: %w", topic, err)
		}
		ts.topic, ts.sub, ts.events = t, sub, evh
		return nil
	}, func(l *loop, err error) error {
		if err == nil {
			ts.joined = true
			// The readers end with the node's operations at the latest
			// (opsCtx ends in every stop, before the stopper waits for the
			// readers), even if a subscribe racing the stop left this
			// topic out of the stopper's cancels.
			ctx, cancel := context.WithCancel(l.n.opsCtx)
			var once sync.Once
			ts.cancel = func() { once.Do(func() { cancel(); ts.sub.Cancel(); ts.events.Cancel() }) }
			if l.stopping { // the stopper already collected the topics
				ts.cancel()
				err = status.Errorf(status.Stopped, "subscribe %q: node stopping", topic)
			} else {
				l.readTopic(ctx, topic, ts)
				ts.pub = l.n.startPublisher(topic, ts.topic)
			}
		}
		if err != nil {
			delete(l.topics, topic)
		}
		if after != nil {
			after(l, err)
		}
		return err
	})
}

// readTopic starts the goroutines that move a topic's messages and peer
// events into the loop. They end when the subscription is cancelled.
func (l *loop) readTopic(ctx context.Context, topic string, ts *topicState) {
	n := l.n
	self := n.self
	l.readers.Add(2)
	go func() {
		defer l.readers.Done()
		for {
			m, err := ts.sub.Next(ctx)
			if err != nil {
				return
			}
			if m.ReceivedFrom == self {
				continue // our own publication echoed back: not an event
			}
			from, id, data := m.ReceivedFrom, []byte(m.ID), m.Data
			if ssz, ok := m.ValidatorData.([]byte); ok {
				data = ssz // eth2 topics: the validator's decompressed SSZ
			}
			// Straight to the queue, not through the loop: see admission.
			if n.pushGossipFrom(from, events.Event{Type: events.Message, Topic: topic, MsgID: id, Data: data}) {
				n.counters.received.Add(1)
			} else {
				n.counters.stale.Add(1)
			}
		}
	}()
	go func() {
		defer l.readers.Done()
		for {
			pe, err := ts.events.NextPeerEvent(ctx)
			if err != nil {
				return
			}
			typ := events.TopicPeerJoined
			if pe.Type == pubsub.PeerLeave {
				typ = events.TopicPeerLeft
			}
			p := pe.Peer
			n.toLoop(func(l *loop) {
				if !l.isAdmitted(p) {
					if typ == events.TopicPeerJoined {
						n.counters.stale.Add(1)
					}
					return // a leave is implied by the peer's disconnect
				}
				if typ == events.TopicPeerJoined {
					l.topicPeerJoined(p, topic)
					return
				}
				n.queue.PushGossip(events.Event{Type: typ, Topic: topic, PeerID: p.String()})
			})
		}
	}()
}

// topicPeerJoined emits TopicPeerJoined once gossipsub can send to the
// peer. go-libp2p-pubsub may learn a peer's subscriptions before it has set
// up its own outbound queue to that peer, and a publish in between silently
// skips the peer; holding the event until then makes it mean "a publish now
// reaches this peer".
func (l *loop) topicPeerJoined(p peer.ID, topic string) {
	ps := l.peers[p]
	if !l.pubsubPeers[p] {
		ps.pendingJoins = append(ps.pendingJoins, topic)
		return
	}
	l.n.queue.PushGossip(events.Event{Type: events.TopicPeerJoined, Topic: topic, PeerID: p.String()})
}

// pubsubPeer records gossipsub adding or removing p and releases the
// peer's held topic joins.
func (l *loop) pubsubPeer(p peer.ID, added bool) {
	if !added {
		delete(l.pubsubPeers, p)
		return
	}
	l.pubsubPeers[p] = true
	if ps := l.peers[p]; ps != nil && ps.admitted {
		joins := ps.pendingJoins
		ps.pendingJoins = nil
		for _, t := range joins {
			l.topicPeerJoined(p, t)
		}
	}
}

// Unsubscribe leaves a topic. Completes with NotFound if not subscribed.
func (n *Node) Unsubscribe(topic string) (uint64, error) {
	var hooks *topicHooks
	if e := n.eth2; e != nil {
		hooks = &topicHooks{afterLeave: func(*pubsub.PubSub) { e.plain.Delete(topic) }}
	}
	return n.request("unsubscribe", func(l *loop, req uint64) {
		ts := l.topics[topic]
		switch {
		case ts == nil:
			l.complete(req, status.Errorf(status.NotFound, "unsubscribe: not subscribed to %q", topic))
			return
		case l.eth2Managed(topic):
			l.complete(req, status.Errorf(status.BadState, "unsubscribe: %q belongs to an eth2 subscription: use the eth2 unsubscribe call", topic))
			return
		case !ts.joined || ts.leaving:
			l.complete(req, status.Errorf(status.BadState, "unsubscribe: %q has a subscribe or unsubscribe in progress", topic))
			return
		}
		l.unsubscribeTopic(req, topic, hooks, nil)
	})
}

// unsubscribeTopic leaves a joined topic as request req (0: internal, no
// completion event); after, if set, runs on the loop with the result.
func (l *loop) unsubscribeTopic(req uint64, topic string, hooks *topicHooks, after func(l *loop, err error)) {
	ts := l.topics[topic]
	ts.leaving = true
	ts.pub.close(l.n)
	ps := l.ps
	l.goOp(req, func(context.Context) error {
		<-ts.pub.done // queued publishes go out first
		ts.cancel()
		if err := ts.topic.Close(); err != nil {
			return status.Errorf(status.Internal, "leave %q: %w", topic, err)
		}
		if hooks != nil && hooks.afterLeave != nil {
			hooks.afterLeave(ps)
		}
		return nil
	}, func(l *loop, err error) error {
		delete(l.topics, topic)
		if after != nil {
			after(l, err)
		}
		return err
	})
}
