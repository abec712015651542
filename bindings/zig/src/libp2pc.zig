//! Zig bindings for libp2pc (include/libp2pc.h, ABI 2.2: every function and
//! event kind). The header's libp2pc_*_init, libp2pc_node_peers,
//! libp2pc_node_peer_table and libp2pc_node_membership_set are C macros
//! passing the host's struct or element size; Zig calls the _sized functions
//! they expand to with @sizeOf of the translated struct (the header's growth
//! rule). Whatever the library allocates (blocks, states, metrics text, peer
//! lists and tables) is copied into memory from the caller's allocator and
//! released with the library's free function before the call returns.
//!
//! The header is imported with @cImport (`c` below, for anything not wrapped).
//! The wrapper is poll-mode first, the natural fit for a Zig event loop:
//! wait on `Node.eventFd()` (or `Node.pollFd()` in your own std.posix.poll
//! set), then `Node.poll()` copies each waiting event into Zig-owned memory
//! from the allocator you pass. Every call returns at once; work that takes
//! time returns a `RequestId` completed by one `.request_done` event.
const std = @import("std");
const Allocator = std.mem.Allocator;

pub const c = @cImport({
    @cInclude("libp2pc.h");
});

// ------------------------------------------------------------------ errors

/// The LIBP2PC_ERR_* codes as a Zig error set. `Unknown`: a code this
/// binding does not know. After a failing call, `lastError()` (same thread)
/// has the library's message.
pub const Error = error{
    InvalidArgument,
    BadHandle,
    BadState,
    QueueFull,
    NotFound,
    Network,
    Timeout,
    Io,
    AbiMismatch,
    NotInitialized,
    InCallback,
    Internal,
    Stopped,
    TooLarge,
    Unsupported,
    Unknown,
};

const code_table = [_]struct { code: c_int, err: Error }{
    .{ .code = c.LIBP2PC_ERR_INVALID_ARGUMENT, .err = error.InvalidArgument },
    .{ .code = c.LIBP2PC_ERR_BAD_HANDLE, .err = error.BadHandle },
    .{ .code = c.LIBP2PC_ERR_BAD_STATE, .err = error.BadState },
    .{ .code = c.LIBP2PC_ERR_QUEUE_FULL, .err = error.QueueFull },
    .{ .code = c.LIBP2PC_ERR_NOT_FOUND, .err = error.NotFound },
    .{ .code = c.LIBP2PC_ERR_NETWORK, .err = error.Network },
    .{ .code = c.LIBP2PC_ERR_TIMEOUT, .err = error.Timeout },
    .{ .code = c.LIBP2PC_ERR_IO, .err = error.Io },
    .{ .code = c.LIBP2PC_ERR_ABI_MISMATCH, .err = error.AbiMismatch },
    .{ .code = c.LIBP2PC_ERR_NOT_INITIALIZED, .err = error.NotInitialized },
    .{ .code = c.LIBP2PC_ERR_IN_CALLBACK, .err = error.InCallback },
    .{ .code = c.LIBP2PC_ERR_INTERNAL, .err = error.Internal },
    .{ .code = c.LIBP2PC_ERR_STOPPED, .err = error.Stopped },
    .{ .code = c.LIBP2PC_ERR_TOO_LARGE, .err = error.TooLarge },
    .{ .code = c.LIBP2PC_ERR_UNSUPPORTED, .err = error.Unsupported },
};

/// Maps a (negative) LIBP2PC_ERR_* code to its error.
pub fn errorFromCode(code: c_int) Error {
    for (code_table) |e| if (e.code == code) return e.err;
    return error.Unknown;
}

/// Maps an error back to its LIBP2PC_ERR_* code (null for `Unknown`).
pub fn codeFromError(err: Error) ?c_int {
    for (code_table) |e| if (e.err == err) return e.code;
    return null;
}

/// OK -> {}, anything else -> the matching error.
pub fn check(rc: c_int) Error!void {
    if (rc != c.LIBP2PC_OK) return errorFromCode(rc);
}

/// Message of the last failed libp2pc call on this thread ("" if none).
/// Borrowed: valid until the next failing call on this thread.
pub fn lastError() [:0]const u8 {
    return std.mem.span(c.libp2pc_last_error());
}

/// Fixed name of an error code (static).
pub fn strerror(code: c_int) [:0]const u8 {
    return std.mem.span(c.libp2pc_strerror(code));
}

// ------------------------------------------------------------------ library

/// ABI version this binding was built against (major << 16 | minor).
pub const abi_version: u32 = c.LIBP2PC_ABI_VERSION;

/// ABI version of the loaded library.
pub fn libraryAbiVersion() u32 {
    return c.libp2pc_abi_version();
}

/// Checks the ABI and readies the library; `Node.init` calls it. Harmless to repeat.
pub fn init() Error!void {
    return check(c.libp2pc_init(abi_version));
}

/// Raises a Go panic inside the library; returns the error its guard made of
/// it (error.Internal, panic text in lastError()).
pub fn debugPanic() Error!void {
    return check(c.libp2pc_debug_panic());
}

// ------------------------------------------------------------------ events

pub const EventType = enum(u32) {
    listening = c.LIBP2PC_EVENT_LISTENING,
    peer_connected = c.LIBP2PC_EVENT_PEER_CONNECTED,
    peer_disconnected = c.LIBP2PC_EVENT_PEER_DISCONNECTED,
    message = c.LIBP2PC_EVENT_MESSAGE,
    request_done = c.LIBP2PC_EVENT_REQUEST_DONE,
    @"error" = c.LIBP2PC_EVENT_ERROR,
    drops = c.LIBP2PC_EVENT_DROPS,
    stopped = c.LIBP2PC_EVENT_STOPPED,
    topic_peer_joined = c.LIBP2PC_EVENT_TOPIC_PEER_JOINED,
    topic_peer_left = c.LIBP2PC_EVENT_TOPIC_PEER_LEFT,
    member_message = c.LIBP2PC_EVENT_MEMBER_MESSAGE,
    gossip_validate = c.LIBP2PC_EVENT_GOSSIP_VALIDATE,
    response_chunk = c.LIBP2PC_EVENT_RESPONSE_CHUNK,
    incoming_request = c.LIBP2PC_EVENT_INCOMING_REQUEST,
    peer_status = c.LIBP2PC_EVENT_PEER_STATUS,
    peer_goodbye = c.LIBP2PC_EVENT_PEER_GOODBYE,
    peer_banned = c.LIBP2PC_EVENT_PEER_BANNED,
    block_imported = c.LIBP2PC_EVENT_BLOCK_IMPORTED,
    block_invalid = c.LIBP2PC_EVENT_BLOCK_INVALID,
    head_changed = c.LIBP2PC_EVENT_HEAD_CHANGED,
    finalized = c.LIBP2PC_EVENT_FINALIZED,
    sync_progress = c.LIBP2PC_EVENT_SYNC_PROGRESS,
    block_dropped = c.LIBP2PC_EVENT_BLOCK_DROPPED,
    /// ABI 2.2: data availability (data: root, then the missing indices, see
    /// `Event.dataIndex`) and the execution engine.
    data_waiting = c.LIBP2PC_EVENT_DATA_WAITING,
    data_available = c.LIBP2PC_EVENT_DATA_AVAILABLE,
    data_unavailable = c.LIBP2PC_EVENT_DATA_UNAVAILABLE,
    engine_state = c.LIBP2PC_EVENT_ENGINE_STATE,
    block_execution = c.LIBP2PC_EVENT_BLOCK_EXECUTION,
    /// A kind a newer library added: the Event keeps every field anyway.
    _,

    /// The library's name ("message", "peer_connected", ...).
    pub fn name(t: EventType) [:0]const u8 {
        return std.mem.span(c.libp2pc_event_type_name(@intFromEnum(t)));
    }
};

pub const RequestId = u64;

/// An event copied out of the library's borrowed `libp2pc_event`: every
/// field, whatever the type (so a kind this binding does not name is kept
/// whole); every slice points into memory this Event owns (one buffer for
/// all bytes, one array for `addrs`). Free with `deinit` and the same
/// allocator. Fields the type does not use are empty / 0. For the chain
/// kinds `code` is the slot (epoch for `.finalized`) and `data` the root(s):
/// see `root()`.
pub const Event = struct {
    type: EventType,
    status: i32 = 0,
    seq: u64 = 0,
    request_id: RequestId = 0,
    peer_id: []const u8 = "",
    direction: []const u8 = "",
    addr: []const u8 = "",
    topic: []const u8 = "",
    msg_id: []const u8 = "",
    data: []const u8 = "",
    text: []const u8 = "",
    addrs: []const []const u8 = &.{},
    dropped_gossip: u64 = 0,
    dropped_errors: u64 = 0,
    protocol: []const u8 = "",
    code: u64 = 0,
    context: []const u8 = "",
    storage: []u8 = &.{},

    fn cstr(p: [*c]const u8) []const u8 {
        return if (p == null) "" else std.mem.span(p);
    }

    fn bytes(p: [*c]const u8, len: usize) []const u8 {
        return if (p == null or len == 0) "" else p[0..len];
    }

    /// Deep-copies a borrowed C event (valid only inside the callback).
    pub fn copyFrom(allocator: Allocator, ev: *const c.libp2pc_event) Allocator.Error!Event {
        const addrs_in: []const [*c]const u8 = if (ev.addrs == null or ev.addrs_len == 0) &.{} else ev.addrs[0..ev.addrs_len];
        const fields = [_][]const u8{
            cstr(ev.peer_id),                  bytes(ev.msg_id, ev.msg_id_len),
            cstr(ev.direction),                bytes(ev.data, ev.data_len),
            cstr(ev.addr),                     cstr(ev.topic),
            cstr(ev.text),                     cstr(ev.protocol),
            bytes(ev.context, ev.context_len),
        };
        var total: usize = 0;
        for (fields) |f| total += f.len;
        for (addrs_in) |a| total += cstr(a).len;

        const storage = try allocator.alloc(u8, total);
        errdefer allocator.free(storage);
        const addrs = try allocator.alloc([]const u8, addrs_in.len);

        var pos: usize = 0;
        var out: [fields.len][]const u8 = undefined;
        for (fields, 0..) |f, i| {
            @memcpy(storage[pos..][0..f.len], f);
            out[i] = storage[pos..][0..f.len];
            pos += f.len;
        }
        for (addrs_in, 0..) |a, i| {
            const s = cstr(a);
            @memcpy(storage[pos..][0..s.len], s);
            addrs[i] = storage[pos..][0..s.len];
            pos += s.len;
        }
        return .{
            .type = @enumFromInt(ev.type),
            .status = ev.status,
            .seq = ev.seq,
            .request_id = ev.request_id,
            .peer_id = out[0],
            .msg_id = out[1],
            .direction = out[2],
            .data = out[3],
            .addr = out[4],
            .topic = out[5],
            .text = out[6],
            .protocol = out[7],
            .context = out[8],
            .code = ev.code,
            .addrs = addrs,
            .dropped_gossip = ev.dropped_gossip,
            .dropped_errors = ev.dropped_errors,
            .storage = storage,
        };
    }

    pub fn deinit(self: *Event, allocator: Allocator) void {
        allocator.free(self.storage);
        allocator.free(self.addrs);
        self.* = undefined;
    }

    /// The i-th 32-byte root in `data` (chain events: BLOCK_IMPORTED has
    /// root, parent_root, state_root; the others one root), or null.
    pub fn root(self: Event, i: usize) ?Root {
        if (self.data.len < (i + 1) * 32) return null;
        return self.data[i * 32 ..][0..32].*;
    }

    /// For `.data_waiting` and `.data_unavailable`: how many blob or column
    /// indices follow the root in `data`.
    pub fn dataIndexCount(self: Event) usize {
        return if (self.data.len < 32) 0 else (self.data.len - 32) / 2;
    }

    /// The i-th missing blob or column index after the root (uint16 little endian).
    pub fn dataIndex(self: Event, i: usize) ?u16 {
        if (i >= self.dataIndexCount()) return null;
        return std.mem.readInt(u16, self.data[32 + 2 * i ..][0..2], .little);
    }

    /// For `.request_done`, `.error` and `.peer_status`: the status as an error union.
    pub fn result(self: Event) Error!void {
        return check(self.status);
    }
};

/// Frees a list of events and the list itself.
pub fn freeEvents(allocator: Allocator, list: *std.ArrayList(Event)) void {
    for (list.items) |*e| e.deinit(allocator);
    list.deinit();
}

// ------------------------------------------------------------------ nodes

pub const Config = struct {
    /// Multiaddrs to listen on, e.g. "/ip4/127.0.0.1/tcp/0". Copied by the library.
    listen_addrs: []const [*:0]const u8 = &.{},
    /// secp256k1 identity key file (loaded, or created with mode 0600); null: ephemeral.
    identity_key_path: ?[*:0]const u8 = null,
    /// Limits; 0 selects the library default.
    max_peers: u32 = 0,
    gossip_queue_capacity: u32 = 0,
    control_queue_capacity: u32 = 0,
    error_queue_capacity: u32 = 0,
    max_message_size: u32 = 0,
    dial_timeout_ms: u32 = 0,
    stop_grace_ms: u32 = 0,
};

/// A connected peer; strings owned by the PeerList.
pub const Peer = struct {
    peer_id: []const u8,
    direction: []const u8,
    addr: []const u8,
};

pub const PeerList = struct {
    items: []Peer,
    storage: []u8,

    pub fn deinit(self: *PeerList, allocator: Allocator) void {
        allocator.free(self.items);
        allocator.free(self.storage);
        self.* = undefined;
    }
};

pub const Counters = c.libp2pc_counters;

pub const Root = [32]u8;
pub const ForkDigest = [4]u8;

pub const MembershipCounters = c.libp2pc_membership_counters;
pub const MemberCounters = c.libp2pc_member_counters;
pub const Eth2Counters = c.libp2pc_eth2_counters;
pub const ReqRespCounters = c.libp2pc_reqresp_counters;
pub const DiscoveryCounters = c.libp2pc_discovery_counters;
pub const SyncStatus = c.libp2pc_chain_sync_status;
pub const Status = c.libp2pc_eth2_status;
pub const Metadata = c.libp2pc_eth2_metadata;

/// How an eth2 topic is validated (LIBP2PC_ETH2_VALIDATE_*).
pub const ValidationMode = enum(u32) {
    host = c.LIBP2PC_ETH2_VALIDATE_HOST,
    go = c.LIBP2PC_ETH2_VALIDATE_GO,
    none = c.LIBP2PC_ETH2_VALIDATE_NONE,
};

/// The host's verdict on a GOSSIP_VALIDATE (LIBP2PC_VALIDATION_*).
pub const Validation = enum(u32) {
    accept = c.LIBP2PC_VALIDATION_ACCEPT,
    reject = c.LIBP2PC_VALIDATION_REJECT,
    ignore = c.LIBP2PC_VALIDATION_IGNORE,
};

pub const ServeMode = enum(u32) {
    none = c.LIBP2PC_SERVE_NONE,
    by_host = c.LIBP2PC_SERVE_BY_HOST,
};

pub const Eth2Config = struct {
    genesis_time: u64,
    genesis_validators_root: Root,
    /// Exactly one of the two: the consensus config YAML text, or its path.
    config_yaml: ?[]const u8 = null,
    config_path: ?[*:0]const u8 = null,
    /// 0 selects the library default.
    slots_per_epoch: u64 = 0,
    active_validators: u64 = 0,
    validation_timeout_ms: u32 = 0,
    max_pending_validations: u32 = 0,
    fork_lead_slots: u32 = 0,
    fork_tail_slots: u32 = 0,
};

pub const ChainConfig = struct {
    data_dir: [*:0]const u8,
    /// SSZ BeaconState to anchor a new store at; null to reopen one.
    anchor_state: ?[]const u8 = null,
    config_yaml: []const u8,
    /// Checkpoint sync (ABI 2.1); all optional.
    checkpoint_sync_url: ?[*:0]const u8 = null,
    checkpoint_id: ?[*:0]const u8 = null,
    checkpoint_state: ?[]const u8 = null,
    checkpoint_block: ?[]const u8 = null,
    ws_checkpoint: ?[*:0]const u8 = null,
    /// ABI 2.2: backfill stops this many epochs behind a checkpoint anchor (0: genesis).
    backfill_epochs: u64 = 0,
    /// ABI 2.2: accept a checkpoint outside its weak subjectivity period.
    allow_stale_checkpoint: bool = false,
    /// ABI 2.2: PeerDAS custody groups; 0: CUSTODY_REQUIREMENT.
    custody_group_count: u64 = 0,
    /// ABI 2.2: the execution client's Engine API, e.g. "http://127.0.0.1:8551",
    /// with its JWT secret: `jwt_secret` bytes, or the hex file `jwt_secret_path`.
    engine_endpoint: ?[*:0]const u8 = null,
    jwt_secret_path: ?[*:0]const u8 = null,
    jwt_secret: ?[32]u8 = null,
};

/// The data availability counters (`libp2pc_node_chain_da_counters`).
pub const DaCounters = c.libp2pc_chain_da_counters;

/// The kind of sidecars `getSidecars` returns.
pub const SidecarKind = enum(u32) {
    blob = 1,
    data_column = 2,
    _,
};

/// A block's stored sidecars: `buf` holds, per sidecar, a u32 little-endian
/// length and then its SSZ; `next` walks them. Free with `deinit`.
pub const Sidecars = struct {
    kind: SidecarKind,
    count: u32,
    buf: []u8,

    pub const Iterator = struct {
        rest: []const u8,
        /// The next sidecar's SSZ; null at the end (or on a truncated buffer).
        pub fn next(it: *Iterator) ?[]const u8 {
            if (it.rest.len < 4) return null;
            const n = std.mem.readInt(u32, it.rest[0..4], .little);
            if (it.rest.len - 4 < n) return null;
            const s = it.rest[4..][0..n];
            it.rest = it.rest[4 + n ..];
            return s;
        }
    };

    pub fn iterator(self: Sidecars) Iterator {
        return .{ .rest = self.buf };
    }

    pub fn deinit(self: Sidecars, allocator: Allocator) void {
        allocator.free(self.buf);
    }
};

/// The size of one blob (`chainProposeBlobs`).
pub const blob_size: usize = 131072;

pub const DiscoveryConfig = struct {
    listen_udp: ?[*:0]const u8 = null,
    advertise_ip: ?[*:0]const u8 = null,
    bootnodes: []const [*:0]const u8 = &.{},
    static_peers: []const [*:0]const u8 = &.{},
    trusted_peers: []const [*:0]const u8 = &.{},
    target_peers: u32 = 0,
    max_peers: u32 = 0,
    prune_above: u32 = 0,
    outbound_percent: u32 = 0,
    ban_seconds: u32 = 0,
    max_ban_seconds: u32 = 0,
    status_timeout_ms: u32 = 0,
    tick_ms: u32 = 0,
    max_finalized_lag: u64 = 0,
    attnets: [8]u8 = .{0} ** 8,
    syncnets: u8 = 0,
    custody_group_count: u64 = 0,
};

pub const Transport = union(enum) {
    libp2p,
    /// Raw TCP (not authenticated): listen "127.0.0.1:0" style, node_id the member id.
    tcp: struct { listen: ?[*:0]const u8 = null, node_id: ?[*:0]const u8 = null },
};

pub const Member = struct {
    id: [*:0]const u8,
    addr: [*:0]const u8,
};

/// One peer table row: the C row with its strings copied into `storage`.
pub const PeerInfo = struct {
    peer_id: []const u8,
    direction: []const u8,
    addr: []const u8,
    agent: []const u8,
    ban_reason: []const u8,
    /// The numeric fields, as the library wrote them (its string pointers
    /// are cleared: they died with the C table).
    raw: c.libp2pc_peer_info,
};

pub const PeerTable = struct {
    items: []PeerInfo,
    storage: []u8,

    pub fn deinit(self: *PeerTable, allocator: Allocator) void {
        allocator.free(self.items);
        allocator.free(self.storage);
        self.* = undefined;
    }
};

/// Log records (libp2pc_set_log_callback) are borrowed for the callback.
pub const LogRecord = c.libp2pc_log_record;
pub const LogCallback = *const fn (rec: [*c]const LogRecord, user_data: ?*anyopaque) callconv(.c) void;

/// Sends the library's log records at `min_level` (LIBP2PC_LOG_*) and above,
/// process-wide, to `cb` on one library thread; null turns logging off.
/// `user_data` must stay valid while `cb` is installed.
pub fn setLogCallback(min_level: i32, cb: ?LogCallback, user_data: ?*anyopaque) Error!void {
    return check(c.libp2pc_set_log_callback(min_level, cb, user_data));
}

/// Copies `len` bytes the library allocated into `allocator`'s memory and
/// frees the original with libp2pc_free.
fn takeBuffer(allocator: Allocator, p: ?*anyopaque, len: usize) Allocator.Error![]u8 {
    defer c.libp2pc_free(p);
    const src: [*]const u8 = if (p) |q| @ptrCast(q) else return try allocator.alloc(u8, 0);
    return try allocator.dupe(u8, src[0..len]);
}

fn cOpt(p: ?[*:0]const u8) [*c]const u8 {
    return if (p) |q| q else null;
}

/// A poll-mode node. Thread-safe for every call except that only one thread
/// may `poll` it at a time. `deinit` destroys it (a running node is stopped;
/// its remaining events are discarded).
pub const Node = struct {
    handle: c.libp2pc_node,

    pub fn init(config: Config) Error!Node {
        try init_lib();
        var cfg: c.libp2pc_config = undefined;
        try check(c.libp2pc_config_init_sized(&cfg, @sizeOf(c.libp2pc_config)));
        cfg.listen_addrs = if (config.listen_addrs.len == 0) null else @ptrCast(config.listen_addrs.ptr);
        cfg.listen_addrs_len = config.listen_addrs.len;
        cfg.identity_key_path = config.identity_key_path orelse null;
        cfg.max_peers = config.max_peers;
        cfg.gossip_queue_capacity = config.gossip_queue_capacity;
        cfg.control_queue_capacity = config.control_queue_capacity;
        cfg.error_queue_capacity = config.error_queue_capacity;
        cfg.max_message_size = config.max_message_size;
        cfg.dial_timeout_ms = config.dial_timeout_ms;
        cfg.stop_grace_ms = config.stop_grace_ms;
        cfg.on_event = null; // poll mode
        cfg.user_data = null;
        var h: c.libp2pc_node = 0;
        try check(c.libp2pc_node_new(&cfg, &h));
        return .{ .handle = h };
    }

    /// Destroys the node, ignoring errors (use `close` to see them).
    pub fn deinit(self: *Node) void {
        _ = c.libp2pc_node_destroy(self.handle);
        self.* = undefined;
    }

    /// Destroys the node now. Later calls with it (and a second close)
    /// fail with error.BadHandle. Closes the event fd.
    pub fn close(self: Node) Error!void {
        return check(c.libp2pc_node_destroy(self.handle));
    }

    fn request(rc: c_int, id: RequestId) Error!RequestId {
        try check(rc);
        return id;
    }

    /// Starts listening; completes after a `.listening` event.
    pub fn start(self: Node) Error!RequestId {
        var id: u64 = 0;
        return request(c.libp2pc_node_start(self.handle, &id), id);
    }

    /// Stops gracefully; `.stopped` is the last event. Twice: error.BadState.
    pub fn stop(self: Node) Error!RequestId {
        var id: u64 = 0;
        return request(c.libp2pc_node_stop(self.handle, &id), id);
    }

    /// Connects to a multiaddr ending in /p2p/<peer id>.
    pub fn dial(self: Node, multiaddr: [:0]const u8) Error!RequestId {
        var id: u64 = 0;
        return request(c.libp2pc_node_dial(self.handle, multiaddr.ptr, &id), id);
    }

    pub fn disconnect(self: Node, peer_id: [:0]const u8) Error!RequestId {
        var id: u64 = 0;
        return request(c.libp2pc_node_disconnect(self.handle, peer_id.ptr, &id), id);
    }

    pub fn subscribe(self: Node, topic: [:0]const u8) Error!RequestId {
        var id: u64 = 0;
        return request(c.libp2pc_node_subscribe(self.handle, topic.ptr, &id), id);
    }

    pub fn unsubscribe(self: Node, topic: [:0]const u8) Error!RequestId {
        var id: u64 = 0;
        return request(c.libp2pc_node_unsubscribe(self.handle, topic.ptr, &id), id);
    }

    /// Publishes `data` (copied before return) on a subscribed topic.
    pub fn publish(self: Node, topic: [:0]const u8, data: []const u8) Error!RequestId {
        var id: u64 = 0;
        return request(c.libp2pc_node_publish(self.handle, topic.ptr, data.ptr, data.len, &id), id);
    }

    /// Writes the node's peer id into `buf` and returns it.
    pub fn peerId(self: Node, buf: *[128]u8) Error![]const u8 {
        try check(c.libp2pc_node_peer_id(self.handle, buf, buf.len));
        return std.mem.sliceTo(buf, 0);
    }

    /// The connected peers, copied into memory from `allocator`.
    pub fn peers(self: Node, allocator: Allocator) (Error || Allocator.Error)!PeerList {
        var raw: [*c]c.libp2pc_peer = null;
        var n: usize = 0;
        try check(c.libp2pc_node_peers_sized(self.handle, &raw, &n, @sizeOf(c.libp2pc_peer)));
        defer c.libp2pc_peers_free(raw);
        var total: usize = 0;
        for (0..n) |i| total += Event.cstr(raw[i].peer_id).len + Event.cstr(raw[i].direction).len + Event.cstr(raw[i].addr).len;
        const storage = try allocator.alloc(u8, total);
        errdefer allocator.free(storage);
        const items = try allocator.alloc(Peer, n);
        var pos: usize = 0;
        for (0..n) |i| {
            var strs = [3][]const u8{ Event.cstr(raw[i].peer_id), Event.cstr(raw[i].direction), Event.cstr(raw[i].addr) };
            for (&strs) |*s| {
                @memcpy(storage[pos..][0..s.len], s.*);
                s.* = storage[pos..][0..s.len];
                pos += s.len;
            }
            items[i] = .{ .peer_id = strs[0], .direction = strs[1], .addr = strs[2] };
        }
        return .{ .items = items, .storage = storage };
    }

    pub fn counters(self: Node) Error!Counters {
        var out = std.mem.zeroes(Counters);
        out.struct_size = @sizeOf(Counters);
        try check(c.libp2pc_node_counters(self.handle, &out));
        return out;
    }

    /// The descriptor that is readable exactly while events wait. Do not read
    /// or close it; it lives until the node is destroyed.
    pub fn eventFd(self: Node) Error!std.posix.fd_t {
        var fd: c_int = -1;
        try check(c.libp2pc_node_event_fd(self.handle, &fd));
        return fd;
    }

    /// A pollfd entry for this node, for your own std.posix.poll set.
    pub fn pollFd(self: Node) Error!std.posix.pollfd {
        return .{ .fd = try self.eventFd(), .events = std.posix.POLL.IN, .revents = 0 };
    }

    /// Waits up to `timeout_ms` (-1: forever) until events are waiting.
    pub fn waitReadable(self: Node, timeout_ms: i32) (Error || std.posix.PollError)!bool {
        var fds = [_]std.posix.pollfd{try self.pollFd()};
        return (try std.posix.poll(&fds, timeout_ms)) > 0;
    }

    // ------------------------------------------------------ metrics

    /// The node's metrics (Prometheus text), in memory from `allocator`.
    pub fn metricsText(self: Node, allocator: Allocator) (Error || Allocator.Error)![]u8 {
        var p: [*c]u8 = null;
        var len: usize = 0;
        try check(c.libp2pc_node_metrics_text(self.handle, &p, &len));
        return takeBuffer(allocator, p, len);
    }

    /// Serves the metrics at http://addr/metrics; returns the bound address (in buf).
    pub fn metricsServe(self: Node, addr: [:0]const u8, buf: *[128]u8) Error![]const u8 {
        try check(c.libp2pc_node_metrics_serve(self.handle, addr.ptr, buf, buf.len));
        return std.mem.sliceTo(buf, 0);
    }

    // ------------------------------------------------------ membership

    /// Starts the membership transport; returns the local member id (in buf).
    pub fn membershipStart(self: Node, transport: Transport, buf: *[256]u8) Error![]const u8 {
        const rc = switch (transport) {
            .libp2p => c.libp2pc_node_membership_start(self.handle, "libp2p", null, null, buf, buf.len),
            .tcp => |t| c.libp2pc_node_membership_start(self.handle, "tcp", cOpt(t.listen), cOpt(t.node_id), buf, buf.len),
        };
        try check(rc);
        return std.mem.sliceTo(buf, 0);
    }

    pub fn membershipAddr(self: Node, buf: *[512]u8) Error![]const u8 {
        try check(c.libp2pc_node_membership_addr(self.handle, buf, buf.len));
        return std.mem.sliceTo(buf, 0);
    }

    /// Replaces the membership (all or nothing).
    pub fn membershipSet(self: Node, allocator: Allocator, members: []const Member) (Error || Allocator.Error)!void {
        const raw = try allocator.alloc(c.libp2pc_member, members.len);
        defer allocator.free(raw);
        for (members, raw) |m, *r| r.* = .{ .id = m.id, .addr = m.addr };
        try check(c.libp2pc_node_membership_set_sized(self.handle, raw.ptr, raw.len, @sizeOf(c.libp2pc_member)));
    }

    pub fn memberSend(self: Node, id: [:0]const u8, data: []const u8) Error!void {
        return check(c.libp2pc_node_member_send(self.handle, id.ptr, data.ptr, data.len));
    }

    pub fn memberBroadcast(self: Node, data: []const u8) Error!void {
        return check(c.libp2pc_node_member_broadcast(self.handle, data.ptr, data.len));
    }

    pub fn membershipCounters(self: Node) Error!MembershipCounters {
        var out = std.mem.zeroes(MembershipCounters);
        out.struct_size = @sizeOf(MembershipCounters);
        try check(c.libp2pc_node_membership_counters(self.handle, &out));
        return out;
    }

    pub fn memberCounters(self: Node, id: [:0]const u8) Error!MemberCounters {
        var out = std.mem.zeroes(MemberCounters);
        out.struct_size = @sizeOf(MemberCounters);
        try check(c.libp2pc_node_member_counters(self.handle, id.ptr, &out));
        return out;
    }

    // ------------------------------------------------------ eth2 gossip

    pub fn eth2Configure(self: Node, config: Eth2Config) Error!void {
        var cfg: c.libp2pc_eth2_config = undefined;
        try check(c.libp2pc_eth2_config_init_sized(&cfg, @sizeOf(c.libp2pc_eth2_config)));
        cfg.genesis_time = config.genesis_time;
        cfg.genesis_validators_root = config.genesis_validators_root;
        if (config.config_yaml) |y| {
            cfg.config_yaml = y.ptr;
            cfg.config_yaml_len = y.len;
        }
        cfg.config_path = cOpt(config.config_path);
        cfg.slots_per_epoch = config.slots_per_epoch;
        cfg.active_validators = config.active_validators;
        cfg.validation_timeout_ms = config.validation_timeout_ms;
        cfg.max_pending_validations = config.max_pending_validations;
        cfg.fork_lead_slots = config.fork_lead_slots;
        cfg.fork_tail_slots = config.fork_tail_slots;
        return check(c.libp2pc_node_eth2_configure(self.handle, &cfg));
    }

    pub fn eth2Subscribe(self: Node, topic_name: [:0]const u8, mode: ValidationMode) Error!RequestId {
        var id: u64 = 0;
        return request(c.libp2pc_node_eth2_subscribe(self.handle, topic_name.ptr, @intFromEnum(mode), &id), id);
    }

    pub fn eth2Unsubscribe(self: Node, topic_name: [:0]const u8) Error!RequestId {
        var id: u64 = 0;
        return request(c.libp2pc_node_eth2_unsubscribe(self.handle, topic_name.ptr, &id), id);
    }

    pub fn eth2Publish(self: Node, topic: [:0]const u8, ssz: []const u8) Error!RequestId {
        var id: u64 = 0;
        return request(c.libp2pc_node_eth2_publish(self.handle, topic.ptr, ssz.ptr, ssz.len, &id), id);
    }

    /// Publishes without a completion event (failures after queuing are counted).
    pub fn eth2PublishNowait(self: Node, topic: [:0]const u8, ssz: []const u8) Error!void {
        return check(c.libp2pc_node_eth2_publish_nowait(self.handle, topic.ptr, ssz.ptr, ssz.len));
    }

    pub fn eth2PublishNowaitCounters(self: Node) Error!struct { dropped: u64, failed: u64 } {
        var dropped: u64 = 0;
        var failed: u64 = 0;
        try check(c.libp2pc_node_eth2_publish_nowait_counters(self.handle, &dropped, &failed));
        return .{ .dropped = dropped, .failed = failed };
    }

    /// Answers a `.gossip_validate` event (its request_id).
    pub fn reportValidation(self: Node, validation_id: u64, verdict: Validation) Error!void {
        return check(c.libp2pc_node_report_validation(self.handle, validation_id, @intFromEnum(verdict)));
    }

    pub fn eth2Counters(self: Node) Error!Eth2Counters {
        var out = std.mem.zeroes(Eth2Counters);
        out.struct_size = @sizeOf(Eth2Counters);
        try check(c.libp2pc_node_eth2_counters(self.handle, &out));
        return out;
    }

    // ------------------------------------------------------ req/resp

    pub fn setReqrespTimeouts(self: Node, ttfb_ms: u32, resp_ms: u32, serve_timeout_ms: u32) Error!void {
        return check(c.libp2pc_node_set_reqresp_timeouts(self.handle, ttfb_ms, resp_ms, serve_timeout_ms));
    }

    /// Sets the node's Status (struct_size is set here).
    pub fn setStatus(self: Node, status: Status) Error!void {
        var s = status;
        s.struct_size = @sizeOf(Status);
        return check(c.libp2pc_node_set_status(self.handle, &s));
    }

    pub fn setMetadata(self: Node, md: Metadata) Error!void {
        var m = md;
        m.struct_size = @sizeOf(Metadata);
        return check(c.libp2pc_node_set_metadata(self.handle, &m));
    }

    pub fn serve(self: Node, protocol: [:0]const u8, mode: ServeMode) Error!void {
        return check(c.libp2pc_node_serve(self.handle, protocol.ptr, @intFromEnum(mode)));
    }

    /// Sends a request; chunks come as `.response_chunk`, then `.request_done`.
    pub fn sendRequest(self: Node, peer_id: [:0]const u8, protocol: [:0]const u8, body: []const u8, timeout_ms: u32) Error!RequestId {
        var id: u64 = 0;
        const ptr: [*c]const u8 = if (body.len == 0) null else body.ptr;
        return request(c.libp2pc_node_request(self.handle, peer_id.ptr, protocol.ptr, ptr, body.len, timeout_ms, &id), id);
    }

    pub fn respondChunk(self: Node, incoming_id: u64, context: ?ForkDigest, data: []const u8) Error!void {
        if (context) |ctx| {
            return check(c.libp2pc_node_respond_chunk(self.handle, incoming_id, &ctx, ctx.len, data.ptr, data.len));
        }
        return check(c.libp2pc_node_respond_chunk(self.handle, incoming_id, null, 0, data.ptr, data.len));
    }

    pub fn respondEnd(self: Node, incoming_id: u64) Error!void {
        return check(c.libp2pc_node_respond_end(self.handle, incoming_id));
    }

    pub fn respondError(self: Node, incoming_id: u64, code: u8, msg: [:0]const u8) Error!void {
        return check(c.libp2pc_node_respond_error(self.handle, incoming_id, code, msg.ptr));
    }

    pub fn goodbye(self: Node, peer_id: [:0]const u8, reason: u64) Error!RequestId {
        var id: u64 = 0;
        return request(c.libp2pc_node_goodbye(self.handle, peer_id.ptr, reason, &id), id);
    }

    pub fn reqrespCounters(self: Node) Error!ReqRespCounters {
        var out = std.mem.zeroes(ReqRespCounters);
        out.struct_size = @sizeOf(ReqRespCounters);
        try check(c.libp2pc_node_reqresp_counters(self.handle, &out));
        return out;
    }

    // ------------------------------------------------------ chain

    pub fn chainStart(self: Node, config: ChainConfig) Error!RequestId {
        var cfg: c.libp2pc_chain_config = undefined;
        try check(c.libp2pc_chain_config_init_sized(&cfg, @sizeOf(c.libp2pc_chain_config)));
        cfg.data_dir = config.data_dir;
        if (config.anchor_state) |s| {
            cfg.anchor_state = s.ptr;
            cfg.anchor_state_len = s.len;
        }
        cfg.config_yaml = config.config_yaml.ptr;
        cfg.config_yaml_len = config.config_yaml.len;
        cfg.checkpoint_sync_url = cOpt(config.checkpoint_sync_url);
        cfg.checkpoint_id = cOpt(config.checkpoint_id);
        if (config.checkpoint_state) |s| {
            cfg.checkpoint_state = s.ptr;
            cfg.checkpoint_state_len = s.len;
        }
        if (config.checkpoint_block) |b| {
            cfg.checkpoint_block = b.ptr;
            cfg.checkpoint_block_len = b.len;
        }
        cfg.ws_checkpoint = cOpt(config.ws_checkpoint);
        cfg.backfill_epochs = config.backfill_epochs;
        cfg.allow_stale_checkpoint = @intFromBool(config.allow_stale_checkpoint);
        cfg.custody_group_count = config.custody_group_count;
        cfg.engine_endpoint = cOpt(config.engine_endpoint);
        cfg.jwt_secret_path = cOpt(config.jwt_secret_path);
        if (config.jwt_secret) |j| cfg.jwt_secret = j;
        var id: u64 = 0;
        return request(c.libp2pc_node_chain_start(self.handle, &cfg, &id), id);
    }

    pub fn chainHead(self: Node) Error!struct { root: Root, slot: u64 } {
        var root: Root = undefined;
        var slot: u64 = 0;
        try check(c.libp2pc_node_chain_head(self.handle, &root, &slot));
        return .{ .root = root, .slot = slot };
    }

    pub fn chainFinalized(self: Node) Error!struct { root: Root, epoch: u64 } {
        var root: Root = undefined;
        var epoch: u64 = 0;
        try check(c.libp2pc_node_chain_finalized(self.handle, &root, &epoch));
        return .{ .root = root, .epoch = epoch };
    }

    /// The stored SSZ SignedBeaconBlock of `root`, in memory from `allocator`.
    pub fn getBlock(self: Node, allocator: Allocator, root: Root) (Error || Allocator.Error)![]u8 {
        var p: [*c]u8 = null;
        var len: usize = 0;
        try check(c.libp2pc_node_get_block(self.handle, &root, &p, &len));
        return takeBuffer(allocator, p, len);
    }

    /// The SSZ BeaconState after block `root`, in memory from `allocator`.
    pub fn getState(self: Node, allocator: Allocator, root: Root) (Error || Allocator.Error)![]u8 {
        var p: [*c]u8 = null;
        var len: usize = 0;
        try check(c.libp2pc_node_get_state(self.handle, &root, &p, &len));
        return takeBuffer(allocator, p, len);
    }

    /// The stored sidecars of block `root` (blob sidecars, or the node's
    /// custody columns), in memory from `allocator`.
    pub fn getSidecars(self: Node, allocator: Allocator, root: Root) (Error || Allocator.Error)!Sidecars {
        var p: [*c]u8 = null;
        var len: usize = 0;
        var kind: u32 = 0;
        var count: u32 = 0;
        try check(c.libp2pc_node_get_sidecars(self.handle, &root, &p, &len, &kind, &count));
        return .{ .kind = @enumFromInt(kind), .count = count, .buf = try takeBuffer(allocator, p, len) };
    }

    /// Hands a proposed block's blobs (`blob_size` bytes each, in the order
    /// of its commitments); the library builds, files and publishes their
    /// sidecars. REQUEST_DONE's code: the number built.
    pub fn chainProposeBlobs(self: Node, block: []const u8, blobs: []const u8) Error!RequestId {
        if (blobs.len % blob_size != 0) return error.InvalidArgument;
        var id: u64 = 0;
        return request(c.libp2pc_node_chain_propose_blobs(self.handle, block.ptr, block.len, blobs.ptr, blobs.len / blob_size, &id), id);
    }

    pub fn chainDaCounters(self: Node) Error!DaCounters {
        var out = std.mem.zeroes(DaCounters);
        out.struct_size = @sizeOf(DaCounters);
        try check(c.libp2pc_node_chain_da_counters(self.handle, &out));
        return out;
    }

    /// Hands a block to the pipeline; returns its root (the outcome is an event).
    pub fn submitBlock(self: Node, ssz: []const u8) Error!Root {
        var root: Root = undefined;
        try check(c.libp2pc_node_chain_submit_block(self.handle, ssz.ptr, ssz.len, &root));
        return root;
    }

    pub fn chainSyncStatus(self: Node) Error!SyncStatus {
        var out = std.mem.zeroes(SyncStatus);
        out.struct_size = @sizeOf(SyncStatus);
        try check(c.libp2pc_node_chain_sync_status(self.handle, &out));
        return out;
    }

    // ------------------------------------------------------ discovery

    pub fn discoveryConfigure(self: Node, config: DiscoveryConfig) Error!void {
        var cfg: c.libp2pc_discovery_config = undefined;
        try check(c.libp2pc_discovery_config_init_sized(&cfg, @sizeOf(c.libp2pc_discovery_config)));
        cfg.listen_udp = cOpt(config.listen_udp);
        cfg.advertise_ip = cOpt(config.advertise_ip);
        cfg.bootnodes = if (config.bootnodes.len == 0) null else @ptrCast(config.bootnodes.ptr);
        cfg.bootnodes_len = config.bootnodes.len;
        cfg.static_peers = if (config.static_peers.len == 0) null else @ptrCast(config.static_peers.ptr);
        cfg.static_peers_len = config.static_peers.len;
        cfg.trusted_peers = if (config.trusted_peers.len == 0) null else @ptrCast(config.trusted_peers.ptr);
        cfg.trusted_peers_len = config.trusted_peers.len;
        cfg.target_peers = config.target_peers;
        cfg.max_peers = config.max_peers;
        cfg.prune_above = config.prune_above;
        cfg.outbound_percent = config.outbound_percent;
        cfg.ban_seconds = config.ban_seconds;
        cfg.max_ban_seconds = config.max_ban_seconds;
        cfg.status_timeout_ms = config.status_timeout_ms;
        cfg.tick_ms = config.tick_ms;
        cfg.max_finalized_lag = config.max_finalized_lag;
        cfg.attnets = config.attnets;
        cfg.syncnets = config.syncnets;
        cfg.custody_group_count = config.custody_group_count;
        return check(c.libp2pc_node_discovery_configure(self.handle, &cfg));
    }

    pub fn forkDigest(self: Node) Error!ForkDigest {
        var d: ForkDigest = undefined;
        try check(c.libp2pc_node_fork_digest(self.handle, &d));
        return d;
    }

    pub fn enr(self: Node, buf: *[1024]u8) Error![]const u8 {
        try check(c.libp2pc_node_enr(self.handle, buf, buf.len));
        return std.mem.sliceTo(buf, 0);
    }

    /// Changes the ENR's attnets / syncnets / cgc (null: unchanged); returns its seq.
    pub fn updateEnr(self: Node, attnets: ?[8]u8, syncnets: ?u8, custody_group_count: ?u64) Error!u64 {
        var seq: u64 = 0;
        const a: [*c]const u8 = if (attnets) |*x| x else null;
        try check(c.libp2pc_node_update_enr(self.handle, a, syncnets orelse 0xff, custody_group_count orelse 0, &seq));
        return seq;
    }

    /// The peer table, copied into memory from `allocator`.
    pub fn peerTable(self: Node, allocator: Allocator) (Error || Allocator.Error)!PeerTable {
        var raw: [*c]c.libp2pc_peer_info = null;
        var n: usize = 0;
        try check(c.libp2pc_node_peer_table_sized(self.handle, &raw, &n, @sizeOf(c.libp2pc_peer_info)));
        defer c.libp2pc_peer_table_free(raw);
        var total: usize = 0;
        for (0..n) |i| {
            const r = raw[i];
            inline for (.{ "peer_id", "direction", "addr", "agent", "ban_reason" }) |f| total += Event.cstr(@field(r, f)).len;
        }
        const storage = try allocator.alloc(u8, total);
        errdefer allocator.free(storage);
        const items = try allocator.alloc(PeerInfo, n);
        var pos: usize = 0;
        for (0..n) |i| {
            var row = raw[i];
            var strs: [5][]const u8 = undefined;
            inline for (.{ "peer_id", "direction", "addr", "agent", "ban_reason" }, 0..) |f, j| {
                const s = Event.cstr(@field(row, f));
                @memcpy(storage[pos..][0..s.len], s);
                strs[j] = storage[pos..][0..s.len];
                pos += s.len;
                @field(row, f) = null;
            }
            items[i] = .{ .peer_id = strs[0], .direction = strs[1], .addr = strs[2], .agent = strs[3], .ban_reason = strs[4], .raw = row };
        }
        return .{ .items = items, .storage = storage };
    }

    pub fn ban(self: Node, peer_id: [:0]const u8, seconds: u32, reason: u64) Error!void {
        return check(c.libp2pc_node_ban(self.handle, peer_id.ptr, seconds, reason));
    }

    pub fn discoveryCounters(self: Node) Error!DiscoveryCounters {
        var out = std.mem.zeroes(DiscoveryCounters);
        out.struct_size = @sizeOf(DiscoveryCounters);
        try check(c.libp2pc_node_discovery_counters(self.handle, &out));
        return out;
    }

    const PollCtx = struct {
        allocator: Allocator,
        out: *std.ArrayList(Event),
        failed: bool = false,
    };

    fn collect(ev: [*c]const c.libp2pc_event, user_data: ?*anyopaque) callconv(.c) void {
        const ctx: *PollCtx = @ptrCast(@alignCast(user_data.?));
        if (ctx.failed) return;
        var e = Event.copyFrom(ctx.allocator, ev) catch {
            ctx.failed = true;
            return;
        };
        ctx.out.append(e) catch {
            e.deinit(ctx.allocator);
            ctx.failed = true;
        };
    }

    /// Takes up to `max` waiting events (never waits), appending owned
    /// copies to `out`; returns how many were taken. After `.stopped` has
    /// been delivered: error.Stopped. On OutOfMemory the events taken in
    /// this call but not appended are lost.
    pub fn poll(self: Node, allocator: Allocator, out: *std.ArrayList(Event), max: usize) (Error || Allocator.Error)!usize {
        var ctx = PollCtx{ .allocator = allocator, .out = out };
        var delivered: usize = 0;
        try check(c.libp2pc_node_poll(self.handle, collect, &ctx, max, &delivered));
        if (ctx.failed) return error.OutOfMemory;
        return delivered;
    }

    /// Zero-copy variant: calls `handler(context, ev)` for up to `max`
    /// waiting events; `ev` is borrowed until the handler returns.
    pub fn pollBorrowed(
        self: Node,
        max: usize,
        context: anytype,
        comptime handler: fn (@TypeOf(context), *const c.libp2pc_event) void,
    ) Error!usize {
        const Ctx = @TypeOf(context);
        const Tramp = struct {
            fn cb(ev: [*c]const c.libp2pc_event, ud: ?*anyopaque) callconv(.c) void {
                const ctx: *const Ctx = @ptrCast(@alignCast(ud.?));
                handler(ctx.*, ev);
            }
        };
        var ctx = context;
        var delivered: usize = 0;
        try check(c.libp2pc_node_poll(self.handle, Tramp.cb, @constCast(@ptrCast(&ctx)), max, &delivered));
        return delivered;
    }
};

const init_lib = init;

// ------------------------------------------------------------------ unit tests

const testing = std.testing;

test "error codes map both ways and have names" {
    var code: c_int = -1;
    while (code >= -15) : (code -= 1) {
        const err = errorFromCode(code);
        try testing.expect(err != error.Unknown);
        try testing.expectEqual(@as(?c_int, code), codeFromError(err));
        try testing.expect(!std.mem.eql(u8, strerror(code), "unknown"));
    }
    try testing.expectEqual(error.Unknown, errorFromCode(-99));
    try testing.expectError(error.BadState, check(c.LIBP2PC_ERR_BAD_STATE));
    try check(c.LIBP2PC_OK);
}

test "event type names match the library" {
    inline for (@typeInfo(EventType).@"enum".fields) |f| {
        try testing.expectEqualStrings(f.name, @as(EventType, @enumFromInt(f.value)).name());
    }
}

test "abi version and init" {
    try testing.expectEqual(abi_version >> 16, libraryAbiVersion() >> 16);
    try init();
    try testing.expectError(error.AbiMismatch, check(c.libp2pc_init((c.LIBP2PC_ABI_VERSION_MAJOR + 1) << 16)));
    try testing.expectError(error.AbiMismatch, check(c.libp2pc_init(1 << 16 | 2)));
    try testing.expect(std.mem.indexOf(u8, lastError(), "ABI") != null);
}

test "copyFrom deep-copies a borrowed event" {
    var data = [_]u8{ 1, 2, 3, 0, 5 };
    var id = [_]u8{9} ** 20;
    var topic_buf = "topic-x".*;
    const addr_list = [_][*c]const u8{ "/ip4/1.2.3.4/tcp/1", "/ip4/1.2.3.4/udp/1/quic-v1" };
    var raw = std.mem.zeroes(c.libp2pc_event);
    raw.type = c.LIBP2PC_EVENT_MESSAGE;
    raw.seq = 7;
    raw.peer_id = "peer";
    raw.topic = &topic_buf;
    raw.data = &data;
    raw.data_len = data.len;
    raw.msg_id = &id;
    raw.msg_id_len = id.len;
    raw.addrs = &addr_list;
    raw.addrs_len = addr_list.len;

    var ev = try Event.copyFrom(testing.allocator, &raw); // testing.allocator checks for leaks
    defer ev.deinit(testing.allocator);
    // Scribble over the "borrowed" memory: the copy must not change.
    @memset(&data, 0xaa);
    @memset(&topic_buf, 'z');
    try testing.expectEqual(EventType.message, ev.type);
    try testing.expectEqual(@as(u64, 7), ev.seq);
    try testing.expectEqualSlices(u8, &.{ 1, 2, 3, 0, 5 }, ev.data);
    try testing.expectEqualStrings("topic-x", ev.topic);
    try testing.expectEqualStrings("peer", ev.peer_id);
    try testing.expectEqual(@as(usize, 20), ev.msg_id.len);
    try testing.expectEqual(@as(usize, 2), ev.addrs.len);
    try testing.expectEqualStrings("/ip4/1.2.3.4/udp/1/quic-v1", ev.addrs[1]);
    try testing.expectEqualStrings("", ev.text);
}

test "copyFrom reports OutOfMemory without leaking" {
    var raw = std.mem.zeroes(c.libp2pc_event);
    raw.type = c.LIBP2PC_EVENT_LISTENING;
    const addr_list = [_][*c]const u8{"/ip4/127.0.0.1/tcp/1"};
    raw.addrs = &addr_list;
    raw.addrs_len = 1;
    raw.peer_id = "me";
    var failing = testing.FailingAllocator.init(testing.allocator, .{ .fail_index = 1 });
    try testing.expectError(error.OutOfMemory, Event.copyFrom(failing.allocator(), &raw));
}

test "copyFrom keeps protocol, code and context, and an unknown kind whole" {
    var ctx = [_]u8{ 0xde, 0xad, 0xbe, 0xef };
    var data = [_]u8{7} ** 96;
    var raw = std.mem.zeroes(c.libp2pc_event);
    raw.type = c.LIBP2PC_EVENT_RESPONSE_CHUNK;
    raw.request_id = 11;
    raw.protocol = "/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy";
    raw.code = 3;
    raw.context = &ctx;
    raw.context_len = ctx.len;
    var ev = try Event.copyFrom(testing.allocator, &raw);
    defer ev.deinit(testing.allocator);
    @memset(&ctx, 0);
    try testing.expectEqual(EventType.response_chunk, ev.type);
    try testing.expectEqualStrings("/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy", ev.protocol);
    try testing.expectEqual(@as(u64, 3), ev.code);
    try testing.expectEqualSlices(u8, &.{ 0xde, 0xad, 0xbe, 0xef }, ev.context);

    raw = std.mem.zeroes(c.libp2pc_event);
    raw.type = 99; // a kind from a newer library
    raw.code = 5;
    raw.text = "newer";
    raw.data = &data;
    raw.data_len = data.len;
    var unknown = try Event.copyFrom(testing.allocator, &raw);
    defer unknown.deinit(testing.allocator);
    try testing.expectEqual(@as(u32, 99), @intFromEnum(unknown.type));
    try testing.expectEqualStrings("unknown", unknown.type.name());
    try testing.expectEqual(@as(u64, 5), unknown.code);
    try testing.expectEqualStrings("newer", unknown.text);
    try testing.expectEqual(@as(u8, 7), unknown.root(2).?[31]);
    try testing.expect(unknown.root(3) == null);
}

test "every declaration compiles" {
    // Zig analyses only what is used: reference every wrapper so a wrong
    // call into the C API fails this build, not a user's.
    testing.refAllDecls(@This());
    testing.refAllDecls(Node);
}
