package node

import (
	"errors"
	"sync"
	"sync/atomic"

	ma "github.com/multiformats/go-multiaddr"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/membership"
	"github.com/libp2pc/libp2pc/libp2pc/membership/p2ptransport"
	"github.com/libp2pc/libp2pc/libp2pc/membership/tcptransport"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// MembershipConfig selects the transport of a node's membership module.
type MembershipConfig struct {
	// Transport is "libp2p" (streams on the node's running host, protocol
	// p2ptransport.DefaultProtocol; member ids are peer ids) or "tcp" (raw,
	// unauthenticated TCP: trusted networks and tests only).
	Transport string
	// TCPListenAddr is the host:port the tcp transport listens on
	// (default "127.0.0.1:0"). Must be empty for libp2p.
	TCPListenAddr string
	// TCPNodeID is the local member id of the tcp transport (1..255 bytes).
	// Empty: the node's peer id. Must be empty for libp2p.
	TCPNodeID string
}

// MembershipCounters are the module's counters plus the node's own
// accounting of the events the module produced.
type MembershipCounters struct {
	membership.Counters
	// EventsQueued: MemberMessage events pushed into the node's event queue
	// (gossip class: drop-oldest when full, counted with the gossip drops).
	EventsQueued uint64
	// EventsNotQueued: messages the module delivered while the node was no
	// longer running (stopping); they are not queued.
	EventsNotQueued uint64
}

// memberState is a node's membership module (Node.membership); once the
// module is closed it keeps only the final counters.
type memberState struct {
	mu      sync.Mutex
	mod     *membership.Module // nil once closed
	closed  bool
	local   membership.NodeID
	addr    string // what other members put in Member.Addr for this node
	final   membership.Counters
	queued  atomic.Uint64
	notQd   atomic.Uint64
	running atomic.Bool // the sink queues events only while set
}

func (n *Node) memberState() *memberState { return n.membership.Load() }

// StartMembership starts the node's membership transport. The node must be
// running (BadState otherwise, and when already started). Messages from
// members arrive as MemberMessage events (PeerID: sender id, Data: payload)
// through the gossip class of the event queue (drop-oldest when full),
// in order per sender. It never waits for the network.
func (n *Node) StartMembership(cfg MembershipConfig) error {
	// opsMu orders this against Stop's state change: a module created here
	// is either visible to stopMembership or refused.
	n.opsMu.Lock()
	defer n.opsMu.Unlock()
	if n.destroyed.Load() {
		return status.Errorf(status.BadHandle, "node destroyed")
	}
	if s := n.State(); s != StateRunning {
		return status.Errorf(status.BadState, "membership start: node is %s, not running", s)
	}
	if n.memberState() != nil {
		return status.Errorf(status.BadState, "membership start: already started")
	}
	var (
		tr   membership.Transport
		addr string
	)
	switch cfg.Transport {
	case "libp2p":
		if cfg.TCPListenAddr != "" || cfg.TCPNodeID != "" {
			return status.Errorf(status.InvalidArgument, "membership start: tcp_listen_addr and tcp_node_id must be NULL for the libp2p transport")
		}
		h := n.Host()
		if h == nil {
			return status.Errorf(status.BadState, "membership start: node has no host")
		}
		t, err := p2ptransport.New(h, "")
		if err != nil {
			return status.Errorf(status.Internal, "membership start: %w", err)
		}
		tr = t
		la, err := h.Network().InterfaceListenAddresses()
		if err != nil || len(la) == 0 {
			la = h.Network().ListenAddresses()
		}
		if len(la) > 0 {
			if p2p, err := ma.NewComponent("p2p", n.self.String()); err == nil {
				addr = la[0].Encapsulate(p2p).String()
			}
		}
	case "tcp":
		id := cfg.TCPNodeID
		if id == "" {
			id = n.self.String()
		}
		t, err := tcptransport.New(tcptransport.Config{ID: membership.NodeID(id), ListenAddr: cfg.TCPListenAddr})
		if err != nil {
			if errors.Is(err, membership.ErrInvalidConfig) {
				return status.Errorf(status.InvalidArgument, "membership start: %w", err)
			}
			return status.Errorf(status.Network, "membership start: %w", err)
		}
		tr, addr = t, t.Addr()
	default:
		return status.Errorf(status.InvalidArgument, "membership start: transport %q (want \"libp2p\" or \"tcp\")", cfg.Transport)
	}
	ms := &memberState{local: tr.LocalID(), addr: addr}
	q := n.queue
	mod, err := membership.New(membership.Config{
		Context:        n.lifeCtx,
		Transport:      tr,
		MaxMessageSize: min(n.cfg.MaxMessageSize, membership.MaxFrameLimit),
		Sink: func(e membership.Event) {
			// Only while the node runs: from Stop on, the host hears nothing
			// new (the module itself closes later on the stop path).
			if !ms.running.Load() || n.State() != StateRunning {
				ms.notQd.Add(1)
				return
			}
			ms.queued.Add(1)
			q.PushGossip(events.Event{Type: events.MemberMessage, PeerID: string(e.From), Data: e.Payload})
		},
	})
	if err != nil {
		tr.Close()
		return memberErr("membership start", err)
	}
	ms.mod = mod
	ms.running.Store(true)
	n.membership.Store(ms)
	return nil
}

// stopMembership closes the membership module, if any (stop path, before
// the host closes). It waits for sink calls in progress (they never block),
// not for the network.
func (n *Node) stopMembership() {
	ms := n.memberState()
	if ms == nil {
		return
	}
	ms.running.Store(false)
	ms.mu.Lock()
	mod := ms.mod
	ms.mu.Unlock()
	if mod == nil {
		return
	}
	mod.Close() // calls racing with it get ErrClosed (Stopped)
	final := mod.Counters()
	ms.mu.Lock()
	ms.mod, ms.closed, ms.final = nil, true, final
	ms.mu.Unlock()
}

// module returns the running module, or the error for its absence.
func (n *Node) module(what string) (*membership.Module, *memberState, error) {
	if n.destroyed.Load() {
		return nil, nil, status.Errorf(status.BadHandle, "node destroyed")
	}
	ms := n.memberState()
	if ms == nil {
		return nil, nil, status.Errorf(status.BadState, "%s: membership not started", what)
	}
	ms.mu.Lock()
	mod := ms.mod
	ms.mu.Unlock()
	if mod == nil || n.State() != StateRunning {
		// From Stop on, like the node's other calls, nothing new is
		// accepted (the module itself closes later on the stop path).
		return mod, ms, status.Errorf(status.Stopped, "%s: the node is %s; membership closed", what, n.State())
	}
	return mod, ms, nil
}

// MembershipLocal returns the local member id and the address the other
// members list for this node (host:port for tcp; for libp2p the first listen
// multiaddr ending in /p2p/<peer id>).
func (n *Node) MembershipLocal() (id, addr string, err error) {
	if n.destroyed.Load() {
		return "", "", status.Errorf(status.BadHandle, "node destroyed")
	}
	ms := n.memberState()
	if ms == nil {
		return "", "", status.Errorf(status.BadState, "membership not started")
	}
	return string(ms.local), ms.addr, nil
}

// SetMembership replaces the membership (see membership.Module.SetMembership):
// InvalidArgument for a malformed entry (nothing applied).
func (n *Node) SetMembership(members []membership.Member) error {
	mod, _, err := n.module("membership set")
	if err != nil {
		return err
	}
	return memberErr("membership set", mod.SetMembership(members))
}

// MemberSend queues payload (copied) for member id; it never blocks.
func (n *Node) MemberSend(id string, payload []byte) error {
	mod, _, err := n.module("member send")
	if err != nil {
		return err
	}
	return memberErr("member send", mod.Send(membership.NodeID(id), payload))
}

// MemberBroadcast queues payload (copied) for every member but this node.
func (n *Node) MemberBroadcast(payload []byte) error {
	mod, _, err := n.module("member broadcast")
	if err != nil {
		return err
	}
	return memberErr("member broadcast", mod.Broadcast(payload))
}

// MembershipCounters returns the counters; after stop, the final ones
// (Peers then empty). BadState if membership was never started.
func (n *Node) MembershipCounters() (MembershipCounters, error) {
	mod, ms, err := n.module("membership counters")
	if ms == nil {
		return MembershipCounters{}, err
	}
	_ = err // stopping: the module may still be open; read it
	var c membership.Counters
	if mod != nil {
		c = mod.Counters()
	} else {
		ms.mu.Lock()
		c = ms.final
		ms.mu.Unlock()
		c.Peers = nil
	}
	return MembershipCounters{Counters: c, EventsQueued: ms.queued.Load(), EventsNotQueued: ms.notQd.Load()}, nil
}

// memberErr maps the module's errors to status codes.
func memberErr(what string, err error) error {
	var code status.Code
	switch {
	case err == nil:
		return nil
	case errors.Is(err, membership.ErrUnknownPeer):
		code = status.NotFound
	case errors.Is(err, membership.ErrMessageTooLarge):
		code = status.TooLarge
	case errors.Is(err, membership.ErrInvalidMember), errors.Is(err, membership.ErrSendToSelf),
		errors.Is(err, membership.ErrInvalidConfig):
		code = status.InvalidArgument
	case errors.Is(err, membership.ErrClosed):
		code = status.Stopped
	default:
		code = status.Network
	}
	return status.Errorf(code, "%s: %w", what, err)
}
