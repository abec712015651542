//! Raw FFI declarations for libp2pc, written by hand from `include/libp2pc.h`
//! (ABI 2.0; the parts the safe crate uses). The header's `libp2pc_config_init`
//! and `libp2pc_node_peers` are C macros passing the host's struct size; here
//! the `_sized` functions they expand to are declared, and callers pass
//! `size_of` of the Rust struct (the header's growth rule). No bindgen, no libc crate: the few C types needed are declared
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
pub const LIBP2PC_ABI_VERSION_MINOR: u32 = 1;
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
    // Since ABI 1.1 (eth2 req/resp):
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
