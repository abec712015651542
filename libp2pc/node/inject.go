//go:build libp2pc_bench

package node

import (
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// InjectGossip queues e in the node's event queue exactly as the event loop
// queues a gossip event that gossipsub handed it (see readTopic): through
// the gossip class of the queue (drop-oldest when full, counted, reported by
// a Drops event), with the next sequence number, and counted in
// Counters.MessagesReceived when it is a Message. From there it takes the
// production path to the host: the delivery thread and the Sink (callback
// mode) or Poll (poll mode).
//
// It is for the event-delivery benchmark only (libp2pc/internal/eventbench
// drives it), and exists in bench builds only (-tags libp2pc_bench), so the
// shipped library does not carry it. It needs no peer, no subscription and
// no started node, and skips what precedes the queue in real gossip
// (gossipsub, the subscription reader, the loop's admission check). A node
// that was never started still delivers injected events in callback mode,
// which a real never-started node does not.
//
// e.Type must be Message, TopicPeerJoined or TopicPeerLeft (zero means
// Message); Seq is assigned by the queue. dropped reports that the oldest
// queued gossip event was dropped to make room. Nothing is queued once the
// node has stopped or been destroyed.
func (n *Node) InjectGossip(e events.Event) (dropped bool, err error) {
	switch e.Type {
	case 0:
		e.Type = events.Message
	case events.Message, events.TopicPeerJoined, events.TopicPeerLeft:
	default:
		return false, status.Errorf(status.InvalidArgument, "inject gossip: %s is not a gossip event", e.Type)
	}
	e.Seq = 0
	if e.Type == events.Message {
		n.counters.received.Add(1)
	}
	return n.queue.PushGossip(e), nil
}
