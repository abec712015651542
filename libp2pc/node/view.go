package node

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/libp2pc/libp2pc/libp2pc/events"
)

// PeerInfo describes a connected peer as the host was told about it.
type PeerInfo struct {
	ID        string
	Direction string // "inbound" or "outbound"
	Addr      string // remote multiaddr of the first connection
}

// peerView is the set of connected peers as the host has seen it: it
// changes when a PeerConnected or PeerDisconnected event is handed to the
// host, not before (seed 001). So Peers never lists a peer whose connect
// event the host has not received, nor one whose disconnect it has.
type peerView struct {
	mu              sync.Mutex
	peers           map[string]PeerInfo // by peer id
	connectedInLoop atomic.Int64
}

func (v *peerView) observe(e *events.Event) {
	switch e.Type {
	case events.PeerConnected:
		v.mu.Lock()
		v.peers[e.PeerID] = PeerInfo{ID: e.PeerID, Direction: e.Direction, Addr: e.Addr}
		v.mu.Unlock()
	case events.PeerDisconnected:
		v.mu.Lock()
		delete(v.peers, e.PeerID)
		v.mu.Unlock()
	}
}

// Peers lists connected peers as the host has seen them, sorted by id.
func (n *Node) Peers() []PeerInfo {
	n.view.mu.Lock()
	out := make([]PeerInfo, 0, len(n.view.peers))
	for _, p := range n.view.peers {
		out = append(out, p)
	}
	n.view.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
