// Package p2ptransport is a membership.Transport over libp2p streams on an
// existing go-libp2p host (the node's host: it is not created, owned or closed
// here).
//
// Node ids are peer ID strings. The remote peer of an incoming stream is
// authenticated by libp2p's secure channel, so the node id of an incoming
// stream cannot be forged. Member.Addr is a multiaddr (optionally ending in
// /p2p/<id>, which must then match Member.ID), or empty when the host already
// knows how to reach the peer.
package p2ptransport

import (
	"context"
	"fmt"
	"sync"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/libp2pc/libp2pc/libp2pc/membership"
)

// DefaultProtocol is the protocol id used when Config.Protocol is empty.
const DefaultProtocol protocol.ID = "/libp2pc/membership/1"

// Transport implements membership.Transport on a libp2p host.
type Transport struct {
	h     host.Host
	proto protocol.ID

	mu      sync.Mutex
	started bool
	closed  bool
}

var _ membership.Transport = (*Transport)(nil)

// New returns a transport using h and protocol id proto (DefaultProtocol if
// empty). Two modules on the same host need distinct protocol ids.
func New(h host.Host, proto protocol.ID) (*Transport, error) {
	if h == nil {
		return nil, fmt.Errorf("%w: p2p transport: nil host", membership.ErrInvalidConfig)
	}
	if proto == "" {
		proto = DefaultProtocol
	}
	return &Transport{h: h, proto: proto}, nil
}

// LocalID implements membership.Transport.
func (t *Transport) LocalID() membership.NodeID { return membership.NodeID(t.h.ID().String()) }

// MemberOf returns the Member describing h, listening on addr (one of its
// listen multiaddrs), for use in the other nodes' memberships.
func MemberOf(id peer.ID, addr ma.Multiaddr) membership.Member {
	a := ""
	if addr != nil {
		a = addr.String()
	}
	return membership.Member{ID: membership.NodeID(id.String()), Addr: a}
}

func parse(m membership.Member) (peer.ID, ma.Multiaddr, error) {
	pid, err := peer.Decode(string(m.ID))
	if err != nil {
		return "", nil, fmt.Errorf("%w: id %q is not a peer ID: %v", membership.ErrInvalidMember, m.ID, err)
	}
	if m.Addr == "" {
		return pid, nil, nil
	}
	a, err := ma.NewMultiaddr(m.Addr)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %q: address %q: %v", membership.ErrInvalidMember, m.ID, m.Addr, err)
	}
	transport, id := peer.SplitAddr(a)
	if transport == nil {
		return "", nil, fmt.Errorf("%w: %q: address %q has no transport part", membership.ErrInvalidMember, m.ID, m.Addr)
	}
	if id != "" && id != pid {
		return "", nil, fmt.Errorf("%w: %q: address %q names peer %s", membership.ErrInvalidMember, m.ID, m.Addr, id)
	}
	return pid, transport, nil
}

// CheckMember implements membership.Transport.
func (t *Transport) CheckMember(m membership.Member) error {
	_, _, err := parse(m)
	return err
}

// Start implements membership.Transport: it registers the protocol handler.
func (t *Transport) Start(accept func(from membership.NodeID, s membership.Stream)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return membership.ErrClosed
	}
	if t.started {
		return fmt.Errorf("%w: p2p transport started twice", membership.ErrInvalidConfig)
	}
	t.started = true
	t.h.SetStreamHandler(t.proto, func(s network.Stream) {
		t.mu.Lock()
		closed := t.closed
		t.mu.Unlock()
		if closed {
			s.Reset()
			return
		}
		accept(membership.NodeID(s.Conn().RemotePeer().String()), stream{s})
	})
	return nil
}

// Dial implements membership.Transport. The host's own dial backoff is
// bypassed (the dispatcher has its own), so a restarted member is reached as
// soon as it listens again.
func (t *Transport) Dial(ctx context.Context, m membership.Member) (membership.Stream, error) {
	pid, addr, err := parse(m)
	if err != nil {
		return nil, err
	}
	if addr != nil {
		t.h.Peerstore().AddAddr(pid, addr, peerstore.PermanentAddrTTL)
	}
	ctx = network.WithForceDirectDial(ctx, "libp2pc membership dispatcher")
	s, err := t.h.NewStream(ctx, pid, t.proto)
	if err != nil {
		return nil, err
	}
	return stream{s}, nil
}

// Close implements membership.Transport: it removes the protocol handler.
// The host stays up.
func (t *Transport) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return membership.ErrClosed
	}
	t.closed = true
	t.h.RemoveStreamHandler(t.proto)
	return nil
}

// stream adapts network.Stream: Close aborts (Reset), which never blocks.
type stream struct{ network.Stream }

func (s stream) Close() error { return s.Stream.Reset() }
