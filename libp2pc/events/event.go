// Package events holds what a node tells its host: the Event record, the
// bounded queue events wait in, and the counters that make every drop
// visible.
//
// Everything a node produces goes through one Queue, in one total order
// (Event.Seq). The queue has two classes of storage with different overflow
// policies (see Queue): gossip messages may be dropped, oldest first; events
// that must not be lost (request completions, peer connect/disconnect,
// listening, stopped) are admitted only against a reservation taken before the
// work that produces them starts, so they always fit.
package events

// Type says what an event reports. The numeric values are part of the C ABI
// (LIBP2PC_EVENT_* in include/libp2pc.h).
type Type uint32

const (
	// Listening: the node listens on Addrs and has identity PeerID.
	Listening Type = 1
	// PeerConnected: the first connection to PeerID opened. Direction is
	// "inbound" or "outbound", Addr the remote address.
	PeerConnected Type = 2
	// PeerDisconnected: the last connection to PeerID closed. No event about
	// PeerID follows it until a new PeerConnected.
	PeerDisconnected Type = 3
	// Message: a gossip message on Topic, forwarded to us by PeerID (our own
	// peer id for messages we published), with message id MsgID.
	Message Type = 4
	// RequestDone: the async call that returned RequestID finished with
	// Status (0 or a negative code) and, on failure, Text.
	RequestDone Type = 5
	// Error: something failed that no request was waiting for (Status, Text).
	Error Type = 6
	// Drops: events were dropped since the last Drops event; the counters in
	// DropCounts are cumulative totals per class.
	Drops Type = 7
	// Stopped: the node stopped. It is the last event of the node.
	Stopped Type = 8
	// TopicPeerJoined: PeerID announced a subscription to Topic.
	TopicPeerJoined Type = 9
	// TopicPeerLeft: PeerID is no longer subscribed to Topic.
	TopicPeerLeft Type = 10
	// MemberMessage: a message of the membership transport from member
	// PeerID (the sender's member id), payload Data. Gossip class.
	MemberMessage Type = 11
	// GossipValidate: a gossip message on an eth2 topic the host validates
	// (two-phase). RequestID is the validation id to answer with
	// Node.ReportValidation; PeerID the propagation source, Topic, MsgID,
	// Data (the decompressed SSZ). Gossip class: a dropped one times out
	// into IGNORE.
	GossipValidate Type = 12
	// ResponseChunk: one response chunk of the outgoing req/resp request
	// RequestID: Protocol, Code (result code 0-3), Context (fork-digest
	// context bytes, if the protocol has them), Data (SSZ payload, or the
	// error message for codes 1-3). The request ends with RequestDone.
	ResponseChunk Type = 13
	// IncomingRequest: PeerID sent a request on Protocol the host serves.
	// RequestID is the id to respond with; Data the SSZ request body.
	IncomingRequest Type = 14
	// PeerStatus: the status handshake with PeerID finished. Data is the
	// peer's Status (SSZ), Protocol the status protocol used; Status is 0,
	// or negative with Text when the handshake failed.
	PeerStatus Type = 15
	// PeerGoodbye: PeerID said goodbye with reason Code.
	PeerGoodbye Type = 16
	// PeerBanned: the peer manager (or the host) banned PeerID: Text is
	// the reason, Code the ban's length in seconds. For a connected peer,
	// its PeerDisconnected follows.
	PeerBanned Type = 17
	// BlockImported (chain): a block and its post-state are on disk. Code
	// is the slot, Data root || parent_root || state_root (96 bytes).
	BlockImported Type = 18
	// BlockInvalid (chain): a block broke a consensus rule. Code is the
	// slot, Data the root (32 bytes), Text the rule.
	BlockInvalid Type = 19
	// HeadChanged (chain): the fork choice head. Code slot, Data root.
	HeadChanged Type = 20
	// Finalized (chain): the finalized checkpoint advanced. Code epoch,
	// Data root.
	Finalized Type = 21
	// SyncProgress (chain): a range sync from PeerID started, finished or
	// failed. Code is the peer's head slot (the sync's target), Text
	// "started <first>..<target>", "finished <n> blocks" or "failed: <why>".
	SyncProgress Type = 22
	// BlockDropped (chain): the pipeline gave a block up without a
	// verdict (its parent could not be obtained, its slot is too far
	// ahead, bounds, shutdown). Code is the slot, Data the root (32
	// bytes), Text the reason. The block may come again and be imported.
	BlockDropped Type = 23
	// DataWaiting (chain, ABI 2.2): a block with blobs waits for its data.
	// Code is the slot, Data the root (32 bytes) then the missing blob or
	// column indices as uint16 little endian.
	DataWaiting Type = 24
	// DataAvailable (chain, ABI 2.2): the data of a block that waited is
	// verified. Code slot, Data root, Text how long it waited.
	DataAvailable Type = 25
	// DataUnavailable (chain, ABI 2.2): a block's data did not come in
	// time (its BlockDropped follows). Code slot, Data root then the
	// missing indices (uint16 LE), Text the reason.
	DataUnavailable Type = 26
	// EngineState (chain, since ABI 2.2): the execution client's health
	// changed. Code is the new state (1 online, 2 syncing, 3 offline,
	// 4 auth_failed), Status 0, or Network with the failure when the
	// change is to offline or auth_failed, Text "from -> to (method)" and
	// the failure.
	EngineState Type = 27
	// BlockExecution (chain, since ABI 2.2): an imported block's execution
	// status changed after its import (an optimistic block's payload, or a
	// descendant's, was found VALID). Code is the slot, Data the root (32
	// bytes), Text the new status ("valid"). An imported block found
	// invalid is a BlockInvalid.
	BlockExecution Type = 28
)

var typeNames = map[Type]string{
	Listening:        "listening",
	PeerConnected:    "peer_connected",
	PeerDisconnected: "peer_disconnected",
	Message:          "message",
	RequestDone:      "request_done",
	Error:            "error",
	Drops:            "drops",
	Stopped:          "stopped",
	TopicPeerJoined:  "topic_peer_joined",
	TopicPeerLeft:    "topic_peer_left",
	MemberMessage:    "member_message",
	GossipValidate:   "gossip_validate",
	ResponseChunk:    "response_chunk",
	IncomingRequest:  "incoming_request",
	PeerStatus:       "peer_status",
	PeerGoodbye:      "peer_goodbye",
	PeerBanned:       "peer_banned",
	BlockImported:    "block_imported",
	BlockInvalid:     "block_invalid",
	HeadChanged:      "head_changed",
	Finalized:        "finalized",
	SyncProgress:     "sync_progress",
	BlockDropped:     "block_dropped",
	DataWaiting:      "data_waiting",
	DataAvailable:    "data_available",
	DataUnavailable:  "data_unavailable",
	EngineState:      "engine_state",
	BlockExecution:   "block_execution",
}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "unknown"
}

// Types lists every event type (the ABI tests compare it with the header).
func Types() []Type {
	out := make([]Type, 0, len(typeNames))
	for t := range typeNames {
		out = append(out, t)
	}
	return out
}

// Event is one thing that happened on a node. Which fields are meaningful
// depends on Type; the others are zero.
type Event struct {
	Type      Type
	Seq       uint64 // assigned by the Queue: 1, 2, 3, ... per node
	RequestID uint64 // RequestDone
	Status    int32  // RequestDone, Error: 0 or a status.Code
	PeerID    string // peer events, Message (forwarding peer), Listening (own id)
	Direction string // PeerConnected: "inbound" or "outbound"
	Addr      string // PeerConnected: remote multiaddr
	Topic     string // Message, TopicPeer*
	MsgID     []byte // Message
	Data      []byte // Message payload
	Text      string // RequestDone (failure), Error, Stopped: readable detail
	Addrs     []string
	Protocol  string // ResponseChunk, IncomingRequest, PeerStatus: req/resp protocol id
	Code      uint64 // ResponseChunk: result code; PeerGoodbye: reason; PeerBanned: seconds
	Context   []byte // ResponseChunk: context bytes (fork digest), if any
	// DropCounts is filled for Drops events when the event leaves the queue.
	DropCounts DropCounts
}

// DropCounts are cumulative per-class drop totals.
type DropCounts struct {
	Gossip uint64 // gossip messages dropped, oldest first, because the gossip queue was full
	Errors uint64 // unsolicited error events dropped because their budget was used up
}
