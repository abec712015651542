//! Raw FFI declarations for libp2pc, written by hand from `include/libp2pc.h`
//! (ABI 2.2: every function, struct and constant). The header's
//! `libp2pc_*_init`, `libp2pc_node_peers`, `libp2pc_node_peer_table` and
//! `libp2pc_node_membership_set` are C macros passing the host's struct or
//! element size; here the `_sized` functions they expand to are declared,
//! and callers pass `size_of` of the Rust struct (the header's growth rule). No bindgen, no libc crate: the few C types needed are declared
//! here. Everything is `unsafe`; use the `libp2pc` crate for a safe API.
//!
//! The `layout` test compiles a small C program against the real header
//! (with the system C compiler, when there is one) and checks that every
//! struct below has the C size and field offsets.
#![allow(non_camel_case_types)]
#![no_std]

use core::ffi::{c_char, c_int, c_void};

/// C `size_t` (the same width as `usize` on every platform Rust supports here).
pub type size_t = usize;

// ---------------------------------------------------------------- versions

pub const LIBP2PC_ABI_VERSION_MAJOR: u32 = 2;
pub const LIBP2PC_ABI_VERSION_MINOR: u32 = 2;
pub const LIBP2PC_ABI_VERSION: u32 = (LIBP2PC_ABI_VERSION_MAJOR << 16) | LIBP2PC_ABI_VERSION_MINOR;

// ------------------------------------------------------------- error codes

pub const LIBP2PC_OK: c_int = 0;
pub const LIBP2PC_ERR_INVALID_ARGUMENT: c_int = -1;
pub const LIBP2PC_ERR_BAD_HANDLE: c_int = -2;
pub const LIBP2PC_ERR_BAD_STATE: c_int = -3;
pub const LIBP2PC_ERR_QUEUE_FULL: c_int = -4;
pub const LIBP2PC_ERR_NOT_FOUND: c_int = -5;
pub const LIBP2PC_ERR_NETWORK: c_int = -6;
pub const LIBP2PC_ERR_TIMEOUT: c_int = -7;
pub const LIBP2PC_ERR_IO: c_int = -8;
pub const LIBP2PC_ERR_ABI_MISMATCH: c_int = -9;
pub const LIBP2PC_ERR_NOT_INITIALIZED: c_int = -10;
pub const LIBP2PC_ERR_IN_CALLBACK: c_int = -11;
pub const LIBP2PC_ERR_INTERNAL: c_int = -12;
pub const LIBP2PC_ERR_STOPPED: c_int = -13;
pub const LIBP2PC_ERR_TOO_LARGE: c_int = -14;
pub const LIBP2PC_ERR_UNSUPPORTED: c_int = -15;

// ------------------------------------------------------------------ events

/// `libp2pc_event_type` (the C enum; `libp2pc_event::type_` holds one as u32).
pub type libp2pc_event_type = u32;
pub const LIBP2PC_EVENT_LISTENING: u32 = 1;
pub const LIBP2PC_EVENT_PEER_CONNECTED: u32 = 2;
pub const LIBP2PC_EVENT_PEER_DISCONNECTED: u32 = 3;
pub const LIBP2PC_EVENT_MESSAGE: u32 = 4;
pub const LIBP2PC_EVENT_REQUEST_DONE: u32 = 5;
pub const LIBP2PC_EVENT_ERROR: u32 = 6;
pub const LIBP2PC_EVENT_DROPS: u32 = 7;
pub const LIBP2PC_EVENT_STOPPED: u32 = 8;
pub const LIBP2PC_EVENT_TOPIC_PEER_JOINED: u32 = 9;
pub const LIBP2PC_EVENT_TOPIC_PEER_LEFT: u32 = 10;
pub const LIBP2PC_EVENT_MEMBER_MESSAGE: u32 = 11;
pub const LIBP2PC_EVENT_GOSSIP_VALIDATE: u32 = 12;
pub const LIBP2PC_EVENT_RESPONSE_CHUNK: u32 = 13;
pub const LIBP2PC_EVENT_INCOMING_REQUEST: u32 = 14;
pub const LIBP2PC_EVENT_PEER_STATUS: u32 = 15;
pub const LIBP2PC_EVENT_PEER_GOODBYE: u32 = 16;
pub const LIBP2PC_EVENT_PEER_BANNED: u32 = 17;
pub const LIBP2PC_EVENT_BLOCK_IMPORTED: u32 = 18;
pub const LIBP2PC_EVENT_BLOCK_INVALID: u32 = 19;
pub const LIBP2PC_EVENT_HEAD_CHANGED: u32 = 20;
pub const LIBP2PC_EVENT_FINALIZED: u32 = 21;
pub const LIBP2PC_EVENT_SYNC_PROGRESS: u32 = 22;
pub const LIBP2PC_EVENT_BLOCK_DROPPED: u32 = 23;
// Since ABI 2.2:
pub const LIBP2PC_EVENT_DATA_WAITING: u32 = 24;
pub const LIBP2PC_EVENT_DATA_AVAILABLE: u32 = 25;
pub const LIBP2PC_EVENT_DATA_UNAVAILABLE: u32 = 26;
pub const LIBP2PC_EVENT_ENGINE_STATE: u32 = 27;
pub const LIBP2PC_EVENT_BLOCK_EXECUTION: u32 = 28;

/// One event. Every pointer is borrowed: valid only until the callback returns.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libp2pc_event {
    pub type_: u32,
    pub status: i32,
    pub seq: u64,
    pub request_id: u64,
    pub peer_id: *const c_char,
    pub direction: *const c_char,
    pub addr: *const c_char,
    pub topic: *const c_char,
    pub msg_id: *const u8,
    pub msg_id_len: size_t,
    pub data: *const u8,
    pub data_len: size_t,
    pub text: *const c_char,
    pub addrs: *const *const c_char,
    pub addrs_len: size_t,
    pub dropped_gossip: u64,
    pub dropped_errors: u64,
    pub protocol: *const c_char,
    pub code: u64,
    pub context: *const u8,
    pub context_len: size_t,
}

/// The event callback.
pub type libp2pc_event_cb = Option<unsafe extern "C" fn(ev: *const libp2pc_event, user_data: *mut c_void)>;

// ------------------------------------------------------------------ config

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libp2pc_config {
    pub struct_size: u32,
    pub reserved0: u32,
    pub listen_addrs: *const *const c_char,
    pub listen_addrs_len: size_t,
    pub identity_key_path: *const c_char,
    pub max_peers: u32,
    pub gossip_queue_capacity: u32,
    pub control_queue_capacity: u32,
    pub error_queue_capacity: u32,
    pub max_message_size: u32,
    pub dial_timeout_ms: u32,
    pub stop_grace_ms: u32,
    pub reserved1: u32,
    pub on_event: libp2pc_event_cb,
    pub user_data: *mut c_void,
}

/// Opaque node handle; 0 is never valid.
pub type libp2pc_node = u64;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libp2pc_peer {
    pub peer_id: *const c_char,
    pub direction: *const c_char,
    pub addr: *const c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct libp2pc_counters {
    pub struct_size: u32,
    pub reserved0: u32,
    pub events_delivered: u64,
    pub dropped_gossip: u64,
    pub dropped_errors: u64,
    pub dropped_subscription: u64,
    pub dropped_outbound_rpcs: u64,
    pub stale_gossip: u64,
    pub peers_refused_limit: u64,
    pub peers_refused_queue: u64,
    pub calls_refused_busy: u64,
    pub messages_received: u64,
    pub messages_published: u64,
    pub connected_peers: u64,
    pub duplicate_connections: u64,
    pub recovered_panics: u64,
    pub gossip_queue_len: u32,
    pub gossip_queue_capacity: u32,
    pub gossip_queue_high_water: u32,
    pub control_queue_len: u32,
    pub control_queue_capacity: u32,
    pub control_queue_high_water: u32,
    pub error_queue_len: u32,
    pub error_queue_capacity: u32,
    pub error_queue_high_water: u32,
    pub reserved1: u32,
}

extern "C" {
    pub fn libp2pc_abi_version() -> u32;
    pub fn libp2pc_init(host_abi_version: u32) -> c_int;
    /// `libp2pc_config_init(cfg)` in C: pass `size_of::<libp2pc_config>()`.
    pub fn libp2pc_config_init_sized(cfg: *mut libp2pc_config, struct_size: size_t) -> c_int;

    pub fn libp2pc_node_new(cfg: *const libp2pc_config, out: *mut libp2pc_node) -> c_int;
    pub fn libp2pc_node_start(node: libp2pc_node, request_id: *mut u64) -> c_int;
    pub fn libp2pc_node_stop(node: libp2pc_node, request_id: *mut u64) -> c_int;
    pub fn libp2pc_node_destroy(node: libp2pc_node) -> c_int;
    pub fn libp2pc_node_peer_id(node: libp2pc_node, buf: *mut c_char, buf_len: size_t) -> c_int;

    pub fn libp2pc_node_dial(node: libp2pc_node, multiaddr: *const c_char, request_id: *mut u64) -> c_int;
    pub fn libp2pc_node_disconnect(node: libp2pc_node, peer_id: *const c_char, request_id: *mut u64) -> c_int;
    /// `libp2pc_node_peers(node, out, count)` in C: pass `size_of::<libp2pc_peer>()`.
    pub fn libp2pc_node_peers_sized(
        node: libp2pc_node,
        out: *mut *mut libp2pc_peer,
        count: *mut size_t,
        elem_size: size_t,
    ) -> c_int;
    pub fn libp2pc_peers_free(peers: *mut libp2pc_peer);

    pub fn libp2pc_node_subscribe(node: libp2pc_node, topic: *const c_char, request_id: *mut u64) -> c_int;
    pub fn libp2pc_node_unsubscribe(node: libp2pc_node, topic: *const c_char, request_id: *mut u64) -> c_int;
    pub fn libp2pc_node_publish(
        node: libp2pc_node,
        topic: *const c_char,
        data: *const u8,
        len: size_t,
        request_id: *mut u64,
    ) -> c_int;

    pub fn libp2pc_node_event_fd(node: libp2pc_node, fd: *mut c_int) -> c_int;
    pub fn libp2pc_node_poll(
        node: libp2pc_node,
        cb: libp2pc_event_cb,
        user_data: *mut c_void,
        max: size_t,
        delivered: *mut size_t,
    ) -> c_int;

    pub fn libp2pc_node_counters(node: libp2pc_node, out: *mut libp2pc_counters) -> c_int;

    pub fn libp2pc_debug_panic() -> c_int;

    pub fn libp2pc_last_error() -> *const c_char;
    pub fn libp2pc_strerror(code: c_int) -> *const c_char;
    pub fn libp2pc_event_type_name(type_: u32) -> *const c_char;
}

// --------------------------------------------------------------------- log

pub const LIBP2PC_LOG_DEBUG: i32 = -4;
pub const LIBP2PC_LOG_INFO: i32 = 0;
pub const LIBP2PC_LOG_WARN: i32 = 4;
pub const LIBP2PC_LOG_ERROR: i32 = 8;

/// One log record, borrowed for the duration of the log callback.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libp2pc_log_record {
    pub level: i32,
    pub attrs_len: u32,
    pub time_unix_ns: i64,
    pub logger: *const c_char,
    pub message: *const c_char,
    pub keys: *const *const c_char,
    pub values: *const *const c_char,
    pub dropped: u64,
}

pub type libp2pc_log_cb = Option<unsafe extern "C" fn(rec: *const libp2pc_log_record, user_data: *mut c_void)>;

// -------------------------------------------------------------- membership

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libp2pc_member {
    pub id: *const c_char,
    pub addr: *const c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct libp2pc_membership_counters {
    pub struct_size: u32,
    pub reserved0: u32,
    pub enqueued: u64,
    pub sent: u64,
    pub sent_bytes: u64,
    pub dropped: u64,
    pub write_failed: u64,
    pub discarded: u64,
    pub reconnects: u64,
    pub dial_failures: u64,
    pub send_too_large: u64,
    pub received: u64,
    pub received_bytes: u64,
    pub oversized_frames: u64,
    pub bad_streams: u64,
    pub tentative_received: u64,
    pub tentative_evictions: u64,
    pub tentative_dropped: u64,
    pub tentative_flushed: u64,
    pub events_queued: u64,
    pub events_not_queued: u64,
    pub members: u32,
    pub connected: u32,
    pub receivers: u32,
    pub tentative: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct libp2pc_member_counters {
    pub struct_size: u32,
    pub connected: u32,
    pub enqueued: u64,
    pub sent: u64,
    pub sent_bytes: u64,
    pub dropped: u64,
    pub write_failed: u64,
    pub reconnects: u64,
    pub dial_failures: u64,
    pub received: u64,
    pub received_bytes: u64,
    pub queue_len: u64,
    pub queue_bytes: u64,
    pub in_flight: u64,
}

// ------------------------------------------------------------ eth2 gossip

pub const LIBP2PC_ETH2_VALIDATE_HOST: u32 = 1;
pub const LIBP2PC_ETH2_VALIDATE_GO: u32 = 2;
pub const LIBP2PC_ETH2_VALIDATE_NONE: u32 = 3;
pub const LIBP2PC_VALIDATION_ACCEPT: u32 = 1;
pub const LIBP2PC_VALIDATION_REJECT: u32 = 2;
pub const LIBP2PC_VALIDATION_IGNORE: u32 = 3;

pub const LIBP2PC_ETH2_TOPIC_BEACON_BLOCK: usize = 0;
pub const LIBP2PC_ETH2_TOPIC_BEACON_AGGREGATE_AND_PROOF: usize = 1;
pub const LIBP2PC_ETH2_TOPIC_BEACON_ATTESTATION: usize = 2;
pub const LIBP2PC_ETH2_TOPIC_VOLUNTARY_EXIT: usize = 3;
pub const LIBP2PC_ETH2_TOPIC_PROPOSER_SLASHING: usize = 4;
pub const LIBP2PC_ETH2_TOPIC_ATTESTER_SLASHING: usize = 5;
pub const LIBP2PC_ETH2_TOPIC_SYNC_CONTRIBUTION_AND_PROOF: usize = 6;
pub const LIBP2PC_ETH2_TOPIC_SYNC_COMMITTEE: usize = 7;
pub const LIBP2PC_ETH2_TOPIC_BLS_TO_EXECUTION_CHANGE: usize = 8;
pub const LIBP2PC_ETH2_TOPIC_BLOB_SIDECAR: usize = 9;
pub const LIBP2PC_ETH2_TOPIC_DATA_COLUMN_SIDECAR: usize = 10;
pub const LIBP2PC_ETH2_TOPIC_KINDS: usize = 16;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libp2pc_eth2_config {
    pub struct_size: u32,
    pub reserved0: u32,
    pub genesis_time: u64,
    pub genesis_validators_root: [u8; 32],
    pub config_yaml: *const c_char,
    pub config_yaml_len: size_t,
    pub config_path: *const c_char,
    pub slots_per_epoch: u64,
    pub active_validators: u64,
    pub validation_timeout_ms: u32,
    pub max_pending_validations: u32,
    pub fork_lead_slots: u32,
    pub fork_tail_slots: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct libp2pc_eth2_topic_counters {
    pub accepted: u64,
    pub rejected: u64,
    pub ignored: u64,
    pub timed_out: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct libp2pc_eth2_counters {
    pub struct_size: u32,
    pub pending_validations: u32,
    pub invalid_snappy: u64,
    pub compressed_too_large: u64,
    pub decoded_too_large: u64,
    pub pending_full: u64,
    pub peer_gone: u64,
    pub unknown_topic: u64,
    pub not_subscribed: u64,
    pub late_reports: u64,
    pub pubsub_rejected: u64,
    pub pubsub_ignored: u64,
    pub pubsub_throttled: u64,
    pub topics: [libp2pc_eth2_topic_counters; LIBP2PC_ETH2_TOPIC_KINDS],
}

// ---------------------------------------------------------- eth2 req/resp

pub const LIBP2PC_SERVE_NONE: u32 = 0;
pub const LIBP2PC_SERVE_BY_HOST: u32 = 1;

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct libp2pc_eth2_status {
    pub struct_size: u32,
    pub fork_digest: [u8; 4],
    pub finalized_root: [u8; 32],
    pub finalized_epoch: u64,
    pub head_root: [u8; 32],
    pub head_slot: u64,
    pub earliest_available_slot: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct libp2pc_eth2_metadata {
    pub struct_size: u32,
    pub syncnets: u8,
    pub reserved: [u8; 3],
    pub seq_number: u64,
    pub attnets: [u8; 8],
    pub custody_group_count: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct libp2pc_reqresp_counters {
    pub struct_size: u32,
    pub reserved0: u32,
    pub requests_sent: u64,
    pub requests_failed: u64,
    pub requests_timed_out: u64,
    pub chunks_received: u64,
    pub chunk_events_queued: u64,
    pub chunk_waits: u64,
    pub incoming_requests: u64,
    pub incoming_invalid: u64,
    pub incoming_rate_limited: u64,
    pub incoming_concurrency: u64,
    pub incoming_refused: u64,
    pub incoming_stale: u64,
    pub incoming_timed_out: u64,
    pub incoming_not_served: u64,
    pub incoming_stream_errors: u64,
    pub chunks_served: u64,
    pub status_served: u64,
    pub pings_served: u64,
    pub metadata_served: u64,
    pub goodbyes_received: u64,
    pub status_events_dropped: u64,
    pub goodbye_events_dropped: u64,
}

// ------------------------------------------------------------------ chain

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libp2pc_chain_config {
    pub struct_size: u32,
    pub reserved0: u32,
    pub data_dir: *const c_char,
    pub anchor_state: *const u8,
    pub anchor_state_len: size_t,
    pub config_yaml: *const u8,
    pub config_yaml_len: size_t,
    // Since ABI 2.1 (checkpoint sync):
    pub checkpoint_sync_url: *const c_char,
    pub checkpoint_id: *const c_char,
    pub checkpoint_state: *const u8,
    pub checkpoint_state_len: size_t,
    pub checkpoint_block: *const u8,
    pub checkpoint_block_len: size_t,
    pub ws_checkpoint: *const c_char,
    // Since ABI 2.2 (backfill bound, stale checkpoints, data availability,
    // execution engine):
    pub backfill_epochs: u64,
    pub allow_stale_checkpoint: u32,
    pub reserved1: u32,
    pub custody_group_count: u64,
    pub engine_endpoint: *const c_char,
    pub jwt_secret_path: *const c_char,
    pub jwt_secret: [u8; 32],
}

/// Data availability counters (`libp2pc_node_chain_da_counters`, since ABI 2.2).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libp2pc_chain_da_counters {
    pub struct_size: u32,
    pub reserved0: u32,
    pub sidecars_received: u64,
    pub sidecars_verified: u64,
    pub sidecars_rejected: u64,
    pub sidecars_late: u64,
    pub sidecars_requested: u64,
    pub fetch_requests: u64,
    pub fetch_failures: u64,
    pub reconstructions: u64,
    pub columns_recovered: u64,
    pub blocks_waited: u64,
    pub blocks_available: u64,
    pub blocks_unavailable: u64,
    pub dropped_waiting_full: u64,
    pub sidecars_stored: u64,
    pub sidecars_pruned: u64,
    pub sidecars_published: u64,
    pub publish_failures: u64,
    pub custody_group_count: u64,
    pub earliest_sidecar_slot: u64,
    pub waiting: u64,
    pub tracker_evicted: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libp2pc_chain_sync_status {
    pub struct_size: u32,
    pub syncing: u32,
    pub head_slot: u64,
    pub current_slot: u64,
    pub sync_distance: u64,
    pub finalized_epoch: u64,
    pub sync_start_slot: u64,
    pub sync_target_slot: u64,
    pub sync_peer: [c_char; 128],
    pub syncs: u64,
    pub synced_blocks: u64,
    pub sync_failures: u64,
    pub blocks_imported: u64,
    pub blocks_invalid: u64,
    pub blocks_dropped: u64,
    pub blocks_in_flight: u64,
    // Since ABI 2.1 (backfill):
    pub backfilling: u32,
    pub backfill_done: u32,
    pub earliest_slot: u64,
    pub backfilled_blocks: u64,
}

// ------------------------------------------------------------- discovery

pub const LIBP2PC_PEER_CONNECTED: u32 = 1;
pub const LIBP2PC_PEER_STATIC: u32 = 2;
pub const LIBP2PC_PEER_TRUSTED: u32 = 4;
pub const LIBP2PC_PEER_HAS_ENR: u32 = 8;
pub const LIBP2PC_PEER_HAS_STATUS: u32 = 16;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libp2pc_discovery_config {
    pub struct_size: u32,
    pub reserved0: u32,
    pub listen_udp: *const c_char,
    pub advertise_ip: *const c_char,
    pub bootnodes: *const *const c_char,
    pub bootnodes_len: size_t,
    pub static_peers: *const *const c_char,
    pub static_peers_len: size_t,
    pub trusted_peers: *const *const c_char,
    pub trusted_peers_len: size_t,
    pub target_peers: u32,
    pub max_peers: u32,
    pub prune_above: u32,
    pub outbound_percent: u32,
    pub ban_seconds: u32,
    pub max_ban_seconds: u32,
    pub status_timeout_ms: u32,
    pub tick_ms: u32,
    pub max_finalized_lag: u64,
    pub attnets: [u8; 8],
    pub syncnets: u8,
    pub reserved1: [u8; 7],
    pub custody_group_count: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct libp2pc_peer_info {
    pub peer_id: *const c_char,
    pub direction: *const c_char,
    pub addr: *const c_char,
    pub agent: *const c_char,
    pub ban_reason: *const c_char,
    pub score: f64,
    pub flags: u32,
    pub reserved0: u32,
    pub connected_since_ms: u64,
    pub banned_until_ms: u64,
    pub enr_seq: u64,
    pub attnets: [u8; 8],
    pub syncnets: u8,
    pub reserved1: [u8; 7],
    pub custody_group_count: u64,
    pub fork_digest: [u8; 4],
    pub reserved2: u32,
    pub finalized_root: [u8; 32],
    pub finalized_epoch: u64,
    pub head_root: [u8; 32],
    pub head_slot: u64,
    pub earliest_available_slot: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct libp2pc_discovery_counters {
    pub struct_size: u32,
    pub reserved0: u32,
    pub discovered: u64,
    pub address_book: u64,
    pub dials: u64,
    pub dials_failed: u64,
    pub goodbyes_sent: u64,
    pub bans: u64,
    pub banned: u64,
    pub refused_banned: u64,
    pub ban_events_dropped: u64,
    pub gossip_rejects: u64,
    pub reqresp_faults: u64,
    pub faults_dropped: u64,
    pub status_checked: u64,
    pub subnet_searches: u64,
    pub enr_seq: u64,
    pub connected: u32,
    pub inbound: u32,
    pub outbound: u32,
    pub reserved1: u32,
}

extern "C" {
    pub fn libp2pc_set_log_callback(min_level: i32, cb: libp2pc_log_cb, user_data: *mut c_void) -> c_int;

    pub fn libp2pc_node_metrics_text(node: libp2pc_node, out: *mut *mut c_char, len: *mut size_t) -> c_int;
    pub fn libp2pc_node_metrics_serve(
        node: libp2pc_node,
        addr: *const c_char,
        bound: *mut c_char,
        bound_len: size_t,
    ) -> c_int;

    pub fn libp2pc_node_membership_start(
        node: libp2pc_node,
        transport: *const c_char,
        tcp_listen_addr: *const c_char,
        tcp_node_id: *const c_char,
        local_id_out: *mut c_char,
        local_id_len: size_t,
    ) -> c_int;
    pub fn libp2pc_node_membership_addr(node: libp2pc_node, buf: *mut c_char, buf_len: size_t) -> c_int;
    /// `libp2pc_node_membership_set(node, members, n)` in C: pass `size_of::<libp2pc_member>()`.
    pub fn libp2pc_node_membership_set_sized(
        node: libp2pc_node,
        members: *const libp2pc_member,
        n: size_t,
        elem_size: size_t,
    ) -> c_int;
    pub fn libp2pc_node_member_send(node: libp2pc_node, id: *const c_char, data: *const u8, len: size_t) -> c_int;
    pub fn libp2pc_node_member_broadcast(node: libp2pc_node, data: *const u8, len: size_t) -> c_int;
    pub fn libp2pc_node_membership_counters(node: libp2pc_node, out: *mut libp2pc_membership_counters) -> c_int;
    pub fn libp2pc_node_member_counters(
        node: libp2pc_node,
        id: *const c_char,
        out: *mut libp2pc_member_counters,
    ) -> c_int;

    /// `libp2pc_eth2_config_init(cfg)` in C: pass `size_of::<libp2pc_eth2_config>()`.
    pub fn libp2pc_eth2_config_init_sized(cfg: *mut libp2pc_eth2_config, struct_size: size_t) -> c_int;
    pub fn libp2pc_node_eth2_configure(node: libp2pc_node, cfg: *const libp2pc_eth2_config) -> c_int;
    pub fn libp2pc_node_eth2_subscribe(
        node: libp2pc_node,
        topic_name: *const c_char,
        validation_mode: u32,
        request_id: *mut u64,
    ) -> c_int;
    pub fn libp2pc_node_eth2_unsubscribe(node: libp2pc_node, topic_name: *const c_char, request_id: *mut u64) -> c_int;
    pub fn libp2pc_node_eth2_publish(
        node: libp2pc_node,
        topic: *const c_char,
        ssz: *const u8,
        len: size_t,
        request_id: *mut u64,
    ) -> c_int;
    pub fn libp2pc_node_report_validation(node: libp2pc_node, validation_id: u64, result: u32) -> c_int;
    pub fn libp2pc_node_eth2_counters(node: libp2pc_node, out: *mut libp2pc_eth2_counters) -> c_int;
    pub fn libp2pc_node_eth2_publish_nowait(
        node: libp2pc_node,
        topic: *const c_char,
        ssz: *const u8,
        len: size_t,
    ) -> c_int;
    pub fn libp2pc_node_eth2_publish_nowait_counters(node: libp2pc_node, dropped: *mut u64, failed: *mut u64) -> c_int;

    pub fn libp2pc_node_set_reqresp_timeouts(
        node: libp2pc_node,
        ttfb_ms: u32,
        resp_ms: u32,
        serve_timeout_ms: u32,
    ) -> c_int;
    pub fn libp2pc_node_set_status(node: libp2pc_node, status: *const libp2pc_eth2_status) -> c_int;
    pub fn libp2pc_node_set_metadata(node: libp2pc_node, md: *const libp2pc_eth2_metadata) -> c_int;
    pub fn libp2pc_node_serve(node: libp2pc_node, protocol: *const c_char, mode: u32) -> c_int;
    pub fn libp2pc_node_request(
        node: libp2pc_node,
        peer_id: *const c_char,
        protocol: *const c_char,
        req: *const u8,
        len: size_t,
        timeout_ms: u32,
        request_id: *mut u64,
    ) -> c_int;
    pub fn libp2pc_node_respond_chunk(
        node: libp2pc_node,
        incoming_id: u64,
        context: *const u8,
        context_len: size_t,
        data: *const u8,
        len: size_t,
    ) -> c_int;
    pub fn libp2pc_node_respond_end(node: libp2pc_node, incoming_id: u64) -> c_int;
    pub fn libp2pc_node_respond_error(node: libp2pc_node, incoming_id: u64, code: u8, msg: *const c_char) -> c_int;
    pub fn libp2pc_node_goodbye(node: libp2pc_node, peer_id: *const c_char, reason: u64, request_id: *mut u64)
        -> c_int;
    pub fn libp2pc_node_reqresp_counters(node: libp2pc_node, out: *mut libp2pc_reqresp_counters) -> c_int;

    /// `libp2pc_chain_config_init(cfg)` in C: pass `size_of::<libp2pc_chain_config>()`.
    pub fn libp2pc_chain_config_init_sized(cfg: *mut libp2pc_chain_config, struct_size: size_t) -> c_int;
    pub fn libp2pc_node_chain_start(
        node: libp2pc_node,
        config: *const libp2pc_chain_config,
        request_id: *mut u64,
    ) -> c_int;
    pub fn libp2pc_node_chain_head(node: libp2pc_node, root_out: *mut u8, slot: *mut u64) -> c_int;
    pub fn libp2pc_node_chain_finalized(node: libp2pc_node, root_out: *mut u8, epoch: *mut u64) -> c_int;
    pub fn libp2pc_node_get_block(node: libp2pc_node, root: *const u8, out: *mut *mut u8, len: *mut size_t) -> c_int;
    pub fn libp2pc_node_get_state(node: libp2pc_node, root: *const u8, out: *mut *mut u8, len: *mut size_t) -> c_int;
    pub fn libp2pc_node_chain_submit_block(node: libp2pc_node, ssz: *const u8, len: size_t, root_out: *mut u8)
        -> c_int;
    pub fn libp2pc_node_chain_sync_status(node: libp2pc_node, out: *mut libp2pc_chain_sync_status) -> c_int;
    // Since ABI 2.2 (data availability):
    pub fn libp2pc_node_chain_da_counters(node: libp2pc_node, out: *mut libp2pc_chain_da_counters) -> c_int;
    pub fn libp2pc_node_get_sidecars(
        node: libp2pc_node,
        root: *const u8,
        out: *mut *mut u8,
        len: *mut size_t,
        kind: *mut u32,
        count: *mut u32,
    ) -> c_int;
    pub fn libp2pc_node_chain_propose_blobs(
        node: libp2pc_node,
        block: *const u8,
        block_len: size_t,
        blobs: *const u8,
        blob_count: size_t,
        request_id: *mut u64,
    ) -> c_int;
    pub fn libp2pc_free(p: *mut c_void);

    /// `libp2pc_discovery_config_init(cfg)` in C: pass `size_of::<libp2pc_discovery_config>()`.
    pub fn libp2pc_discovery_config_init_sized(cfg: *mut libp2pc_discovery_config, struct_size: size_t) -> c_int;
    pub fn libp2pc_node_discovery_configure(node: libp2pc_node, cfg: *const libp2pc_discovery_config) -> c_int;
    pub fn libp2pc_node_fork_digest(node: libp2pc_node, digest: *mut u8) -> c_int;
    pub fn libp2pc_node_enr(node: libp2pc_node, buf: *mut c_char, buf_len: size_t) -> c_int;
    pub fn libp2pc_node_update_enr(
        node: libp2pc_node,
        attnets: *const u8,
        syncnets: u8,
        custody_group_count: u64,
        seq_out: *mut u64,
    ) -> c_int;
    /// `libp2pc_node_peer_table(node, out, count)` in C: pass `size_of::<libp2pc_peer_info>()`.
    pub fn libp2pc_node_peer_table_sized(
        node: libp2pc_node,
        out: *mut *mut libp2pc_peer_info,
        count: *mut size_t,
        elem_size: size_t,
    ) -> c_int;
    pub fn libp2pc_peer_table_free(table: *mut libp2pc_peer_info);
    pub fn libp2pc_node_ban(node: libp2pc_node, peer_id: *const c_char, seconds: u32, reason: u64) -> c_int;
    pub fn libp2pc_node_discovery_counters(node: libp2pc_node, out: *mut libp2pc_discovery_counters) -> c_int;
}
