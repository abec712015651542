package membership

import "sync/atomic"

// Counters is a snapshot of the module's counters. Totals are cumulative since
// New and survive membership changes; Peers holds one entry per current member
// (other than the local node). Fields are read one by one, so a snapshot taken
// during traffic is not an atomic cut across fields.
//
// Outgoing accounting: every payload accepted by Send/Broadcast (counted once
// per destination in Enqueued) ends up in exactly one of Sent, Dropped,
// WriteFailed or Discarded, or is still in a queue (QueueLen) or being written
// (InFlight).
type Counters struct {
	// Outgoing, summed over all peers ever dispatched to.
	Enqueued     uint64 // messages accepted into a dispatcher queue
	Sent         uint64 // messages completely written to a stream
	SentBytes    uint64 // payload bytes of Sent
	Dropped      uint64 // evicted from a full queue (drop-oldest)
	WriteFailed  uint64 // lost because the write of their batch failed
	Discarded    uint64 // still queued when their dispatcher was destroyed
	Reconnects   uint64 // successful connections after the first, per dispatcher
	DialFailures uint64 // failed connection attempts
	SendTooLarge uint64 // Send/Broadcast calls rejected with ErrMessageTooLarge

	// Incoming.
	Received         uint64 // messages delivered to the sink
	ReceivedBytes    uint64 // payload bytes of Received
	OversizedFrames  uint64 // streams closed because a frame announced > MaxMessageSize
	ReceiveDiscarded uint64 // read from a stream after it was closed, replaced or its sender removed
	SinkPanics       uint64 // sink calls that panicked (recovered; the event is lost)
	BadPreambles     uint64 // incoming streams closed for a missing, late or malformed preamble
	StaleStreams     uint64 // incoming streams closed because a newer stream of the same sender was already accepted
	PendingRejected  uint64 // incoming streams closed because MaxPendingStreams were awaiting their preamble

	// Tentative receivers (incoming streams from non-members).
	TentativeCreated   uint64 // tentative receivers created
	TentativeReceived  uint64 // messages read by tentative receivers (put in their buffers)
	TentativeEvictions uint64 // destroyed because MaxTentative was exceeded (least recently created first)
	TentativeDropped   uint64 // buffered messages lost: buffer overflow (drop-oldest), eviction, stream end
	TentativePromoted  uint64 // tentative receivers that became receivers (membership grew)
	TentativeFlushed   uint64 // buffered messages delivered on promotion

	// Gauges (current values).
	Members   int // size of the current membership (including the local node if listed)
	Connected int // dispatchers with an established stream
	Receivers int // live receivers (members)
	Tentative int // live tentative receivers
	Pending   int // incoming streams waiting for their preamble

	Peers map[NodeID]PeerCounters
}

// PeerCounters are the counters of one current member.
type PeerCounters struct {
	Enqueued      uint64
	Sent          uint64
	SentBytes     uint64
	Dropped       uint64
	WriteFailed   uint64
	Reconnects    uint64
	DialFailures  uint64
	Received      uint64
	ReceivedBytes uint64
	QueueLen      int  // messages waiting in the dispatcher queue
	QueueBytes    int  // their payload bytes
	InFlight      int  // messages taken from the queue and being written
	Connected     bool // the dispatcher has an established stream
}

type totals struct {
	enqueued, sent, sentBytes, dropped, writeFailed, discarded   atomic.Uint64
	reconnects, dialFailures, sendTooLarge                       atomic.Uint64
	received, receivedBytes, oversized, rxDiscarded, sinkPanic   atomic.Uint64
	badPreamble, stale, pendingRejected                          atomic.Uint64
	tCreated, tReceived, tEvicted, tDropped, tPromoted, tFlushed atomic.Uint64
}

// peerStats are the per-member counters not kept by the dispatcher queue.
type peerStats struct {
	enqueued, sent, sentBytes, dropped, writeFailed atomic.Uint64
	reconnects, dialFailures                        atomic.Uint64
	received, receivedBytes                         atomic.Uint64
}
