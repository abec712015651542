package node

import (
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/libp2pc/libp2pc/libp2pc/peermgr"
)

// dropTracer counts the drops that happen inside go-libp2p-pubsub itself,
// so that no queue on a message's path drops silently: a subscription whose
// buffer is full (pubsub drops the message for that subscriber) and an RPC
// not sent because a peer's outbound queue is full. It also reports when
// gossipsub adds or removes a peer, and on an eth2 node counts rejections
// and messages on topics the node is not in.
type dropTracer struct{ n *Node }

func (t dropTracer) UndeliverableMessage(*pubsub.Message) { t.n.counters.subDrops.Add(1) }
func (t dropTracer) DropRPC(*pubsub.RPC, peer.ID)         { t.n.counters.rpcDrops.Add(1) }

func (dropTracer) Join(string) {}

// Leave, Graft and Prune keep the mesh view the metrics read.
func (t dropTracer) Leave(topic string)             { t.n.mesh.leave(topic) }
func (t dropTracer) Graft(p peer.ID, topic string)  { t.n.mesh.graft(p, topic) }
func (t dropTracer) Prune(p peer.ID, topic string)  { t.n.mesh.prune(p, topic) }
func (dropTracer) ValidateMessage(*pubsub.Message)  {}
func (dropTracer) DeliverMessage(*pubsub.Message)   {}
func (dropTracer) DuplicateMessage(*pubsub.Message) {}
func (dropTracer) ThrottlePeer(peer.ID)             {}
func (dropTracer) SendRPC(*pubsub.RPC, peer.ID)     {}

// RejectMessage counts, on an eth2 node, what gossipsub did with messages
// that did not pass: rejected (the peer is penalised), ignored, or dropped
// for lack of validation capacity.
func (t dropTracer) RejectMessage(m *pubsub.Message, reason string) {
	if d := t.n.disc; d != nil && reason == pubsub.RejectValidationFailed && m.ReceivedFrom != t.n.self {
		d.fault(m.ReceivedFrom, peermgr.GossipRejected) // a mutex and a signal: fine on gossipsub's loop
	}
	e := t.n.eth2
	if e == nil {
		return
	}
	switch reason {
	case pubsub.RejectValidationFailed:
		e.c.pubsubRejected.Add(1)
	case pubsub.RejectValidationIgnored:
		e.c.pubsubIgnored.Add(1)
	case pubsub.RejectValidationThrottled, pubsub.RejectValidationQueueFull:
		e.c.pubsubThrottled.Add(1)
	}
}

// RecvRPC counts, on an eth2 node, messages on topics it is not in, which
// gossipsub drops unseen: unknown topics (not an eth2 topic of this chain)
// and eth2 topics it is not subscribed to. It runs on gossipsub's loop, so
// it only looks up and parses strings.
func (t dropTracer) RecvRPC(rpc *pubsub.RPC) {
	e := t.n.eth2
	if e == nil {
		return
	}
	for _, m := range rpc.GetPublish() {
		topic := m.GetTopic()
		if _, ok := e.joined.Load(topic); ok {
			continue
		}
		if _, ok := e.plain.Load(topic); ok {
			continue
		}
		if _, _, err := e.parseTopic(topic); err != nil {
			e.c.unknownTopic.Add(1)
		} else {
			e.c.notSubscribed.Add(1)
		}
	}
}

// AddPeer and RemovePeer tell the loop when gossipsub can send to a peer
// (see loop.topicPeerJoined).
func (t dropTracer) AddPeer(p peer.ID, proto protocol.ID) {
	if e := t.n.eth2; e != nil {
		e.protos.Store(p, proto)
	}
	t.n.toLoop(func(l *loop) { l.pubsubPeer(p, true) })
}

func (t dropTracer) RemovePeer(p peer.ID) {
	t.n.mesh.removePeer(p) // gossipsub drops it from every mesh without a Prune
	t.n.toLoop(func(l *loop) { l.pubsubPeer(p, false) })
}

var _ pubsub.RawTracer = dropTracer{}
