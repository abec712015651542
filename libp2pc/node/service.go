package node

// Services: the parts of a node that run with it but are not the node
// itself (the chain, libp2pc/chainsvc; later data availability, the
// engine, metrics). The node is the host, the loop, the event queue and
// request ids; a service gets those through ServiceHost, one narrow
// interface, and nothing else of the node. The node starts services
// (StartServices) and stops them in reverse start order on its stop path,
// after the in-flight requests drained and before req/resp and the
// go-libp2p host close (services fetch over req/resp and serve on it).

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/host/eventbus"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// Service is started and stopped by the node.
type Service interface {
	// Name names the service in errors and in lookups (ServiceOf); one
	// service of a name runs at a time.
	Name() string
	// Start runs on a node goroutine (never the loop, never the host's
	// thread) and returns when the service runs. ctx ends when the node
	// stops. On error Start has undone what it did (handlers, validators,
	// topics) and released what it opened; the node then forgets it and
	// never calls Stop.
	Start(ctx context.Context, h ServiceHost) error
	// Stop releases the service. Called once, after Start succeeded, on
	// the node's stop path (reverse start order), or when a service
	// started after it in the same StartServices call fails to start.
	Stop()
}

// PeerHooks are a service's connection hooks. They run on the node's loop
// (Connected, Disconnected: after the peer's event is queued), on the
// node's identify reader (Identified) or on a req/resp goroutine (Status),
// so they must return at once and must not wait for the node. Nil hooks
// are skipped.
type PeerHooks struct {
	Connected    func(p peer.ID, direction string) // an admitted peer's first connection
	Disconnected func(p peer.ID)                   // its last connection closed
	Identified   func(p peer.ID)                   // identify completed: its protocols and agent are in the peerstore
	Status       func(p peer.ID, raw []byte)       // a valid status from the peer (handshake or answer)
}

// ServiceHost is what a service gets from its node.
type ServiceHost interface {
	// Context is the node's context: a service's goroutines derive theirs
	// from it.
	Context() context.Context
	// Host is the go-libp2p host (nil before the node runs).
	Host() host.Host
	// Serve selects who serves a req/resp data protocol (ServeByGo with a
	// Responder; ServeNone removes it), as Node.Serve.
	Serve(protocolID string, mode reqrespnet.ServeMode, r reqrespnet.Responder) error
	// Request sends a req/resp request and hands each response chunk to
	// onChunk (in order, on the calling goroutine).
	Request(ctx context.Context, to peer.ID, p reqresp.Protocol, body []byte, timeout time.Duration, onChunk func(reqresp.Chunk)) error
	// SetStatus sets the Status the node sends and answers with.
	SetStatus(st reqrespnet.Status) error
	// RegisterEth2Validator installs (nil: removes) the Go validator of an
	// eth2 topic name or family, as Node.RegisterEth2Validator.
	RegisterEth2Validator(nameOrFamily string, v Eth2Validator) error
	// JoinEth2Topic subscribes the node to an eth2 topic name with Go
	// validation, across fork boundaries, on the service's behalf, and
	// returns when the current digest's topic is joined. BadState if the
	// host subscribed it itself.
	JoinEth2Topic(ctx context.Context, name string) error
	// LeaveEth2Topic undoes JoinEth2Topic (a failed start).
	LeaveEth2Topic(name string)
	// Eth2 is the node's eth2 chain view (nil without ConfigureEth2).
	Eth2() Eth2Chain
	// OnPeers adds connection hooks (for the node's life).
	OnPeers(h PeerHooks)
	// Emit queues a control event; false when the queue is full (the event
	// is not queued: the service counts the drop).
	Emit(e events.Event) bool
	// EmitError queues an error event (its own bounded class).
	EmitError(e events.Event)
	// CompleteRequest completes a request id the node handed the service.
	CompleteRequest(req uint64, err error)
	// MaxMessageSize is the node's largest message (0: no limit).
	MaxMessageSize() int
}

// Eth2Chain is the node's eth2 configuration as a service reads it: one
// slot clock and the fork digests of eth2_configure.
type Eth2Chain interface {
	GenesisTime() time.Time
	GenesisValidatorsRoot() [32]byte
	SlotDuration() time.Duration
	SlotAt(t time.Time) uint64
	// DigestAtSlot is the fork digest in force at slot (the context bytes
	// of a block of that slot).
	DigestAtSlot(slot uint64) [4]byte
	// CurrentDigest is the fork digest of the wall-clock epoch.
	CurrentDigest() [4]byte
}

// serviceEntry is one service the node knows: starting until its Start
// returned nil, then running until the node stops.
type serviceEntry struct {
	svc     Service
	running bool
}

// serviceSet is the node's services, in start order.
type serviceSet struct {
	mu      sync.Mutex
	entries []*serviceEntry
	hooks   []PeerHooks
}

// StartServices starts services in order, off the caller's thread, and
// returns a request id at once. The request completes (RequestDone) when
// all of them run; when one fails, the ones this call started are stopped
// in reverse order and the request completes with its error. A service
// whose name is already starting or running is refused (BadState).
func (n *Node) StartServices(ss ...Service) (uint64, error) {
	if len(ss) == 0 {
		return 0, status.Errorf(status.InvalidArgument, "start services: none given")
	}
	if err := n.claimServices(ss); err != nil {
		return 0, err
	}
	req, err := n.request("start "+ss[0].Name(), func(l *loop, req uint64) {
		l.goOp(req, func(ctx context.Context) error { return n.startServices(ctx, ss) }, nil)
	})
	if err != nil {
		n.forgetServices(ss)
		return 0, err
	}
	return req, nil
}

// claimServices records ss as starting, refusing a name already present.
func (n *Node) claimServices(ss []Service) error {
	set := &n.services
	set.mu.Lock()
	defer set.mu.Unlock()
	for i, s := range ss {
		name := s.Name()
		for _, e := range set.entries {
			if e.svc.Name() != name {
				continue
			}
			if !e.running {
				return status.Errorf(status.BadState, "start %s: the %s is starting (wait for its request's completion)", name, name)
			}
			return status.Errorf(status.BadState, "start %s: already started", name)
		}
		for _, o := range ss[:i] {
			if o.Name() == name {
				return status.Errorf(status.InvalidArgument, "start services: %s given twice", name)
			}
		}
	}
	for _, s := range ss {
		set.entries = append(set.entries, &serviceEntry{svc: s})
	}
	return nil
}

func (n *Node) forgetServices(ss []Service) {
	set := &n.services
	set.mu.Lock()
	defer set.mu.Unlock()
	set.entries = slices.DeleteFunc(set.entries, func(e *serviceEntry) bool { return slices.Contains(ss, e.svc) })
}

// startServices is StartServices' work on a node goroutine.
func (n *Node) startServices(ctx context.Context, ss []Service) error {
	h := serviceHost{n}
	for i, s := range ss {
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = status.Errorf(status.Internal, "start %s: internal error: %v", s.Name(), r)
				}
			}()
			return s.Start(ctx, h)
		}()
		if err != nil {
			for j := i - 1; j >= 0; j-- {
				n.stopService(ss[j])
			}
			n.forgetServices(ss)
			return err
		}
		n.services.mu.Lock()
		for _, e := range n.services.entries {
			if e.svc == s {
				e.running = true
			}
		}
		n.services.mu.Unlock()
	}
	return nil
}

// stopService stops one service, turning a panic into an Error event.
func (n *Node) stopService(s Service) {
	defer func() {
		if r := recover(); r != nil {
			n.recovered("stopping service "+s.Name(), r)
		}
	}()
	s.Stop()
}

// stopServices stops the running services in reverse start order (stop
// path: the in-flight requests, and so every Start, have returned).
func (n *Node) stopServices() {
	set := &n.services
	set.mu.Lock()
	entries := set.entries
	set.entries = nil
	set.mu.Unlock()
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].running {
			n.stopService(entries[i].svc)
		}
	}
}

// ServiceOf returns the running service of a name, with the error a call
// to it gets otherwise: BadHandle (node destroyed), Stopped (node
// stopping), BadState (not started, or still starting).
func (n *Node) ServiceOf(name string) (Service, error) {
	if n.destroyed.Load() {
		return nil, status.Errorf(status.BadHandle, "node destroyed")
	}
	if n.State() >= StateStopping {
		return nil, status.Errorf(status.Stopped, "%s: the node is %s", name, n.State())
	}
	s, running := n.LookupService(name)
	switch {
	case s == nil:
		return nil, status.Errorf(status.BadState, "%s not started", name)
	case !running:
		return nil, status.Errorf(status.BadState, "%s starting: wait for the %s start request's completion", name, name)
	}
	return s, nil
}

// LookupService returns the service of a name (nil if none) and whether
// it runs, whatever the node's state.
func (n *Node) LookupService(name string) (Service, bool) {
	set := &n.services
	set.mu.Lock()
	defer set.mu.Unlock()
	for _, e := range set.entries {
		if e.svc.Name() == name {
			return e.svc, e.running
		}
	}
	return nil, false
}

// peerHooks returns the services' connection hooks.
func (n *Node) peerHooks() []PeerHooks {
	n.services.mu.Lock()
	defer n.services.mu.Unlock()
	return n.services.hooks
}

// servicesConnected and the two below run the services' hooks.
func (n *Node) servicesConnected(p peer.ID, direction string) {
	for _, h := range n.peerHooks() {
		if h.Connected != nil {
			n.runHook("connected", func() { h.Connected(p, direction) })
		}
	}
}

func (n *Node) servicesDisconnected(p peer.ID) {
	for _, h := range n.peerHooks() {
		if h.Disconnected != nil {
			n.runHook("disconnected", func() { h.Disconnected(p) })
		}
	}
}

func (n *Node) servicesIdentified(p peer.ID) {
	for _, h := range n.peerHooks() {
		if h.Identified != nil {
			n.runHook("identified", func() { h.Identified(p) })
		}
	}
}

// followIdentify hands the host's identify completions to the services'
// hooks until the node's life ends. The subscription's buffer absorbs
// bursts; the hooks return at once, so identify never waits long on it.
func (n *Node) followIdentify(h host.Host) error {
	sub, err := h.EventBus().Subscribe(new(event.EvtPeerIdentificationCompleted), eventbus.BufSize(256))
	if err != nil {
		return err
	}
	go func() {
		defer sub.Close()
		for {
			select {
			case <-n.lifeCtx.Done():
				return
			case ev, ok := <-sub.Out():
				if !ok {
					return
				}
				if e, ok := ev.(event.EvtPeerIdentificationCompleted); ok {
					n.servicesIdentified(e.Peer)
				}
			}
		}
	}()
	return nil
}

func (n *Node) servicesStatus(p peer.ID, raw []byte) {
	for _, h := range n.peerHooks() {
		if h.Status != nil {
			n.runHook("status", func() { h.Status(p, raw) })
		}
	}
}

func (n *Node) runHook(what string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			n.recovered("service "+what+" hook", r)
		}
	}()
	f()
}

// serviceHost is the node as its services see it.
type serviceHost struct{ n *Node }

func (h serviceHost) Context() context.Context { return h.n.lifeCtx }

func (h serviceHost) Host() host.Host { return h.n.Host() }

func (h serviceHost) Serve(protocolID string, mode reqrespnet.ServeMode, r reqrespnet.Responder) error {
	return h.n.Serve(protocolID, mode, r)
}

func (h serviceHost) Request(ctx context.Context, to peer.ID, p reqresp.Protocol, body []byte, timeout time.Duration, onChunk func(reqresp.Chunk)) error {
	svc, err := h.n.service()
	if err != nil {
		return err
	}
	_, err = svc.RequestFunc(ctx, to, p, body, timeout, onChunk)
	return err
}

func (h serviceHost) SetStatus(st reqrespnet.Status) error { return h.n.SetStatus(st) }

func (h serviceHost) RegisterEth2Validator(nameOrFamily string, v Eth2Validator) error {
	return h.n.RegisterEth2Validator(nameOrFamily, v)
}

func (h serviceHost) JoinEth2Topic(ctx context.Context, name string) error {
	return h.n.joinEth2ForService(ctx, name)
}

func (h serviceHost) LeaveEth2Topic(name string) {
	h.n.toLoop(func(l *loop) {
		if l.e2 == nil || l.e2.subs[name] == nil || l.e2.subs[name].mode != ValidateGo {
			return
		}
		delete(l.e2.subs, name)
		h.n.eth2.modes.Delete(name)
		l.eth2Reconcile(nil, "")
	})
}

func (h serviceHost) Eth2() Eth2Chain {
	if h.n.eth2 == nil {
		return nil
	}
	return eth2Chain{h.n.eth2}
}

func (h serviceHost) OnPeers(hooks PeerHooks) {
	set := &h.n.services
	set.mu.Lock()
	defer set.mu.Unlock()
	// A new slice: peerHooks' callers range over the old one unlocked.
	set.hooks = append(slices.Clip(set.hooks), hooks)
}

func (h serviceHost) Emit(e events.Event) bool {
	q := h.n.queue
	if !q.Reserve(1) {
		return false
	}
	q.PushReserved(e)
	return true
}

func (h serviceHost) EmitError(e events.Event) { h.n.queue.PushError(e) }

func (h serviceHost) CompleteRequest(req uint64, err error) { h.n.completeRequest(req, err) }

func (h serviceHost) MaxMessageSize() int { return h.n.cfg.MaxMessageSize }

// joinEth2ForService subscribes the eth2 topic name with Go validation for
// a service and waits (on the service's goroutine, never the loop) for the
// join.
func (n *Node) joinEth2ForService(ctx context.Context, name string) error {
	e := n.eth2
	if e == nil {
		return status.Errorf(status.BadState, "eth2 is not configured")
	}
	parsed, err := e.params.ParseName(name)
	if err != nil {
		return status.Errorf(status.InvalidArgument, "join %s: %w", name, err)
	}
	done := make(chan error, 1)
	sent := n.viaLoop(func(l *loop) bool {
		switch {
		case l.stopping:
			done <- status.Errorf(status.Stopped, "node stopping")
			return true
		case l.e2 == nil:
			done <- status.Errorf(status.Internal, "eth2 is not running")
			return true
		case l.e2.subs[name] != nil:
			done <- status.Errorf(status.BadState, "the host is subscribed to %s; the service subscribes it itself (eth2 unsubscribe it first)", name)
			return true
		}
		l.e2.subs[name] = &eth2Sub{name: name, parsed: parsed, mode: ValidateGo}
		e.modes.Store(name, ValidateGo)
		w := &waiter{then: func(l *loop, err error) error {
			if err != nil {
				delete(l.e2.subs, name)
				e.modes.Delete(name)
				l.eth2Reconcile(nil, "")
				err = status.Errorf(status.CodeOf(err), "subscribe %s: %v", name, err)
			}
			done <- err
			return errCompleteLater // nothing to complete: the service's request is its own
		}}
		l.eth2Reconcile(w, name)
		w.arm(l)
		return true
	})
	if !sent {
		return status.Errorf(status.Stopped, "node stopping")
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return status.Errorf(status.Stopped, "join %s: node stopping", name)
	}
}

// eth2Chain is the Eth2Chain of a node's eth2 state.
type eth2Chain struct{ e *eth2State }

func (c eth2Chain) GenesisTime() time.Time { return c.e.cfg.GenesisTime }

func (c eth2Chain) GenesisValidatorsRoot() [32]byte { return c.e.cfg.Schedule.GenesisValidatorsRoot }

func (c eth2Chain) SlotDuration() time.Duration { return c.e.clock.SlotDuration() }

func (c eth2Chain) SlotAt(t time.Time) uint64 { return c.e.slotAt(t) }

func (c eth2Chain) DigestAtSlot(slot uint64) [4]byte {
	e := c.e
	return e.digestAt[e.boundaries[e.boundaryIndex(slot/e.cfg.Chain.SlotsPerEpoch)]]
}

func (c eth2Chain) CurrentDigest() [4]byte { return c.e.currentDigest(time.Now()) }

// RunRequest is a service's asynchronous call: it returns a request id at
// once and runs work on a node goroutine (panics recovered, the node's stop
// waits for it, ctx ends with the node's operations). The request completes
// with REQUEST_DONE carrying work's code, or with its error.
func (n *Node) RunRequest(name string, work func(ctx context.Context) (code uint64, err error)) (uint64, error) {
	return n.request(name, func(l *loop, req uint64) {
		var code uint64
		l.goOp(req, func(ctx context.Context) error {
			var err error
			code, err = work(ctx)
			return err
		}, func(l *loop, err error) error {
			if err != nil {
				return err
			}
			n.queue.PushReserved(events.Event{Type: events.RequestDone, RequestID: req, Code: code})
			return errCompleteLater
		})
	})
}
