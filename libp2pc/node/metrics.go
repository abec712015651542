package node

import (
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"
)

// meshView follows gossipsub's mesh through its tracer (Graft, Prune,
// RemovePeer, Leave): pubsub offers no call that lists a topic's mesh.
type meshView struct {
	mu     sync.Mutex
	topics map[string]map[peer.ID]struct{}
}

func (m *meshView) graft(p peer.ID, topic string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.topics == nil {
		m.topics = map[string]map[peer.ID]struct{}{}
	}
	if m.topics[topic] == nil {
		m.topics[topic] = map[peer.ID]struct{}{}
	}
	m.topics[topic][p] = struct{}{}
}

func (m *meshView) prune(p peer.ID, topic string) {
	m.mu.Lock()
	delete(m.topics[topic], p)
	m.mu.Unlock()
}

func (m *meshView) removePeer(p peer.ID) {
	m.mu.Lock()
	for _, ps := range m.topics {
		delete(ps, p)
	}
	m.mu.Unlock()
}

func (m *meshView) leave(topic string) {
	m.mu.Lock()
	delete(m.topics, topic)
	m.mu.Unlock()
}

// MeshPeers returns the number of mesh peers of every topic the node is in
// (as gossipsub's tracer reported grafts and prunes).
func (n *Node) MeshPeers() map[string]int {
	n.mesh.mu.Lock()
	defer n.mesh.mu.Unlock()
	out := make(map[string]int, len(n.mesh.topics))
	for t, ps := range n.mesh.topics {
		out[t] = len(ps)
	}
	return out
}

// Eth2Configured reports whether ConfigureEth2 was called.
func (n *Node) Eth2Configured() bool { return n.eth2 != nil }

// Eth2TopicFamily returns the family (Eth2TopicKinds) of an eth2 topic
// string of this node's chain; false for any other topic.
func (n *Node) Eth2TopicFamily(topic string) (string, bool) {
	e := n.eth2
	if e == nil {
		return "", false
	}
	t, _, err := e.parseTopic(topic)
	if err != nil {
		return "", false
	}
	return t.Base, true
}
