package node

import (
	"context"
	"errors"
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
					return status.Errorf(status.Timeout, "dial %s: %v", ai.ID, err)
				}
				if n.opsCtx.Err() != nil {
					return status.Errorf(status.Stopped, "dial %s: node stopping", ai.ID)
				}
				return status.Errorf(status.Network, "dial %s: %v", ai.ID, err)
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

// Disconnect closes every connection to the peer. Completes with NotFound
// if the peer is not connected.
func (n *Node) Disconnect(peerID string) (uint64, error) {
	p, err := peer.Decode(peerID)
	if err != nil {
		return 0, status.Errorf(status.InvalidArgument, "peer id %q: %v", peerID, err)
	}
	return n.request("disconnect", func(l *loop, req uint64) {
		if !l.isAdmitted(p) {
			l.complete(req, status.Errorf(status.NotFound, "disconnect: %s is not connected", p))
			return
		}
		h := l.host
		l.goOp(req, func(context.Context) error {
			if err := h.Network().ClosePeer(p); err != nil {
				return status.Errorf(status.Network, "disconnect %s: %v", p, err)
			}
			return nil
		}, nil)
	})
}

// Subscribe joins a gossip topic: messages on it arrive as Message events,
// and peers joining and leaving it as TopicPeer* events.
func (n *Node) Subscribe(topic string) (uint64, error) {
	if topic == "" {
		return 0, status.Errorf(status.InvalidArgument, "subscribe: empty topic")
	}
	return n.request("subscribe", func(l *loop, req uint64) {
		if l.topics[topic] != nil {
			l.complete(req, status.Errorf(status.BadState, "subscribe: already subscribed to %q", topic))
			return
		}
		ts := &topicState{}
		l.topics[topic] = ts
		ps := l.ps
		l.goOp(req, func(context.Context) error {
			t, err := ps.Join(topic)
			if err != nil {
				return status.Errorf(status.Internal, "join %q: %v", topic, err)
			}
			// The subscription's buffer sits in front of the node's loop,
			// which never blocks; size it like the gossip queue so a burst
			// is not dropped here (drops would be counted as SubscriptionDrops).
			sub, err := t.Subscribe(pubsub.WithBufferSize(n.cfg.Queue.Gossip))
			if err != nil {
				t.Close()
				return status.Errorf(status.Internal, "subscribe %q: %v", topic, err)
			}
			evh, err := t.EventHandler()
			if err != nil {
				sub.Cancel()
				t.Close()
				return status.Errorf(status.Internal, "topic events %q: %v", topic, err)
			}
			ts.topic, ts.sub, ts.events = t, sub, evh
			return nil
		}, func(l *loop, err error) error {
			if err != nil {
				delete(l.topics, topic)
				return err
			}
			ts.joined = true
			ctx, cancel := context.WithCancel(context.Background())
			var once sync.Once
			ts.cancel = func() { once.Do(func() { cancel(); ts.sub.Cancel(); ts.events.Cancel() }) }
			if l.stopping { // the stopper already collected the topics
				ts.cancel()
				return status.Errorf(status.Stopped, "subscribe %q: node stopping", topic)
			}
			l.readTopic(ctx, topic, ts)
			return nil
		})
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
			n.toLoop(func(l *loop) {
				if !l.isAdmitted(from) {
					n.counters.stale.Add(1)
					return
				}
				n.counters.received.Add(1)
				n.queue.PushGossip(events.Event{Type: events.Message, Topic: topic,
					PeerID: from.String(), MsgID: id, Data: data})
			})
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
				if !l.isAdmitted(p) && typ == events.TopicPeerJoined {
					n.counters.stale.Add(1)
					return
				}
				if typ == events.TopicPeerLeft && !l.isAdmitted(p) {
					return // implied by the peer's disconnect
				}
				n.queue.PushGossip(events.Event{Type: typ, Topic: topic, PeerID: p.String()})
			})
		}
	}()
}

// Unsubscribe leaves a topic. Completes with NotFound if not subscribed.
func (n *Node) Unsubscribe(topic string) (uint64, error) {
	return n.request("unsubscribe", func(l *loop, req uint64) {
		ts := l.topics[topic]
		switch {
		case ts == nil:
			l.complete(req, status.Errorf(status.NotFound, "unsubscribe: not subscribed to %q", topic))
			return
		case !ts.joined || ts.leaving:
			l.complete(req, status.Errorf(status.BadState, "unsubscribe: %q has a subscribe or unsubscribe in progress", topic))
			return
		}
		ts.leaving = true
		l.goOp(req, func(context.Context) error {
			ts.cancel()
			if err := ts.topic.Close(); err != nil {
				return status.Errorf(status.Internal, "leave %q: %v", topic, err)
			}
			return nil
		}, func(l *loop, err error) error {
			delete(l.topics, topic)
			return err
		})
	})
}

// Publish sends data on a subscribed topic. data is copied before Publish
// returns. Completes with NotFound if the node is not subscribed.
func (n *Node) Publish(topic string, data []byte) (uint64, error) {
	if len(data) > n.cfg.MaxMessageSize {
		return 0, status.Errorf(status.TooLarge, "publish: %d bytes exceed the %d-byte limit", len(data), n.cfg.MaxMessageSize)
	}
	owned := append([]byte(nil), data...)
	return n.request("publish", func(l *loop, req uint64) {
		ts := l.topics[topic]
		if ts == nil || !ts.joined || ts.leaving {
			l.complete(req, status.Errorf(status.NotFound, "publish: not subscribed to %q", topic))
			return
		}
		t := ts.topic
		l.goOp(req, func(ctx context.Context) error {
			if err := t.Publish(ctx, owned); err != nil {
				return status.Errorf(status.Network, "publish on %q: %v", topic, err)
			}
			n.counters.published.Add(1)
			return nil
		}, nil)
	})
}
