//! Owned events: every `libp2pc_event` the library delivers is copied into
//! an [`Event`] before the callback returns, so nothing borrowed escapes.
use crate::{sys, Error, ErrorCode, Result};
use std::ffi::{c_char, CStr};

/// Id of an asynchronous request; its [`Event::RequestDone`] carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// Id of a gossip message waiting for the host's verdict
/// ([`Event::GossipValidate`], answered with `Node::report_validation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValidationId(pub u64);

/// Id of a request a peer sent ([`Event::IncomingRequest`], answered with
/// `Node::respond_chunk` / `respond_end` / `respond_error`); a number space
/// of its own, separate from [`RequestId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncomingId(pub u64);

/// A block root (or any 32-byte SSZ root).
pub type Root = [u8; 32];

/// Every field of a `libp2pc_event`, copied: what [`Event::Other`] keeps of
/// an event kind this binding does not know (one a newer library added), so
/// a host can still read it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawEvent {
    pub type_: u32,
    pub status: i32,
    pub seq: u64,
    pub request_id: u64,
    pub peer_id: String,
    pub direction: String,
    pub addr: String,
    pub topic: String,
    pub msg_id: Vec<u8>,
    pub data: Vec<u8>,
    pub text: String,
    pub addrs: Vec<String>,
    pub dropped_gossip: u64,
    pub dropped_errors: u64,
    pub protocol: String,
    pub code: u64,
    pub context: Vec<u8>,
}

/// An event, copied out of the library's borrowed `libp2pc_event`: owned by
/// Rust, valid as long as you keep it. `#[non_exhaustive]`: later ABI minor
/// versions add kinds, which this version of the crate delivers as
/// [`Event::Other`] with every raw field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The node listens on `addrs` (append `/p2p/<peer_id>` to dial one).
    /// With discovery, the last element is the node's ENR ("enr:-...").
    Listening { seq: u64, peer_id: String, addrs: Vec<String> },
    /// First connection to a peer opened. `direction`: "inbound"/"outbound".
    PeerConnected { seq: u64, peer_id: String, direction: String, addr: String },
    /// Last connection to a peer closed.
    PeerDisconnected { seq: u64, peer_id: String, reason: String },
    /// A gossip message; `from` is the peer that forwarded it to us. On eth2
    /// topics `data` is the decompressed SSZ and `topic` the full topic.
    Message { seq: u64, topic: String, from: String, msg_id: Vec<u8>, data: Vec<u8> },
    /// A request finished. `chunks`: for `Node::request`, the number of
    /// [`Event::ResponseChunk`]s delivered for it (0 for other calls).
    RequestDone { seq: u64, request_id: RequestId, result: Result<()>, chunks: u64 },
    /// Something failed that no request waits for.
    Error { seq: u64, error: Error },
    /// Events were dropped (cumulative totals).
    Drops { seq: u64, dropped_gossip: u64, dropped_errors: u64 },
    /// The node stopped; its last event.
    Stopped { seq: u64, summary: String },
    /// A peer subscribed to a topic.
    TopicPeerJoined { seq: u64, topic: String, peer_id: String },
    /// A peer unsubscribed from a topic.
    TopicPeerLeft { seq: u64, topic: String, peer_id: String },
    /// A membership transport message from member `from`.
    MemberMessage { seq: u64, from: String, data: Vec<u8> },
    /// (eth2) A gossip message the host validates: answer with
    /// `Node::report_validation(validation_id, ...)` before the deadline.
    GossipValidate {
        seq: u64,
        validation_id: ValidationId,
        from: String,
        topic: String,
        msg_id: Vec<u8>,
        data: Vec<u8>,
    },
    /// (req/resp) One response chunk of an outgoing request. `code`: result
    /// code (0 success: `data` is SSZ; 1-3 and 128+: `data` is the error
    /// message); `context`: the fork digest, for protocols with context bytes.
    ResponseChunk { seq: u64, request_id: RequestId, protocol: String, code: u64, context: Vec<u8>, data: Vec<u8> },
    /// (req/resp) A peer's request on a protocol the host serves.
    IncomingRequest { seq: u64, incoming_id: IncomingId, peer_id: String, protocol: String, data: Vec<u8> },
    /// (req/resp) The status handshake with a peer finished: `status` is
    /// its Status (SSZ) on success.
    PeerStatus { seq: u64, peer_id: String, protocol: String, result: Result<()>, status: Vec<u8> },
    /// (req/resp) A peer said goodbye.
    PeerGoodbye { seq: u64, peer_id: String, reason: u64 },
    /// (discovery) A peer was banned for `seconds`.
    PeerBanned { seq: u64, peer_id: String, reason: String, seconds: u64 },
    /// (chain) A block and its post-state are stored.
    BlockImported { seq: u64, slot: u64, root: Root, parent_root: Root, state_root: Root },
    /// (chain) A block broke a consensus rule (`reason`).
    BlockInvalid { seq: u64, slot: u64, root: Root, reason: String },
    /// (chain) The fork choice head changed.
    HeadChanged { seq: u64, slot: u64, root: Root },
    /// (chain) The finalized checkpoint advanced.
    Finalized { seq: u64, epoch: u64, root: Root },
    /// (chain) A range sync or checkpoint sync step. `peer_id`: the peer
    /// synced from (or the checkpoint source); `target_slot`: its head.
    SyncProgress { seq: u64, peer_id: String, target_slot: u64, text: String },
    /// (chain) The pipeline gave a block up without a verdict (`reason`).
    BlockDropped { seq: u64, slot: u64, root: Root, reason: String },
    /// (chain) A block with blobs waits for its data: the missing blob
    /// (deneb, electra) or column (fulu) indices.
    DataWaiting { seq: u64, slot: u64, root: Root, missing: Vec<u16> },
    /// (chain) The data of a block that waited is available; `text`: how
    /// long it waited. Its import follows.
    DataAvailable { seq: u64, slot: u64, root: Root, text: String },
    /// (chain) The data of a block did not come in time: the still missing
    /// indices and the reason. Its BlockDropped follows.
    DataUnavailable { seq: u64, slot: u64, root: Root, missing: Vec<u16>, reason: String },
    /// (chain) The execution client's health changed: `state` 1 online,
    /// 2 syncing, 3 offline, 4 auth_failed; `result` the failure for
    /// offline and auth_failed; `text` "<from> -> <to> (<method>)".
    EngineState { seq: u64, state: u64, result: Result<()>, text: String },
    /// (chain) An imported block's execution status changed (`status`,
    /// e.g. "valid": an optimistic block confirmed).
    BlockExecution { seq: u64, slot: u64, root: Root, status: String },
    /// An event kind this binding does not know (a newer library), with
    /// every field of the C event.
    Other(RawEvent),
}

/// Copies a borrowed NUL-terminated string ("" for NULL).
pub(crate) unsafe fn opt_str(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Copies `len` borrowed bytes (empty for NULL).
pub(crate) unsafe fn bytes(p: *const u8, len: usize) -> Vec<u8> {
    if p.is_null() || len == 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(p, len).to_vec()
    }
}

/// The 32 bytes at `off` of `data`, zeros when it is shorter (the library
/// always sends full roots; this only keeps a malformed event from panicking
/// on the delivery thread).
fn root_at(data: &[u8], off: usize) -> Root {
    let mut r = [0u8; 32];
    if let Some(s) = data.get(off..off + 32) {
        r.copy_from_slice(s);
    }
    r
}

/// The uint16 little-endian indices after the root in a data availability
/// event's data (an odd trailing byte is ignored).
fn indices_after_root(data: &[u8]) -> Vec<u16> {
    data.get(32..).unwrap_or(&[]).chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect()
}

fn result_of(status: i32, text: &str) -> Result<()> {
    if status == sys::LIBP2PC_OK {
        Ok(())
    } else {
        Err(Error::new(ErrorCode::from_raw(status), text))
    }
}

impl RawEvent {
    /// Copies every field of a borrowed C event.
    ///
    /// # Safety
    /// `ev` must point to a valid `libp2pc_event` whose pointers are valid.
    pub unsafe fn from_raw(ev: *const sys::libp2pc_event) -> RawEvent {
        let ev = &*ev;
        let mut addrs = Vec::with_capacity(ev.addrs_len);
        if !ev.addrs.is_null() {
            for i in 0..ev.addrs_len {
                addrs.push(opt_str(*ev.addrs.add(i)));
            }
        }
        RawEvent {
            type_: ev.type_,
            status: ev.status,
            seq: ev.seq,
            request_id: ev.request_id,
            peer_id: opt_str(ev.peer_id),
            direction: opt_str(ev.direction),
            addr: opt_str(ev.addr),
            topic: opt_str(ev.topic),
            msg_id: bytes(ev.msg_id, ev.msg_id_len),
            data: bytes(ev.data, ev.data_len),
            text: opt_str(ev.text),
            addrs,
            dropped_gossip: ev.dropped_gossip,
            dropped_errors: ev.dropped_errors,
            protocol: opt_str(ev.protocol),
            code: ev.code,
            context: bytes(ev.context, ev.context_len),
        }
    }
}

impl Event {
    /// Copies a borrowed C event into an owned one.
    ///
    /// # Safety
    /// `ev` must point to a valid `libp2pc_event` whose pointers are valid
    /// (as they are inside the event callback).
    pub unsafe fn from_raw(ev: *const sys::libp2pc_event) -> Event {
        Event::from(RawEvent::from_raw(ev))
    }

    /// The event's place in the node's total order (1, 2, 3, ...).
    pub fn seq(&self) -> u64 {
        use Event::*;
        match self {
            Listening { seq, .. }
            | PeerConnected { seq, .. }
            | PeerDisconnected { seq, .. }
            | Message { seq, .. }
            | RequestDone { seq, .. }
            | Error { seq, .. }
            | Drops { seq, .. }
            | Stopped { seq, .. }
            | TopicPeerJoined { seq, .. }
            | TopicPeerLeft { seq, .. }
            | MemberMessage { seq, .. }
            | GossipValidate { seq, .. }
            | ResponseChunk { seq, .. }
            | IncomingRequest { seq, .. }
            | PeerStatus { seq, .. }
            | PeerGoodbye { seq, .. }
            | PeerBanned { seq, .. }
            | BlockImported { seq, .. }
            | BlockInvalid { seq, .. }
            | HeadChanged { seq, .. }
            | Finalized { seq, .. }
            | SyncProgress { seq, .. }
            | BlockDropped { seq, .. }
            | DataWaiting { seq, .. }
            | DataAvailable { seq, .. }
            | DataUnavailable { seq, .. }
            | EngineState { seq, .. }
            | BlockExecution { seq, .. } => *seq,
            Other(raw) => raw.seq,
        }
    }

    /// The `LIBP2PC_EVENT_*` value of the event's kind.
    pub fn raw_type(&self) -> u32 {
        use Event::*;
        match self {
            Listening { .. } => sys::LIBP2PC_EVENT_LISTENING,
            PeerConnected { .. } => sys::LIBP2PC_EVENT_PEER_CONNECTED,
            PeerDisconnected { .. } => sys::LIBP2PC_EVENT_PEER_DISCONNECTED,
            Message { .. } => sys::LIBP2PC_EVENT_MESSAGE,
            RequestDone { .. } => sys::LIBP2PC_EVENT_REQUEST_DONE,
            Error { .. } => sys::LIBP2PC_EVENT_ERROR,
            Drops { .. } => sys::LIBP2PC_EVENT_DROPS,
            Stopped { .. } => sys::LIBP2PC_EVENT_STOPPED,
            TopicPeerJoined { .. } => sys::LIBP2PC_EVENT_TOPIC_PEER_JOINED,
            TopicPeerLeft { .. } => sys::LIBP2PC_EVENT_TOPIC_PEER_LEFT,
            MemberMessage { .. } => sys::LIBP2PC_EVENT_MEMBER_MESSAGE,
            GossipValidate { .. } => sys::LIBP2PC_EVENT_GOSSIP_VALIDATE,
            ResponseChunk { .. } => sys::LIBP2PC_EVENT_RESPONSE_CHUNK,
            IncomingRequest { .. } => sys::LIBP2PC_EVENT_INCOMING_REQUEST,
            PeerStatus { .. } => sys::LIBP2PC_EVENT_PEER_STATUS,
            PeerGoodbye { .. } => sys::LIBP2PC_EVENT_PEER_GOODBYE,
            PeerBanned { .. } => sys::LIBP2PC_EVENT_PEER_BANNED,
            BlockImported { .. } => sys::LIBP2PC_EVENT_BLOCK_IMPORTED,
            BlockInvalid { .. } => sys::LIBP2PC_EVENT_BLOCK_INVALID,
            HeadChanged { .. } => sys::LIBP2PC_EVENT_HEAD_CHANGED,
            Finalized { .. } => sys::LIBP2PC_EVENT_FINALIZED,
            SyncProgress { .. } => sys::LIBP2PC_EVENT_SYNC_PROGRESS,
            BlockDropped { .. } => sys::LIBP2PC_EVENT_BLOCK_DROPPED,
            DataWaiting { .. } => sys::LIBP2PC_EVENT_DATA_WAITING,
            DataAvailable { .. } => sys::LIBP2PC_EVENT_DATA_AVAILABLE,
            DataUnavailable { .. } => sys::LIBP2PC_EVENT_DATA_UNAVAILABLE,
            EngineState { .. } => sys::LIBP2PC_EVENT_ENGINE_STATE,
            BlockExecution { .. } => sys::LIBP2PC_EVENT_BLOCK_EXECUTION,
            Other(raw) => raw.type_,
        }
    }

    /// The library's name of the event kind ("message", "block_imported",
    /// ...; "unknown" for a kind the loaded library does not know either).
    pub fn type_name(&self) -> &'static str {
        // SAFETY: a static, never NULL, NUL-terminated string.
        unsafe { CStr::from_ptr(sys::libp2pc_event_type_name(self.raw_type())) }.to_str().unwrap_or("unknown")
    }
}

impl From<RawEvent> for Event {
    /// Gives a raw event its typed shape (each kind takes the fields the
    /// header documents for it); an unknown kind stays whole in
    /// [`Event::Other`].
    fn from(r: RawEvent) -> Event {
        let seq = r.seq;
        match r.type_ {
            sys::LIBP2PC_EVENT_LISTENING => Event::Listening { seq, peer_id: r.peer_id, addrs: r.addrs },
            sys::LIBP2PC_EVENT_PEER_CONNECTED => {
                Event::PeerConnected { seq, peer_id: r.peer_id, direction: r.direction, addr: r.addr }
            }
            sys::LIBP2PC_EVENT_PEER_DISCONNECTED => Event::PeerDisconnected { seq, peer_id: r.peer_id, reason: r.text },
            sys::LIBP2PC_EVENT_MESSAGE => {
                Event::Message { seq, topic: r.topic, from: r.peer_id, msg_id: r.msg_id, data: r.data }
            }
            sys::LIBP2PC_EVENT_REQUEST_DONE => Event::RequestDone {
                seq,
                request_id: RequestId(r.request_id),
                result: result_of(r.status, &r.text),
                chunks: r.code,
            },
            sys::LIBP2PC_EVENT_ERROR => Event::Error { seq, error: Error::new(ErrorCode::from_raw(r.status), r.text) },
            sys::LIBP2PC_EVENT_DROPS => {
                Event::Drops { seq, dropped_gossip: r.dropped_gossip, dropped_errors: r.dropped_errors }
            }
            sys::LIBP2PC_EVENT_STOPPED => Event::Stopped { seq, summary: r.text },
            sys::LIBP2PC_EVENT_TOPIC_PEER_JOINED => Event::TopicPeerJoined { seq, topic: r.topic, peer_id: r.peer_id },
            sys::LIBP2PC_EVENT_TOPIC_PEER_LEFT => Event::TopicPeerLeft { seq, topic: r.topic, peer_id: r.peer_id },
            sys::LIBP2PC_EVENT_MEMBER_MESSAGE => Event::MemberMessage { seq, from: r.peer_id, data: r.data },
            sys::LIBP2PC_EVENT_GOSSIP_VALIDATE => Event::GossipValidate {
                seq,
                validation_id: ValidationId(r.request_id),
                from: r.peer_id,
                topic: r.topic,
                msg_id: r.msg_id,
                data: r.data,
            },
            sys::LIBP2PC_EVENT_RESPONSE_CHUNK => Event::ResponseChunk {
                seq,
                request_id: RequestId(r.request_id),
                protocol: r.protocol,
                code: r.code,
                context: r.context,
                data: r.data,
            },
            sys::LIBP2PC_EVENT_INCOMING_REQUEST => Event::IncomingRequest {
                seq,
                incoming_id: IncomingId(r.request_id),
                peer_id: r.peer_id,
                protocol: r.protocol,
                data: r.data,
            },
            sys::LIBP2PC_EVENT_PEER_STATUS => Event::PeerStatus {
                seq,
                peer_id: r.peer_id,
                protocol: r.protocol,
                result: result_of(r.status, &r.text),
                status: r.data,
            },
            sys::LIBP2PC_EVENT_PEER_GOODBYE => Event::PeerGoodbye { seq, peer_id: r.peer_id, reason: r.code },
            sys::LIBP2PC_EVENT_PEER_BANNED => {
                Event::PeerBanned { seq, peer_id: r.peer_id, reason: r.text, seconds: r.code }
            }
            sys::LIBP2PC_EVENT_BLOCK_IMPORTED => Event::BlockImported {
                seq,
                slot: r.code,
                root: root_at(&r.data, 0),
                parent_root: root_at(&r.data, 32),
                state_root: root_at(&r.data, 64),
            },
            sys::LIBP2PC_EVENT_BLOCK_INVALID => {
                Event::BlockInvalid { seq, slot: r.code, root: root_at(&r.data, 0), reason: r.text }
            }
            sys::LIBP2PC_EVENT_HEAD_CHANGED => Event::HeadChanged { seq, slot: r.code, root: root_at(&r.data, 0) },
            sys::LIBP2PC_EVENT_FINALIZED => Event::Finalized { seq, epoch: r.code, root: root_at(&r.data, 0) },
            sys::LIBP2PC_EVENT_SYNC_PROGRESS => {
                Event::SyncProgress { seq, peer_id: r.peer_id, target_slot: r.code, text: r.text }
            }
            sys::LIBP2PC_EVENT_BLOCK_DROPPED => {
                Event::BlockDropped { seq, slot: r.code, root: root_at(&r.data, 0), reason: r.text }
            }
            sys::LIBP2PC_EVENT_DATA_WAITING => Event::DataWaiting {
                seq,
                slot: r.code,
                root: root_at(&r.data, 0),
                missing: indices_after_root(&r.data),
            },
            sys::LIBP2PC_EVENT_DATA_AVAILABLE => {
                Event::DataAvailable { seq, slot: r.code, root: root_at(&r.data, 0), text: r.text }
            }
            sys::LIBP2PC_EVENT_DATA_UNAVAILABLE => Event::DataUnavailable {
                seq,
                slot: r.code,
                root: root_at(&r.data, 0),
                missing: indices_after_root(&r.data),
                reason: r.text,
            },
            sys::LIBP2PC_EVENT_ENGINE_STATE => {
                Event::EngineState { seq, state: r.code, result: result_of(r.status, &r.text), text: r.text }
            }
            sys::LIBP2PC_EVENT_BLOCK_EXECUTION => {
                Event::BlockExecution { seq, slot: r.code, root: root_at(&r.data, 0), status: r.text }
            }
            _ => Event::Other(r),
        }
    }
}
