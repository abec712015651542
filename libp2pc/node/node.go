// Package node is one libp2pc node: a go-libp2p host with gossipsub, driven
// by a single event loop that owns all network state (seed 001: the network
// is one state machine).
//
// Host calls (Dial, Subscribe, Publish, ...) validate their arguments, take a
// reservation in the event queue for their completion, hand the work to the
// loop and return a request id at once: they never wait on the network, on
// the loop or on the host's own callback. Network activity (connections,
// topic membership) reaches the loop as messages; the loop updates its state
// and pushes events. The hot gossip path bypasses the loop: publishes go
// straight to the topic's publish worker (publish.go), and received messages
// and validation requests are queued under the admission lock
// (admission.go), which orders them against their peer's PeerConnected and
// PeerDisconnected. Every event is stamped by the queue, so events leave in
// one total order (events.Event.Seq).
//
// Peers: every connection is counted per peer. The first connection of an
// admitted peer produces PeerConnected, the last one closing produces
// PeerDisconnected; a second, simultaneous connection to the same peer is the
// same logical peer. Gossip and topic events from a peer that is not admitted
// (never was, or already reported disconnected) are not delivered.
package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/identity"
	"github.com/libp2pc/libp2pc/libp2pc/logs"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// State is a node's lifecycle position.
type State int32

const (
	StateNew      State = iota // created, not started
	StateStarting              // Start called, host being built
	StateRunning               // host up, loop running
	StateStopping              // Stop called, draining
	StateStopped               // Stopped event queued; nothing more happens
)

func (s State) String() string {
	return [...]string{"new", "starting", "running", "stopping", "stopped"}[s]
}

// Counters are the node's own counters (the queue's are in events.Stats).
type Counters struct {
	MessagesReceived   uint64 // gossip messages handed to the queue
	MessagesPublished  uint64 // successful Publish requests
	StaleGossip        uint64 // gossip from a peer not (or no longer) connected: not delivered
	PeersRefusedLimit  uint64 // connections closed because MaxPeers was reached
	PeersRefusedQueue  uint64 // connections closed because no connect/disconnect slots were free
	CallsRefusedBusy   uint64 // calls refused with QueueFull
	RecoveredPanics    uint64 // panics caught inside the node's own goroutines
	ConnectedPeers     uint64 // admitted peers, as the loop sees them
	DuplicateConnsSeen uint64 // connections to a peer that already had one
	SubscriptionDrops  uint64 // messages gossipsub could not hand to our subscription (buffer full)
	OutboundRPCDrops   uint64 // RPCs gossipsub dropped because a peer's outbound queue was full
	// Fire-and-forget publishes (Eth2PublishNoWait): refused because the
	// topic's worker queue was full, and queued but failed later.
	PublishNoWaitDropped uint64
	PublishNoWaitFailed  uint64
}

// Node is one libp2pc node. All methods are safe for concurrent use and
// none blocks on the network or on event delivery.
type Node struct {
	cfg   Config
	key   crypto.PrivKey
	self  peer.ID
	queue *events.Queue

	state     atomic.Int32
	nextReqID atomic.Uint64
	destroyed atomic.Bool

	// calls carries host calls to the loop; sends never block (a full inbox
	// fails the call with QueueFull). netIn carries network notifications;
	// its senders may wait briefly for the loop, which never waits itself.
	calls    chan func(*loop)
	netIn    chan func(*loop)
	stopIn   chan func(*loop) // Stop and Destroy: room for both, so never full
	loopDone chan struct{}

	// ops tracks in-flight request goroutines so Stop can drain them.
	opsMu sync.Mutex
	ops   sync.WaitGroup
	// lifeCtx is the node's context: every goroutine's context derives from
	// it (opsCtx for host calls, the gossipsub router, topic readers,
	// discovery, the chain and its pipeline, req/resp, membership). Each is
	// still canceled in the stop order; lifeCtx ends after the last of
	// them (loop.finish), or at Destroy of a node never started.
	lifeCtx   context.Context
	endLife   context.CancelFunc
	opsCtx    context.Context
	cancelOps context.CancelFunc

	hostRef    atomic.Pointer[host.Host]   // set while running, for Go users (Host)
	membership atomic.Pointer[memberState] // set by StartMembership
	services   serviceSet                  // started by StartServices (service.go)
	da         atomic.Pointer[daGossip]    // set by StartDAGossip (da_gossip.go)
	rr         reqrespState                // eth2 req/resp (reqresp.go)
	eth2       *eth2State                  // set by ConfigureEth2 before Start; nil otherwise
	disc       *discState                  // set by ConfigureDiscovery before Start; nil otherwise
	view       peerView
	publishers sync.Map // topic -> *publisher, while the topic is joined (publish.go)
	admission  admission
	mesh       meshView // gossipsub mesh per topic, from the tracer (metrics.go)
	delivery   deliveryState
	fd         *readinessPipe

	counters struct {
		received, published, stale, refusedLimit, refusedQueue, busy, panics, dup atomic.Uint64
		subDrops, rpcDrops                                                        atomic.Uint64
		publishDropped, publishFailed                                             atomic.Uint64
	}
}

// New creates a node (no sockets are opened until Start). In callback mode
// (cfg.Sink set) the delivery thread starts here.
func New(cfg Config) (*Node, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.Key == nil {
		if cfg.Key, err = identity.Generate(); err != nil {
			return nil, err
		}
	}
	if cfg.Key.Type() != crypto.Secp256k1 {
		return nil, status.Errorf(status.InvalidArgument, "identity key must be secp256k1")
	}
	self, err := peer.IDFromPrivateKey(cfg.Key)
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "identity key: %w", err)
	}
	n := &Node{
		cfg:      cfg,
		key:      cfg.Key,
		self:     self,
		queue:    events.NewQueue(cfg.Queue),
		calls:    make(chan func(*loop), 1024),
		netIn:    make(chan func(*loop), 1024),
		stopIn:   make(chan func(*loop), 2),
		loopDone: make(chan struct{}),
	}
	n.lifeCtx, n.endLife = context.WithCancel(context.Background())
	n.opsCtx, n.cancelOps = context.WithCancel(n.lifeCtx)
	n.queue.Reserve(reservedAtCreate)
	n.view.peers = map[string]PeerInfo{}
	if cfg.Sink != nil || cfg.BatchSink != nil {
		n.startDelivery()
	} else {
		if n.fd, err = newReadinessPipe(); err != nil {
			return nil, err
		}
		n.queue.SetReadinessHooks(n.fd.signal, n.fd.clear)
	}
	return n, nil
}

// Host returns the node's go-libp2p host while it runs (nil before Start
// completes), for Go code that adds its own protocols on the same host (the
// membership transport does). Connection state must still be read from
// events: the host's own view runs ahead of the loop's.
func (n *Node) Host() host.Host {
	if h := n.hostRef.Load(); h != nil {
		return *h
	}
	return nil
}

// ID is the node's peer id.
func (n *Node) ID() peer.ID { return n.self }

// State is the node's lifecycle state.
func (n *Node) State() State { return State(n.state.Load()) }

// Counters returns a snapshot of the node's counters.
func (n *Node) Counters() Counters {
	return Counters{
		MessagesReceived:   n.counters.received.Load(),
		MessagesPublished:  n.counters.published.Load(),
		StaleGossip:        n.counters.stale.Load(),
		PeersRefusedLimit:  n.counters.refusedLimit.Load(),
		PeersRefusedQueue:  n.counters.refusedQueue.Load(),
		CallsRefusedBusy:   n.counters.busy.Load(),
		RecoveredPanics:    n.counters.panics.Load(),
		ConnectedPeers:     uint64(n.view.connectedInLoop.Load()),
		DuplicateConnsSeen: n.counters.dup.Load(),
		SubscriptionDrops:  n.counters.subDrops.Load(),
		OutboundRPCDrops:   n.counters.rpcDrops.Load(),

		PublishNoWaitDropped: n.counters.publishDropped.Load(),
		PublishNoWaitFailed:  n.counters.publishFailed.Load(),
	}
}

// QueueStats returns the event queue's counters.
func (n *Node) QueueStats() events.Stats { return n.queue.Stats() }

// Start builds the host and starts listening, asynchronously: the returned
// request completes with a RequestDone event, preceded by Listening on
// success. On failure the node stops (Stopped follows).
func (n *Node) Start() (uint64, error) {
	if n.destroyed.Load() {
		return 0, status.Errorf(status.BadHandle, "node destroyed")
	}
	if !n.queue.Reserve(2) { // RequestDone + Listening
		n.counters.busy.Add(1)
		return 0, status.Errorf(status.QueueFull, "event queue full: cannot start")
	}
	if s, ok := n.setState(StateStarting, StateNew); !ok {
		n.queue.Unreserve(2)
		return 0, status.Errorf(status.BadState, "start: node is %s, not new", s)
	}
	id := n.nextReqID.Add(1)
	go n.run(id)
	return id, nil
}

// run builds the host and then runs the loop until the node stops.
func (n *Node) run(startReq uint64) {
	l := &loop{n: n, peers: map[peer.ID]*peerState{}, topics: map[string]*topicState{}, pubsubPeers: map[peer.ID]bool{}}
	err := l.startHost()
	if err == nil {
		err = l.discStart() // needs the host's bound ports
	}
	if err != nil {
		log.Error("node start failed", "peer_id", n.self.String(), "err", err)
		n.queue.Unreserve(1) // no Listening event
		l.complete(startReq, err)
		l.beginStop()
	} else {
		n.hostRef.Store(&l.host)
		n.startReqResp(l.host)
		// A Stop that raced with Start has already moved the state on; its
		// request waits in stopIn and the loop handles it next.
		n.setState(StateRunning, StateStarting)
		l.emitReserved(events.Event{Type: events.Listening, PeerID: n.self.String(), Addrs: append(l.listenAddrs(), l.enrAddrs()...)})
		l.eth2Start()
		log.Info("node started", "peer_id", n.self.String(), "addrs", l.listenAddrs())
		l.complete(startReq, nil)
	}
	l.run()
}

// Stop stops the node gracefully and asynchronously: new calls are refused,
// in-flight requests get StopGrace to finish (then are cancelled), every
// connected peer gets its PeerDisconnected, the request completes, and
// Stopped is the last event. Calling Stop twice is an error.
func (n *Node) Stop() (uint64, error) {
	if n.destroyed.Load() {
		return 0, status.Errorf(status.BadHandle, "node destroyed")
	}
	if s, ok := n.setState(StateStopping, StateStarting, StateRunning); !ok {
		return 0, status.Errorf(status.BadState, "stop: node is %s", s)
	}
	id := n.nextReqID.Add(1)
	// The completion uses a slot reserved at creation; the send cannot fail
	// for lack of room because Stop is accepted at most once per node.
	n.stopIn <- func(l *loop) { l.stopReqs = append(l.stopReqs, id); l.beginStop() }
	return id, nil
}

// Destroy releases the node. A running node is stopped first (its Stopped
// event is still delivered, and is the last callback). Destroy never waits:
// in callback mode the host must keep its user data alive until Stopped
// arrives (or, for a node never started, until Destroy returns).
func (n *Node) Destroy() error {
	if !n.destroyed.CompareAndSwap(false, true) {
		return status.Errorf(status.BadHandle, "node already destroyed")
	}
	if _, ok := n.setState(StateStopped, StateNew); ok {
		n.queue.Close()
		n.endLife()
	} else if _, ok := n.setState(StateStopping, StateStarting, StateRunning); ok {
		n.queue.Unreserve(1) // no stop request will complete
		n.stopIn <- func(l *loop) { l.beginStop() }
	}
	n.closeFD()
	return nil
}

// request accepts a host call: it checks the node is running, reserves the
// call's completion event, and hands f to the loop without blocking. All of
// it happens under opsMu, which Stop also takes to change the state, so a
// call is either refused or in the loop's inbox before stopping begins (and
// the loop's finish step drains the inbox): no accepted call loses its
// completion.
func (n *Node) request(what string, f func(l *loop, req uint64)) (uint64, error) {
	n.opsMu.Lock()
	defer n.opsMu.Unlock()
	if n.destroyed.Load() {
		return 0, status.Errorf(status.BadHandle, "node destroyed")
	}
	switch s := n.State(); s {
	case StateRunning:
	case StateStarting:
		// The contract (header, "Lifecycle"): the host waits for start's
		// completion; calls made earlier are refused, not queued.
		return 0, status.Errorf(status.BadState, "%s: node is starting, not running yet (wait for the start request's REQUEST_DONE)", what)
	default:
		return 0, status.Errorf(status.BadState, "%s: node is %s, not running", what, s)
	}
	if !n.queue.Reserve(1) {
		n.counters.busy.Add(1)
		return 0, status.Errorf(status.QueueFull, "%s: event queue full; drain events and retry", what)
	}
	req := n.nextReqID.Add(1)
	select {
	case n.calls <- func(l *loop) { f(l, req) }:
		return req, nil
	default:
		n.queue.Unreserve(1)
		n.counters.busy.Add(1)
		return 0, status.Errorf(status.QueueFull, "%s: node busy; retry", what)
	}
}

// setState moves the lifecycle from one of from to to, under opsMu (see
// request). It returns the state it found and whether it moved.
func (n *Node) setState(to State, from ...State) (State, bool) {
	n.opsMu.Lock()
	defer n.opsMu.Unlock()
	s := n.State()
	for _, f := range from {
		if s == f {
			n.state.Store(int32(to))
			return s, true
		}
	}
	return s, false
}

// beginOp registers an in-flight request goroutine; false once stopping.
func (n *Node) beginOp() bool {
	n.opsMu.Lock()
	defer n.opsMu.Unlock()
	if n.State() != StateRunning {
		return false
	}
	n.ops.Add(1)
	return true
}

// toLoop delivers a network-side notification to the loop. It waits only
// for the loop (which never blocks) and gives up once the loop has ended.
func (n *Node) toLoop(f func(*loop)) {
	select {
	case n.netIn <- f:
	case <-n.loopDone:
	}
}

// Drain hands up to max queued events to the caller (poll mode, or the
// delivery thread), updating the peer view the host sees. done reports that
// the node stopped and nothing will follow.
func (n *Node) drain(dst []events.Event, max int, wait bool) ([]events.Event, bool) {
	var done bool
	if wait {
		dst, done = n.queue.WaitDrain(dst, max)
	} else {
		dst, done = n.queue.Drain(dst, max)
	}
	if len(dst) > 0 {
		n.idBarrier()
	}
	for i := range dst {
		n.view.observe(&dst[i])
		n.reqrespDrained(&dst[i])
	}
	return dst, done
}

// log is the node package's logger (records reach the host's log callback).
var log = logs.L("node")

func (n *Node) recovered(where string, r any) {
	n.counters.panics.Add(1)
	log.Error("recovered panic", "where", where, "panic", fmt.Sprint(r))
	n.queue.PushError(events.Event{Type: events.Error, Status: int32(status.Internal),
		Text: "internal error in " + where + ": " + fmt.Sprint(r)})
}

// peerState is the loop's record of one peer.
type peerState struct {
	conns     map[network.Conn]struct{}
	admitted  bool
	direction string
	addr      string
	// disconnectReqs complete right after this peer's PeerDisconnected.
	disconnectReqs []uint64
	// pubsubReady: gossipsub has added the peer (it can send to it).
	// pendingJoins holds the peer's topic joins seen before that.
	pubsubReady  bool
	pendingJoins []string
}

// errCompleteLater tells goOp that the request completes later, from
// another loop step (see Disconnect).
var errCompleteLater = errors.New("completes later")

// topicState is the loop's record of one subscribed topic.
type topicState struct {
	joined  bool // false while Subscribe is in progress
	leaving bool
	topic   *pubsub.Topic
	sub     *pubsub.Subscription
	events  *pubsub.TopicEventHandler
	cancel  context.CancelFunc
	// pub is the topic's publish worker (publish.go); nil until joined.
	pub *publisher
}

// loop is the state owned by the node's event loop goroutine. Nothing
// outside that goroutine reads or writes it.
type loop struct {
	n        *Node
	host     host.Host
	ps       *pubsub.PubSub
	psCancel context.CancelFunc
	peers    map[peer.ID]*peerState
	topics   map[string]*topicState
	admitted int
	stopping bool
	finished bool
	stopReqs []uint64
	readers  sync.WaitGroup // subscription reader goroutines
	// pubsubPeers are peers gossipsub has added, possibly before the loop
	// admitted them (the two notifications race).
	pubsubPeers map[peer.ID]bool
	e2          *eth2Loop // eth2 subscriptions (eth2gossip.go); nil without eth2
}

func (l *loop) run() {
	defer close(l.n.loopDone)
	for !l.finished {
		select {
		case f := <-l.n.calls:
			l.safely(f)
		case f := <-l.n.netIn:
			l.safely(f)
		case f := <-l.n.stopIn:
			l.safely(f)
		}
	}
}

// safely runs f, turning a panic into an Error event: a bug in one handler
// must not take the host process down.
func (l *loop) safely(f func(*loop)) {
	defer func() {
		if r := recover(); r != nil {
			l.n.recovered("event loop", r)
		}
	}()
	f(l)
}

func (l *loop) emitReserved(e events.Event) { l.n.queue.PushReserved(e) }

func (l *loop) complete(req uint64, err error) { l.n.completeRequest(req, err) }

// completeRequest pushes req's RequestDone into its reserved slot. Callable
// from any goroutine: the queue stamps the one total order.
func (n *Node) completeRequest(req uint64, err error) {
	e := events.Event{Type: events.RequestDone, RequestID: req}
	if err != nil {
		e.Status = int32(status.CodeOf(err))
		e.Text = err.Error()
	}
	n.queue.PushReserved(e)
}

// goOp runs work in its own goroutine as request req, then, back on the
// loop, lets after (if set) update the loop's state and decide the final
// result, and completes the request with it. req 0 is an internal
// operation: nothing is completed.
func (l *loop) goOp(req uint64, work func(ctx context.Context) error, after func(*loop, error) error) {
	if !l.n.beginOp() {
		var err error = status.Errorf(status.Stopped, "node is stopping")
		if after != nil {
			err = after(l, err)
		}
		if req != 0 {
			l.complete(req, err)
		}
		return
	}
	go func() {
		defer l.n.ops.Done()
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = status.Errorf(status.Internal, "internal error: %s", fmt.Sprint(r))
				}
			}()
			err = work(l.n.opsCtx)
		}()
		l.n.toLoop(func(l *loop) {
			if after != nil {
				err = after(l, err)
			}
			if err != errCompleteLater && req != 0 {
				l.complete(req, err)
			}
		})
	}()
}

// Time after which the stopper stops waiting for libp2p to close.
const closeTimeout = 10 * time.Second
