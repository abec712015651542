package membership_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/libp2pc/libp2pc/libp2pc/membership"
	"github.com/libp2pc/libp2pc/libp2pc/membership/p2ptransport"
	"github.com/libp2pc/libp2pc/libp2pc/membership/tcptransport"
)

// waitLimit bounds every eventual condition in the tests. It is a watchdog,
// not a performance assertion: conditions are normally met in milliseconds.
const waitLimit = 30 * time.Second

// ident is a node identity that can (re)start a transport on a fixed address.
type ident interface {
	ID() membership.NodeID
	// start creates a transport listening on the identity's address (picked
	// on the first start, reused afterwards) and returns it with the
	// member entry other nodes use, and a function releasing what the
	// transport does not own (the libp2p host).
	start(t testing.TB) (tr membership.Transport, self membership.Member, release func())
	// move makes the next start listen on a new port.
	move()
}

// netEnv is one transport under test.
type netEnv struct {
	name     string
	newIdent func(t testing.TB) ident
}

var envs = []netEnv{
	{"tcp", func(t testing.TB) ident { return newTCPIdent() }},
	{"libp2p", func(t testing.TB) ident { return newP2PIdent(t) }},
}

// forEachEnv runs f once per transport, as subtests.
func forEachEnv(t *testing.T, f func(t *testing.T, env netEnv)) {
	for _, env := range envs {
		t.Run(env.name, func(t *testing.T) { f(t, env) })
	}
}

var identSeq atomic.Uint64

// --- raw TCP -----------------------------------------------------------------

type tcpIdent struct {
	id   membership.NodeID
	addr string
}

func newTCPIdent() *tcpIdent {
	return &tcpIdent{id: membership.NodeID(fmt.Sprintf("node-%d", identSeq.Add(1))), addr: "127.0.0.1:0"}
}

func (i *tcpIdent) ID() membership.NodeID { return i.id }

func (i *tcpIdent) move() { i.addr = "127.0.0.1:0" }

func (i *tcpIdent) start(t testing.TB) (membership.Transport, membership.Member, func()) {
	var tr *tcptransport.Transport
	retry(t, "tcp listen "+i.addr, func() (err error) {
		tr, err = tcptransport.New(tcptransport.Config{ID: i.id, ListenAddr: i.addr})
		return err
	})
	i.addr = tr.Addr()
	return tr, membership.Member{ID: i.id, Addr: i.addr}, func() {}
}

// --- libp2p ------------------------------------------------------------------

type p2pIdent struct {
	priv crypto.PrivKey
	id   peer.ID
	addr string
}

func newP2PIdent(t testing.TB) *p2pIdent {
	priv, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return &p2pIdent{priv: priv, id: id, addr: "/ip4/127.0.0.1/tcp/0"}
}

func (i *p2pIdent) ID() membership.NodeID { return membership.NodeID(i.id.String()) }

func (i *p2pIdent) move() { i.addr = "/ip4/127.0.0.1/tcp/0" }

func newHost(t testing.TB, priv crypto.PrivKey, addr string) host.Host {
	var h host.Host
	retry(t, "libp2p listen "+addr, func() (err error) {
		h, err = libp2p.New(
			libp2p.Identity(priv),
			libp2p.ListenAddrStrings(addr),
			libp2p.Transport(tcp.NewTCPTransport),
			libp2p.DisableRelay(),
			libp2p.DisableMetrics(),
			libp2p.ResourceManager(&network.NullResourceManager{}),
		)
		return err
	})
	return h
}

func (i *p2pIdent) start(t testing.TB) (membership.Transport, membership.Member, func()) {
	h := newHost(t, i.priv, i.addr)
	var addr ma.Multiaddr
	for _, a := range h.Network().ListenAddresses() {
		if strings.HasPrefix(a.String(), "/ip4/127.0.0.1/tcp/") {
			addr = a
		}
	}
	if addr == nil {
		h.Close()
		t.Fatalf("no 127.0.0.1 listen address in %v", h.Network().ListenAddresses())
	}
	i.addr = addr.String()
	tr, err := p2ptransport.New(h, "")
	if err != nil {
		t.Fatal(err)
	}
	return tr, p2ptransport.MemberOf(h.ID(), addr), func() { h.Close() }
}

// retry runs f until it succeeds, for at most waitLimit (a port may still be
// held briefly after a restart).
func retry(t testing.TB, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// --- nodes -------------------------------------------------------------------

// node is a running module on an identity.
type node struct {
	t       testing.TB
	ident   ident
	cfg     membership.Config
	rec     *recorder
	mod     *membership.Module
	closed  *membership.Module // the last module closed by kill
	self    membership.Member
	release func()
}

// startNode starts a module on id; cfg.Sink defaults to rec.sink.
func startNode(t testing.TB, id ident, cfg membership.Config, rec *recorder) *node {
	n := &node{t: t, ident: id, cfg: cfg, rec: rec}
	n.start()
	t.Cleanup(func() { n.kill() })
	return n
}

func (n *node) start() {
	tr, self, release := n.ident.start(n.t)
	cfg := n.cfg
	cfg.Transport = tr
	if cfg.Sink == nil {
		cfg.Sink = n.rec.sink
	}
	mod, err := membership.New(cfg)
	if err != nil {
		release()
		n.t.Fatal(err)
	}
	n.mod, n.self, n.release = mod, self, release
}

// kill closes the module and its host (as a crash would, from the network's
// point of view). Idempotent.
func (n *node) kill() {
	if n.mod == nil {
		return
	}
	mod, release := n.mod, n.release
	n.mod, n.closed = nil, mod
	noBlock(n.t, "Close", func() { mod.Close() })
	release()
}

func (n *node) id() membership.NodeID { return n.ident.ID() }

func members(nodes ...*node) []membership.Member {
	out := make([]membership.Member, len(nodes))
	for i, n := range nodes {
		out[i] = n.self
	}
	return out
}

// --- events ------------------------------------------------------------------

// payload builds a test message: 8-byte sequence number, then filler up to size.
func payload(seq uint64, size int) []byte {
	if size < 8 {
		size = 8
	}
	p := make([]byte, size)
	binary.BigEndian.PutUint64(p, seq)
	return p
}

func seqOf(p []byte) uint64 { return binary.BigEndian.Uint64(p) }

// recorder is a sink that stores sequence numbers per sender and checks that
// each sender's sequence numbers strictly increase.
type recorder struct {
	mu     sync.Mutex
	seqs   map[membership.NodeID][]uint64
	errors []string
	calls  map[membership.NodeID]*atomic.Int32 // concurrent calls per sender
}

func newRecorder() *recorder {
	return &recorder{seqs: map[membership.NodeID][]uint64{}, calls: map[membership.NodeID]*atomic.Int32{}}
}

func (r *recorder) sink(e membership.Event) {
	r.mu.Lock()
	c := r.calls[e.From]
	if c == nil {
		c = new(atomic.Int32)
		r.calls[e.From] = c
	}
	r.mu.Unlock()
	if c.Add(1) != 1 {
		r.fail("concurrent sink calls for sender %s", e.From)
	}
	defer c.Add(-1)
	if len(e.Payload) < 8 {
		r.fail("short payload from %s: %d bytes", e.From, len(e.Payload))
		return
	}
	s := seqOf(e.Payload)
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.seqs[e.From]
	if len(l) > 0 && s <= l[len(l)-1] {
		r.errors = append(r.errors, fmt.Sprintf("out of order from %s: %d after %d", e.From, s, l[len(l)-1]))
	}
	r.seqs[e.From] = append(l, s)
}

func (r *recorder) fail(f string, args ...any) {
	r.mu.Lock()
	r.errors = append(r.errors, fmt.Sprintf(f, args...))
	r.mu.Unlock()
}

func (r *recorder) got(from membership.NodeID) []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint64(nil), r.seqs[from]...)
}

func (r *recorder) count(from membership.NodeID) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seqs[from])
}

func (r *recorder) last(from membership.NodeID) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.seqs[from]
	if len(l) == 0 {
		return 0
	}
	return l[len(l)-1]
}

func (r *recorder) check(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range r.errors {
		if i == 10 {
			t.Errorf("... %d more", len(r.errors)-10)
			break
		}
		t.Error(e)
	}
}

// --- waiting -----------------------------------------------------------------

// eventually polls cond until it holds; failing after waitLimit.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// eventuallyf is eventually with a failure message computed at the deadline.
func eventuallyf(t testing.TB, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// noBlock runs f and fails the test if it has not returned after waitLimit:
// a call that waited for the network (or for a peer that never reads) would
// never return in the scenarios where this is used, so the watchdog turns a
// deadlock into a failure with a goroutine dump.
func noBlock(t testing.TB, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(waitLimit):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%s blocked for %v (deadlock?)\n%s", what, waitLimit, buf)
	}
}

// rawSender opens a stream to target with a transport that has no module, to
// act as a non-member (or a misbehaving peer) writing raw frames.
type rawSender struct {
	tr      membership.Transport
	s       membership.Stream
	release func()
	boot    uint64
}

var rawStreamSeq atomic.Uint64

// dialStream opens another stream to target and writes its preamble with
// the given epoch sequence number (0: the next one).
func (r *rawSender) dialStream(t testing.TB, target membership.Member, seq uint64) membership.Stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	s, err := r.tr.Dial(ctx, target)
	if err != nil {
		t.Fatalf("raw dial: %v", err)
	}
	if seq == 0 {
		seq = rawStreamSeq.Add(1)
	}
	if _, err := s.Write(membership.EncodePreamble(r.boot, seq)); err != nil {
		t.Fatalf("raw preamble: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dialRaw(t testing.TB, env netEnv, target membership.Member) *rawSender {
	id := env.newIdent(t)
	tr, _, release := id.start(t)
	r := &rawSender{tr: tr, release: release, boot: uint64(time.Now().UnixNano())}
	t.Cleanup(r.close)
	r.s = r.dialStream(t, target, 0)
	return r
}

func (r *rawSender) id() membership.NodeID { return r.tr.LocalID() }

func (r *rawSender) send(t testing.TB, seq uint64, size int) {
	t.Helper()
	if _, err := r.s.Write(membership.EncodeFrame(payload(seq, size))); err != nil {
		t.Fatalf("raw write: %v", err)
	}
}

// closedByRemote reports whether the remote closed the stream (a Read
// returns an error; the receiving side never writes).
func (r *rawSender) waitClosedByRemote(t testing.TB) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		var b [1]byte
		_, err := r.s.Read(b[:])
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("read returned data on a receive-only stream")
		}
	case <-time.After(waitLimit):
		t.Fatal("stream was not closed by the remote")
	}
}

func (r *rawSender) close() {
	if r.tr == nil {
		return
	}
	r.s.Close()
	r.tr.Close()
	r.release()
	r.tr = nil
}
