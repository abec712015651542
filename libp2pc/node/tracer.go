package node

import (
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// dropTracer counts the drops that happen inside go-libp2p-pubsub itself,
// so that no queue on a message's path drops silently: a subscription whose
// buffer is full (pubsub drops the message for that subscriber) and an RPC
// not sent because a peer's outbound queue is full. It also reports when
// gossipsub adds or removes a peer. It also reports when
// gossipsub has added or removed a peer.
type dropTracer struct{ n *Node }

func (t dropTracer) UndeliverableMessage(*pubsub.Message) { t.n.counters.subDrops.Add(1) }
func (t dropTracer) DropRPC(*pubsub.RPC, peer.ID)         { t.n.counters.rpcDrops.Add(1) }

func (dropTracer) Join(string)                           {}
func (dropTracer) Leave(string)                          {}
func (dropTracer) Graft(peer.ID, string)                 {}
func (dropTracer) Prune(peer.ID, string)                 {}
func (dropTracer) ValidateMessage(*pubsub.Message)       {}
func (dropTracer) DeliverMessage(*pubsub.Message)        {}
func (dropTracer) RejectMessage(*pubsub.Message, string) {}
func (dropTracer) DuplicateMessage(*pubsub.Message)      {}
func (dropTracer) ThrottlePeer(peer.ID)                  {}
func (dropTracer) RecvRPC(*pubsub.RPC)                   {}
func (dropTracer) SendRPC(*pubsub.RPC, peer.ID)          {}

// AddPeer and RemovePeer tell the loop when gossipsub can send to a peer
// (see loop.topicPeerJoined).
func (t dropTracer) AddPeer(p peer.ID, _ protocol.ID) {
	t.n.toLoop(func(l *loop) { l.pubsubPeer(p, true) })
}

func (t dropTracer) RemovePeer(p peer.ID) {
	t.n.toLoop(func(l *loop) { l.pubsubPeer(p, false) })
}

var _ pubsub.RawTracer = dropTracer{}
