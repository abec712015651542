package node

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/libp2p/go-libp2p"
	mplex "github.com/libp2p/go-libp2p-mplex"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// UserAgent is what the node announces through identify.
const UserAgent = "libp2pc/0.1"

// startHost builds the go-libp2p host and gossipsub. Transports: TCP (noise;
// yamux and mplex /mplex/6.7.0 offered) and QUIC v1.
func (l *loop) startHost() error {
	cfg := l.n.cfg
	opts := []libp2p.Option{
		libp2p.Identity(l.n.key),
		libp2p.UserAgent(UserAgent),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.Muxer("/mplex/6.7.0", mplex.DefaultTransport),
		libp2p.DisableRelay(),
	}
	if d := l.n.disc; d != nil {
		opts = append(opts, libp2p.ConnectionGater(d)) // refuses banned peers
	}
	if len(cfg.ListenAddrs) == 0 {
		opts = append(opts, libp2p.NoListenAddrs)
	} else {
		opts = append(opts, libp2p.ListenAddrStrings(cfg.ListenAddrs...))
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		return status.Errorf(status.Network, "start host: %w", err)
	}
	l.host = h
	// Connection notifications go to the loop; go-libp2p guarantees that a
	// connection's Disconnected never fires before its Connected.
	h.Network().Notify(&network.NotifyBundle{
		ConnectedF: func(_ network.Network, c network.Conn) {
			l.n.toLoop(func(l *loop) { l.onConnected(c) })
		},
		DisconnectedF: func(_ network.Network, c network.Conn) {
			l.n.toLoop(func(l *loop) { l.onDisconnected(c) })
		},
	})
	if err := l.n.followIdentify(h); err != nil { // the services' Identified hooks
		h.Close()
		l.host = nil
		return status.Errorf(status.Internal, "start host: identify events: %w", err)
	}
	msgID := cfg.MessageID
	e2 := l.n.eth2
	psCtx, psCancel := context.WithCancel(l.n.lifeCtx)
	psOpts := []pubsub.Option{
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMaxMessageSize(cfg.MaxMessageSize),
		// Our own messages go to every peer known to be in the topic, not
		// only to mesh peers: a host that saw TOPIC_PEER_JOINED can publish
		// to that peer before the next heartbeat grafts it.
		pubsub.WithFloodPublish(true),
		// go-libp2p-pubsub's default of 32 queued RPCs per peer drops
		// messages under ordinary bursts; 600 is what production Ethereum
		// Go clients use.
		pubsub.WithPeerOutboundQueueSize(600),
		pubsub.WithValidateQueueSize(600),
		pubsub.WithRawTracer(dropTracer{l.n}),
		pubsub.WithMessageIdFn(func(m *pb.Message) string {
			if e2 != nil { // the consensus message-id on /eth2/ topics
				if id, ok := e2.messageID(m); ok {
					return string(id)
				}
			}
			return string(msgID(m.GetTopic(), m.GetData()))
		}),
	}
	if e2 != nil {
		psOpts = append(psOpts, l.n.eth2PubsubOptions()...) // later options win
	}
	ps, err := pubsub.NewGossipSub(psCtx, h, psOpts...)
	if err != nil {
		psCancel()
		h.Close()
		l.host = nil
		return status.Errorf(status.Internal, "start gossipsub: %w", err)
	}
	l.ps, l.psCancel = ps, psCancel
	return nil
}

func (l *loop) listenAddrs() []string {
	// Interface addresses (unspecified listen addresses resolved); the
	// configured ones only if the interfaces cannot be read.
	addrs, err := l.host.Network().InterfaceListenAddresses()
	if err != nil {
		addrs = l.host.Network().ListenAddresses()
	}
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.String())
	}
	sort.Strings(out)
	return out
}

// onConnected counts a new connection; the peer's first one admits the peer
// (or refuses it) and emits PeerConnected.
func (l *loop) onConnected(c network.Conn) {
	p := c.RemotePeer()
	ps := l.peers[p]
	if ps == nil {
		ps = &peerState{conns: map[network.Conn]struct{}{}}
		l.peers[p] = ps
	}
	if len(ps.conns) > 0 {
		l.n.counters.dup.Add(1)
	}
	ps.conns[c] = struct{}{}
	if ps.admitted || len(ps.conns) > 1 {
		return // same logical peer
	}
	switch {
	case l.stopping:
		l.refuse(p, nil)
		return
	case l.discBanned(p):
		l.refuse(p, nil) // counted as RefusedBanned
		return
	case l.admitted >= l.n.cfg.MaxPeers:
		l.refuse(p, &l.n.counters.refusedLimit)
		return
	case !l.n.queue.Reserve(2): // this PeerConnected and the future PeerDisconnected
		l.refuse(p, &l.n.counters.refusedQueue)
		return
	}
	ps.admitted = true
	l.admitted++
	l.n.view.connectedInLoop.Store(int64(l.admitted))
	ps.direction = "inbound"
	if c.Stat().Direction == network.DirOutbound {
		ps.direction = "outbound"
	}
	ps.addr = c.RemoteMultiaddr().String()
	l.n.admission.admit(p, func() {
		l.emitReserved(events.Event{Type: events.PeerConnected, PeerID: p.String(),
			Direction: ps.direction, Addr: ps.addr})
	})
	l.reqrespConnected(p, ps.direction)
	l.discConnected(p, ps.direction)
	l.n.servicesConnected(p, ps.direction)
}

// refuse closes every connection to p without telling the host about it.
func (l *loop) refuse(p peer.ID, counter interface{ Add(uint64) uint64 }) {
	if counter != nil {
		counter.Add(1)
	}
	h := l.host
	go h.Network().ClosePeer(p) // may wait on the muxer; never on the loop
}

// onDisconnected forgets a connection; the last one of an admitted peer
// emits PeerDisconnected (its slot was reserved at admission).
func (l *loop) onDisconnected(c network.Conn) {
	p := c.RemotePeer()
	ps := l.peers[p]
	if ps == nil {
		return
	}
	delete(ps.conns, c)
	if len(ps.conns) > 0 {
		return
	}
	delete(l.peers, p)
	if ps.admitted {
		l.disconnected(p, ps, l.discDisconnected(p, disconnectReasonUnknown))
	}
}

// disconnected emits PeerDisconnected, then completes the Disconnect
// requests waiting for it.
func (l *loop) disconnected(p peer.ID, ps *peerState, why string) {
	l.admitted--
	l.n.view.connectedInLoop.Store(int64(l.admitted))
	l.n.admission.remove(p, func() {
		l.emitReserved(events.Event{Type: events.PeerDisconnected, PeerID: p.String(), Text: why})
	})
	for _, req := range ps.disconnectReqs {
		l.complete(req, nil)
	}
	l.n.servicesDisconnected(p)
}

// isAdmitted says whether events about p may be delivered now.
func (l *loop) isAdmitted(p peer.ID) bool {
	ps := l.peers[p]
	return ps != nil && ps.admitted
}

// beginStop starts the shutdown once: in-flight requests get StopGrace, then
// are cancelled; subscriptions and the host are closed off the loop; finish
// runs back on the loop.
func (l *loop) beginStop() {
	if l.stopping {
		return
	}
	l.stopping = true
	l.n.opsMu.Lock()
	l.n.state.Store(int32(StateStopping))
	l.n.opsMu.Unlock()
	h, psCancel := l.host, l.psCancel
	var cancels []func()
	for _, t := range l.topics {
		if t.cancel != nil {
			cancels = append(cancels, t.cancel)
		}
	}
	grace := l.n.cfg.StopGrace
	go func() {
		drained := make(chan struct{})
		go func() { l.n.ops.Wait(); close(drained) }()
		select {
		case <-drained:
		case <-time.After(grace):
			l.n.cancelOps()
			<-drained
		}
		l.n.cancelOps()
		for _, cancel := range cancels {
			cancel()
		}
		if psCancel != nil {
			psCancel() // ends gossipsub's own goroutines
		}
		l.n.stopServices()   // reverse start order; before the req/resp they fetch with
		l.n.stopDiscovery()  // its manager's actions need the loop, which still runs
		l.n.stopReqResp()    // before the host it runs on
		l.n.stopMembership() // before the host it may run on
		if h != nil {
			closed := make(chan struct{})
			go func() { h.Close(); close(closed) }()
			select {
			case <-closed:
			case <-time.After(closeTimeout):
				l.n.queue.PushError(events.Event{Type: events.Error, Status: int32(status.Timeout),
					Text: "libp2p host did not close in time; stopping anyway"})
			}
		}
		l.readers.Wait()
		l.n.toLoop(func(l *loop) { l.finish() })
	}()
}

// finish emits the remaining disconnects, completes Stop, queues Stopped
// (the node's last event) and ends the loop.
func (l *loop) finish() {
	// Calls accepted before the state changed may still wait in the inbox
	// (see Node.request); each completes (with Stopped) before Stopped.
	for drained := false; !drained; {
		select {
		case f := <-l.n.calls:
			l.safely(f)
		default:
			drained = true
		}
	}
	var rest []peer.ID
	for p, ps := range l.peers {
		if ps.admitted {
			rest = append(rest, p)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	for _, p := range rest {
		l.disconnected(p, l.peers[p], "node stopped")
	}
	l.peers = map[peer.ID]*peerState{}
	for _, ts := range l.topics {
		if ts.pub != nil {
			ts.pub.close(l.n)
		}
	}
	for _, req := range l.stopReqs {
		l.complete(req, nil)
	}
	c := l.n.Counters()
	st := l.n.queue.Stats()
	l.n.state.Store(int32(StateStopped))
	l.emitReserved(events.Event{Type: events.Stopped, Text: fmt.Sprintf(
		"stopped: %d events delivered, %d gossip and %d error events dropped, %d messages received",
		st.Delivered, st.Dropped.Gossip, st.Dropped.Errors, c.MessagesReceived)})
	l.n.queue.Close()
	l.n.endLife() // every sub-context was canceled in the stop order above
	l.finished = true
}

// parsePeerAddr parses a dialable multiaddr ending in /p2p/<peer id>.
func parsePeerAddr(s string) (*peer.AddrInfo, error) {
	a, err := ma.NewMultiaddr(s)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "multiaddr %q: %w", s, err)
	}
	ai, err := peer.AddrInfoFromP2pAddr(a)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "multiaddr %q must end in /p2p/<peer id>: %w", s, err)
	}
	return ai, nil
}
