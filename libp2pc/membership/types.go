// Package membership is a direct-messaging transport for a known membership
// (for example the replicas of a BFT consensus protocol), following the design
// of seed 003: one Dispatcher per outgoing peer (a bounded drop-oldest FIFO plus
// a goroutine that (re)connects with backoff and writes in order), one Receiver
// per incoming stream from a member, and a bounded set of TentativeReceivers for
// incoming streams from nodes that are not (yet) members.
//
// The machinery is generic over a Transport; two implementations live in the
// subpackages tcptransport (raw TCP, unauthenticated) and p2ptransport (streams
// on an existing go-libp2p host, authenticated by libp2p).
//
// See README.md in this directory for the policies (queue bounds, drops,
// ordering, event sink contract).
package membership

import (
	"context"
	"errors"
	"io"
	"time"
)

// NodeID identifies a node. For the libp2p transport it is the peer ID string
// (e.g. "12D3KooW..."); for raw TCP it is any non-empty string of at most
// MaxNodeIDLen bytes.
type NodeID string

// MaxNodeIDLen is the longest node id accepted anywhere (membership entries,
// hello frames).
const MaxNodeIDLen = 255

// Member is one entry of the membership: a node id and the address the
// transport uses to reach it (host:port for raw TCP, a multiaddr for libp2p).
type Member struct {
	ID   NodeID
	Addr string
}

// Event is one message received from a node. Payload is freshly allocated for
// every event and owned by whoever receives the event: the module never touches
// it again.
type Event struct {
	From    NodeID
	Payload []byte
}

// Stream is one unidirectional message stream as seen by the module: the
// dispatcher writes to it, the receiver reads from it.
type Stream interface {
	io.Reader
	io.Writer
	// SetWriteDeadline and SetReadDeadline bound a blocked Write or Read
	// (zero time = no deadline).
	SetWriteDeadline(t time.Time) error
	SetReadDeadline(t time.Time) error
	// Close aborts the stream in both directions. It must not block for long
	// and must unblock concurrent Read and Write calls. It may be called more
	// than once.
	Close() error
}

// Transport carries streams between nodes. The module owns the Transport it is
// given: Module.Close calls Transport.Close.
type Transport interface {
	// LocalID is this node's id as the remote side will see it.
	LocalID() NodeID
	// CheckMember validates a membership entry (id syntax, address syntax)
	// without any I/O. It returns an error wrapping ErrInvalidMember.
	CheckMember(m Member) error
	// Start begins accepting incoming streams. accept is called once per
	// incoming stream, with the id of the remote node (authenticated or
	// claimed, depending on the transport), on a goroutine dedicated to that
	// stream; accept may keep that goroutine for the whole life of the stream.
	Start(accept func(from NodeID, s Stream)) error
	// Dial opens an outgoing stream to m. It honours ctx for cancellation and
	// timeout.
	Dial(ctx context.Context, m Member) (Stream, error)
	// Close stops accepting, releases the transport's resources and closes
	// the streams it still tracks. It must not close resources it does not own
	// (the libp2p transport leaves the host running).
	Close() error
}

// Errors returned by the module. Errors carrying details wrap one of these;
// test with errors.Is.
var (
	// ErrMessageTooLarge: a payload passed to Send/Broadcast, or a frame
	// announced on the wire, is larger than Config.MaxMessageSize.
	ErrMessageTooLarge = errors.New("membership: message too large")
	// ErrUnknownPeer: Send to a node that is not in the current membership.
	ErrUnknownPeer = errors.New("membership: node is not a member")
	// ErrSendToSelf: Send to the local node (the local node gets no dispatcher).
	ErrSendToSelf = errors.New("membership: cannot send to the local node")
	// ErrClosed: the module (or transport) has been closed; also returned by
	// a second Close.
	ErrClosed = errors.New("membership: closed")
	// ErrInvalidMember: a membership entry is malformed (empty or too long id,
	// bad address, duplicate id). SetMembership applies nothing in that case.
	ErrInvalidMember = errors.New("membership: invalid member")
	// ErrInvalidConfig: New was given an unusable Config.
	ErrInvalidConfig = errors.New("membership: invalid config")
	// ErrBadHello: a raw TCP connection did not start with a valid hello frame.
	ErrBadHello = errors.New("membership: bad hello frame")
	// ErrBadPreamble: a stream did not start with a valid stream preamble.
	ErrBadPreamble = errors.New("membership: bad stream preamble")
)
