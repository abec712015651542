//! Zig bindings for libp2pc (include/libp2pc.h, ABI 2.0). The header's
//! libp2pc_config_init and libp2pc_node_peers are C macros passing the host's
//! struct size; Zig calls the _sized functions they expand to with @sizeOf of
//! the translated struct (the header's growth rule).
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
    _,

    /// The library's name ("message", "peer_connected", ...).
    pub fn name(t: EventType) [:0]const u8 {
        return std.mem.span(c.libp2pc_event_type_name(@intFromEnum(t)));
    }
};

pub const RequestId = u64;

/// An event copied out of the library's borrowed `libp2pc_event`: every
/// slice points into memory this Event owns (one buffer for all bytes, one
/// array for `addrs`). Free with `deinit` and the same allocator. Fields the
/// type does not use are empty / 0.
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
            cstr(ev.peer_id),                bytes(ev.msg_id, ev.msg_id_len),
            cstr(ev.direction),              bytes(ev.data, ev.data_len),
            cstr(ev.addr),                   cstr(ev.topic),
            cstr(ev.text),
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

    /// For `.request_done` and `.error`: the status as an error union.
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
