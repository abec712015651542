package node

import (
	"crypto/sha256"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// Config describes a node. Zero values take the defaults below.
type Config struct {
	// ListenAddrs are multiaddrs to listen on, e.g. /ip4/127.0.0.1/tcp/0 and
	// /ip4/127.0.0.1/udp/0/quic-v1. Empty: the node only dials out.
	ListenAddrs []string
	// Key is the node's secp256k1 identity; nil generates an ephemeral one.
	Key crypto.PrivKey
	// MaxPeers bounds connected peers; connections beyond it are closed.
	MaxPeers int
	// Queue sizes the event queue (see events.Capacities).
	Queue events.Capacities
	// MaxMessageSize bounds gossip messages, published and received.
	MaxMessageSize int
	// DialTimeout bounds one Dial request.
	DialTimeout time.Duration
	// StopGrace is how long Stop lets in-flight requests finish before it
	// cancels them (they then complete with status.Stopped).
	StopGrace time.Duration
	// MessageID computes a gossip message id. Messages carry no author or
	// sequence number (StrictNoSign, as Ethereum gossip), so the id is
	// derived from content; the default is the first 20 bytes of
	// SHA-256(topic || 0x00 || data). The Ethereum layer installs the
	// consensus message-id here.
	MessageID func(topic string, data []byte) []byte
	// Sink, when set, receives every event on the node's delivery thread (a
	// goroutine locked to its own OS thread, owned by the library). When nil
	// the node is in poll mode: the host drains events itself with Poll,
	// waiting on EventFD.
	Sink func(*events.Event)
	// BatchSink, when set instead of Sink, receives the events of each
	// drained batch (up to 256) in one call, on the same delivery thread.
	// The C ABI uses it to cross into C once per batch rather than once per
	// event. The slice is reused after the call returns.
	BatchSink func([]events.Event)
}

// Defaults for Config's zero values.
const (
	DefaultMaxPeers       = 64
	DefaultGossipQueue    = 4096
	DefaultControlQueue   = 1024
	DefaultErrorQueue     = 64
	DefaultMaxMessageSize = 10 << 20 // the consensus GOSSIP_MAX_SIZE / MAX_PAYLOAD_SIZE
	DefaultDialTimeout    = 10 * time.Second
	DefaultStopGrace      = 5 * time.Second
	// reservedAtCreate are the control slots every node keeps for its Stop
	// completion and its final Stopped event, so both can always be queued.
	reservedAtCreate = 2
	// minControlQueue leaves room for those plus Start's two events.
	minControlQueue = reservedAtCreate + 2
)

// DefaultMessageID is the content-addressed id used when Config.MessageID
// is nil.
func DefaultMessageID(topic string, data []byte) []byte {
	h := sha256.New()
	h.Write([]byte(topic))
	h.Write([]byte{0})
	h.Write(data)
	return h.Sum(nil)[:20]
}

// withDefaults fills zero values and validates the rest.
func (c Config) withDefaults() (Config, error) {
	if c.MaxPeers == 0 {
		c.MaxPeers = DefaultMaxPeers
	}
	if c.Queue.Gossip == 0 {
		c.Queue.Gossip = DefaultGossipQueue
	}
	if c.Queue.Control == 0 {
		c.Queue.Control = DefaultControlQueue
	}
	if c.Queue.Errors == 0 {
		c.Queue.Errors = DefaultErrorQueue
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.StopGrace == 0 {
		c.StopGrace = DefaultStopGrace
	}
	if c.MessageID == nil {
		c.MessageID = DefaultMessageID
	}
	switch {
	case c.MaxPeers < 0:
		return c, status.Errorf(status.InvalidArgument, "max_peers must be positive")
	case c.Queue.Gossip < 0 || c.Queue.Errors < 0:
		return c, status.Errorf(status.InvalidArgument, "queue capacities must be positive")
	case c.Queue.Control < minControlQueue:
		return c, status.Errorf(status.InvalidArgument, "control queue capacity must be at least %d", minControlQueue)
	case c.MaxMessageSize < 0:
		return c, status.Errorf(status.InvalidArgument, "max message size must be positive")
	}
	for _, a := range c.ListenAddrs {
		if _, err := ma.NewMultiaddr(a); err != nil {
			return c, status.Errorf(status.InvalidArgument, "listen address %q: %w", a, err)
		}
	}
	return c, nil
}
