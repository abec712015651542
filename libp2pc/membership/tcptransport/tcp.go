// Package tcptransport is a membership.Transport over raw TCP connections.
//
// One TCP connection carries one direction: the dialer writes, the acceptor
// reads. The dialer first sends a hello frame naming itself:
//
//	"LPCM" | version (1 byte, = 1) | id length (1 byte, 1..255) | id bytes
//
// THE HELLO IS NOT AUTHENTICATED: any process that can reach the listening
// port can claim any node id. Use this transport on trusted networks and in
// tests only; use the libp2p transport (p2ptransport) otherwise.
//
// Bounds: at most MaxPendingHellos accepted connections may be waiting for
// their hello at once (more are closed at once and counted), and a hello must
// arrive within HelloTimeout.
package tcptransport

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/membership"
)

const (
	helloMagic   = "LPCM"
	helloVersion = 1
)

// Config configures a Transport.
type Config struct {
	// ID is the local node id sent in hellos (required, 1..255 bytes).
	ID membership.NodeID
	// ListenAddr is the host:port to listen on. Default "127.0.0.1:0".
	ListenAddr string
	// HelloTimeout bounds the wait for an incoming hello. Default 5s.
	HelloTimeout time.Duration
	// MaxPendingHellos bounds connections waiting for their hello. Default 64.
	MaxPendingHellos int
}

// Stats are the transport's own counters.
type Stats struct {
	Accepted        uint64 // connections that sent a valid hello
	BadHellos       uint64 // connections closed for a missing, late or malformed hello
	PendingRejected uint64 // connections closed because MaxPendingHellos were pending
}

// Transport implements membership.Transport over TCP.
type Transport struct {
	cfg Config
	ln  net.Listener

	mu      sync.Mutex
	closed  bool
	conns   map[net.Conn]struct{} // accepted connections
	pending chan struct{}         // semaphore of pending hellos
	wg      sync.WaitGroup

	accepted, badHellos, pendingRejected atomic.Uint64
}

var _ membership.Transport = (*Transport)(nil)

// New validates cfg and starts listening (connections are accepted once
// Start is called).
func New(cfg Config) (*Transport, error) {
	if cfg.ID == "" || len(cfg.ID) > membership.MaxNodeIDLen {
		return nil, fmt.Errorf("%w: tcp transport: ID length %d (want 1..%d)", membership.ErrInvalidConfig, len(cfg.ID), membership.MaxNodeIDLen)
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = "127.0.0.1:0"
	}
	if cfg.HelloTimeout < 0 || cfg.MaxPendingHellos < 0 {
		return nil, fmt.Errorf("%w: tcp transport: negative limit", membership.ErrInvalidConfig)
	}
	if cfg.HelloTimeout == 0 {
		cfg.HelloTimeout = 5 * time.Second
	}
	if cfg.MaxPendingHellos == 0 {
		cfg.MaxPendingHellos = 64
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return nil, err
	}
	return &Transport{
		cfg:     cfg,
		ln:      ln,
		conns:   make(map[net.Conn]struct{}),
		pending: make(chan struct{}, cfg.MaxPendingHellos),
	}, nil
}

// Addr is the address the transport listens on (host:port), to be used as
// Member.Addr by the other nodes.
func (t *Transport) Addr() string { return t.ln.Addr().String() }

// LocalID implements membership.Transport.
func (t *Transport) LocalID() membership.NodeID { return t.cfg.ID }

// Stats returns the transport's counters.
func (t *Transport) Stats() Stats {
	return Stats{Accepted: t.accepted.Load(), BadHellos: t.badHellos.Load(), PendingRejected: t.pendingRejected.Load()}
}

// CheckMember implements membership.Transport: Addr must be host:port.
func (t *Transport) CheckMember(m membership.Member) error {
	if m.ID == "" || len(m.ID) > membership.MaxNodeIDLen {
		return fmt.Errorf("%w: id length %d", membership.ErrInvalidMember, len(m.ID))
	}
	host, port, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("%w: %q: address %q: %v", membership.ErrInvalidMember, m.ID, m.Addr, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || host == "" {
		return fmt.Errorf("%w: %q: address %q: want host:port with port 1..65535", membership.ErrInvalidMember, m.ID, m.Addr)
	}
	return nil
}

// Start implements membership.Transport.
func (t *Transport) Start(accept func(from membership.NodeID, s membership.Stream)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return membership.ErrClosed
	}
	t.wg.Add(1)
	go t.acceptLoop(accept)
	return nil
}

func (t *Transport) acceptLoop(accept func(membership.NodeID, membership.Stream)) {
	defer t.wg.Done()
	for {
		c, err := t.ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			t.mu.Lock()
			closed := t.closed
			t.mu.Unlock()
			if closed {
				return
			}
			// Transient errors (EMFILE...): back off briefly.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		select {
		case t.pending <- struct{}{}:
		default:
			t.pendingRejected.Add(1)
			c.Close()
			continue
		}
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			<-t.pending
			c.Close()
			return
		}
		t.conns[c] = struct{}{}
		t.wg.Add(1)
		t.mu.Unlock()
		go t.serveConn(c, accept)
	}
}

func (t *Transport) serveConn(c net.Conn, accept func(membership.NodeID, membership.Stream)) {
	defer t.wg.Done()
	defer func() {
		t.mu.Lock()
		delete(t.conns, c)
		t.mu.Unlock()
		c.Close()
	}()
	c.SetReadDeadline(time.Now().Add(t.cfg.HelloTimeout))
	id, err := ReadHello(c)
	<-t.pending
	if err != nil {
		t.badHellos.Add(1)
		return
	}
	c.SetReadDeadline(time.Time{})
	t.accepted.Add(1)
	accept(id, conn{c})
}

// Dial implements membership.Transport: it connects and sends the hello.
func (t *Transport) Dial(ctx context.Context, m membership.Member) (membership.Stream, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetWriteDeadline(dl)
	}
	if _, err := c.Write(EncodeHello(t.cfg.ID)); err != nil {
		c.Close()
		return nil, err
	}
	c.SetWriteDeadline(time.Time{})
	return conn{c}, nil
}

// Close implements membership.Transport: stops listening, closes accepted
// connections and waits for the transport's goroutines (including accept
// callbacks still running: close their streams first).
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return membership.ErrClosed
	}
	t.closed = true
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	err := t.ln.Close()
	t.wg.Wait()
	return err
}

// EncodeHello returns the hello frame for id.
func EncodeHello(id membership.NodeID) []byte {
	b := make([]byte, 0, 6+len(id))
	b = append(b, helloMagic...)
	b = append(b, helloVersion, byte(len(id)))
	return append(b, id...)
}

// ReadHello reads and validates a hello frame; errors wrap
// membership.ErrBadHello (or are I/O errors).
func ReadHello(r io.Reader) (membership.NodeID, error) {
	var hdr [6]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return "", fmt.Errorf("%w: %v", membership.ErrBadHello, err)
	}
	if string(hdr[:4]) != helloMagic {
		return "", fmt.Errorf("%w: bad magic %q", membership.ErrBadHello, hdr[:4])
	}
	if hdr[4] != helloVersion {
		return "", fmt.Errorf("%w: unsupported version %d", membership.ErrBadHello, hdr[4])
	}
	n := int(hdr[5])
	if n == 0 {
		return "", fmt.Errorf("%w: empty node id", membership.ErrBadHello)
	}
	id := make([]byte, n)
	if _, err := io.ReadFull(r, id); err != nil {
		return "", fmt.Errorf("%w: %v", membership.ErrBadHello, err)
	}
	return membership.NodeID(id), nil
}

// conn adapts net.Conn to membership.Stream.
type conn struct{ net.Conn }
