package node

import (
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/events"
)

// admission is the set of admitted peers as the host sees it, for the
// goroutines that deliver gossip without going through the loop (message
// readers, host validations): a peer's gossip events must fall between its
// PeerConnected and its PeerDisconnected. The loop changes the set and
// pushes the peer event under the write lock; deliverers check and push
// under the read lock, so an event is either queued before the
// PeerDisconnected or not at all. (Before this, each message took a trip
// through the loop for the same check: two per received message with host
// validation.)
type admission struct {
	mu    sync.RWMutex
	peers map[peer.ID]string // -> its text form (base58 costs ~5% of a small message's CPU)
}

// admit adds p and runs emit (its PeerConnected) under the lock.
func (a *admission) admit(p peer.ID, emit func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.peers == nil {
		a.peers = map[peer.ID]string{}
	}
	a.peers[p] = p.String()
	emit()
}

// remove drops p and runs emit (its PeerDisconnected) under the lock.
func (a *admission) remove(p peer.ID, emit func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.peers, p)
	emit()
}

// pushGossipFrom queues e (a gossip-class event from p, PeerID set here) if
// p is admitted; false if it is not (nothing queued).
func (n *Node) pushGossipFrom(p peer.ID, e events.Event) bool {
	a := &n.admission
	a.mu.RLock()
	defer a.mu.RUnlock()
	id, ok := a.peers[p]
	if !ok {
		return false
	}
	e.PeerID = id
	n.queue.PushGossip(e)
	return true
}
