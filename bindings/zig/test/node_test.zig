//! Integration tests: poll-mode nodes on 127.0.0.1 driven by one
//! std.posix.poll loop over their event fds. std.testing.allocator checks
//! that every event copy is freed.
const std = @import("std");
const p2p = @import("libp2pc");
const testing = std.testing;
const alloc = testing.allocator;

const TOPIC = "/libp2pc/zig-test/gossip";
const TIMEOUT_MS = 20_000;

/// A node and every event it delivered, in order.
const Watched = struct {
    node: p2p.Node,
    log: std.ArrayList(p2p.Event),
    stopped: bool = false,

    fn init(config: p2p.Config) !Watched {
        return .{ .node = try p2p.Node.init(config), .log = std.ArrayList(p2p.Event).init(alloc) };
    }

    fn local() !Watched {
        return init(.{ .listen_addrs = &.{"/ip4/127.0.0.1/tcp/0"} });
    }

    fn deinit(self: *Watched) void {
        p2p.freeEvents(alloc, &self.log);
        self.node.deinit();
    }

    fn peerId(self: *Watched, buf: *[128]u8) ![]const u8 {
        return self.node.peerId(buf);
    }
};

/// One turn of the event loop: waits until some node's fd is readable (or
/// timeout) and polls the readable ones.
fn pumpAll(nodes: []const *Watched, timeout_ms: i32) !void {
    var fds: [8]std.posix.pollfd = undefined;
    var idx: [8]usize = undefined;
    var n: usize = 0;
    for (nodes, 0..) |w, i| {
        if (w.stopped) continue;
        fds[n] = try w.node.pollFd();
        idx[n] = i;
        n += 1;
    }
    if (n == 0) return;
    if (try std.posix.poll(fds[0..n], timeout_ms) == 0) return;
    for (fds[0..n], idx[0..n]) |fd, i| {
        if (fd.revents & std.posix.POLL.IN == 0) continue;
        const w = nodes[i];
        _ = w.node.poll(alloc, &w.log, 64) catch |err| switch (err) {
            error.Stopped => w.stopped = true,
            else => return err,
        };
    }
}

const Match = struct {
    type: p2p.EventType,
    request_id: ?u64 = null,
    peer_id: ?[]const u8 = null,
    topic: ?[]const u8 = null,
};

fn matches(e: p2p.Event, m: Match) bool {
    if (e.type != m.type) return false;
    if (m.request_id) |id| if (e.request_id != id) return false;
    if (m.peer_id) |p| if (!std.mem.eql(u8, e.peer_id, p)) return false;
    if (m.topic) |t| if (!std.mem.eql(u8, e.topic, t)) return false;
    return true;
}

/// Pumps every node until `w` has delivered an event matching `m` (anywhere
/// in its log). The returned Event's slices stay owned by w.log.
fn waitWithin(all: []const *Watched, w: *Watched, m: Match, timeout_ms: i64) !p2p.Event {
    const deadline = std.time.milliTimestamp() + timeout_ms;
    while (true) {
        for (w.log.items) |e| if (matches(e, m)) return e;
        const left = deadline - std.time.milliTimestamp();
        if (left <= 0) return error.TimedOut;
        try pumpAll(all, @intCast(@min(left, 100)));
    }
}

fn waitFor(all: []const *Watched, w: *Watched, m: Match) !p2p.Event {
    return waitWithin(all, w, m, TIMEOUT_MS) catch |err| {
        if (err == error.TimedOut) std.debug.print("timed out waiting for {any}; log has {d} events\n", .{ m, w.log.items.len });
        return err;
    };
}

/// Waits for the completion of request `id` and returns its status as an error union.
fn done(all: []const *Watched, w: *Watched, id: p2p.RequestId) !void {
    const e = try waitFor(all, w, .{ .type = .request_done, .request_id = id });
    return e.result();
}

/// Waits for STOPPED; checks it is the last event, the seq has no gaps and
/// poll now reports error.Stopped.
fn expectStoppedLast(all: []const *Watched, w: *Watched) !void {
    _ = try waitFor(all, w, .{ .type = .stopped });
    try testing.expectEqual(p2p.EventType.stopped, w.log.items[w.log.items.len - 1].type);
    for (w.log.items, 1..) |e, i| try testing.expectEqual(@as(u64, i), e.seq);
    var more = std.ArrayList(p2p.Event).init(alloc);
    defer p2p.freeEvents(alloc, &more);
    try testing.expectError(error.Stopped, w.node.poll(alloc, &more, 8));
}

test "two poll-mode nodes gossip on 127.0.0.1" {
    var a = try Watched.local();
    defer a.deinit();
    var b = try Watched.local();
    defer b.deinit();
    const all = [_]*Watched{ &a, &b };
    var abuf: [128]u8 = undefined;
    var bbuf: [128]u8 = undefined;
    const a_id = try a.peerId(&abuf);
    const b_id = try b.peerId(&bbuf);

    try done(&all, &a, try a.node.start());
    try done(&all, &b, try b.node.start());
    const listening = try waitFor(&all, &b, .{ .type = .listening });
    try testing.expectEqualStrings(b_id, listening.peer_id);
    try testing.expect(listening.addrs.len >= 1);
    const target = try std.fmt.allocPrintZ(alloc, "{s}/p2p/{s}", .{ listening.addrs[0], listening.peer_id });
    defer alloc.free(target);

    try done(&all, &a, try a.node.subscribe(TOPIC));
    try done(&all, &b, try b.node.subscribe(TOPIC));
    try done(&all, &a, try a.node.dial(target));

    const ca = try waitFor(&all, &a, .{ .type = .peer_connected, .peer_id = b_id });
    try testing.expectEqualStrings("outbound", ca.direction);
    const cb = try waitFor(&all, &b, .{ .type = .peer_connected, .peer_id = a_id });
    try testing.expectEqualStrings("inbound", cb.direction);
    _ = try waitFor(&all, &a, .{ .type = .topic_peer_joined, .peer_id = b_id, .topic = TOPIC });
    _ = try waitFor(&all, &b, .{ .type = .topic_peer_joined, .peer_id = a_id, .topic = TOPIC });

    // The mesh may need a heartbeat: publish unique payloads (gossipsub
    // drops duplicates) until b receives one.
    var attempt: usize = 0;
    const msg = while (attempt < 40) : (attempt += 1) {
        const payload = try std.fmt.allocPrint(alloc, "zig a->b #{d}", .{attempt});
        defer alloc.free(payload);
        try done(&all, &a, try a.node.publish(TOPIC, payload));
        if (waitWithin(&all, &b, .{ .type = .message, .topic = TOPIC }, 500)) |m| break m else |err| {
            if (err != error.TimedOut) return err;
        }
    } else return error.NoMessageReceived;
    try testing.expectEqualStrings(a_id, msg.peer_id);
    try testing.expectEqual(@as(usize, 20), msg.msg_id.len);
    try testing.expect(std.mem.startsWith(u8, msg.data, "zig a->b #"));

    var peers = try a.node.peers(alloc);
    defer peers.deinit(alloc);
    try testing.expectEqual(@as(usize, 1), peers.items.len);
    try testing.expectEqualStrings(b_id, peers.items[0].peer_id);
    const counters_a = try a.node.counters();
    const counters_b = try b.node.counters();
    try testing.expect(counters_a.messages_published >= 1);
    try testing.expect(counters_b.messages_received >= 1);
    try testing.expectEqual(@as(u64, 1), counters_a.connected_peers);

    try done(&all, &a, try a.node.stop());
    try done(&all, &b, try b.node.stop());
    try expectStoppedLast(&all, &a);
    try expectStoppedLast(&all, &b);
    _ = try waitFor(&all, &b, .{ .type = .peer_disconnected, .peer_id = a_id });
}

test "bad multiaddr is error.InvalidArgument with a message" {
    var n = try Watched.local();
    defer n.deinit();
    const all = [_]*Watched{&n};
    try done(&all, &n, try n.node.start());
    try testing.expectError(error.InvalidArgument, n.node.dial("definitely not a multiaddr"));
    try testing.expect(p2p.lastError().len > 0);
    try testing.expectError(error.InvalidArgument, n.node.dial("/ip4/127.0.0.1/tcp/1"));
}

test "double stop is error.BadState; start twice too" {
    var n = try Watched.local();
    defer n.deinit();
    const all = [_]*Watched{&n};
    try done(&all, &n, try n.node.start());
    try testing.expectError(error.BadState, n.node.start());
    const id = try n.node.stop();
    try testing.expectError(error.BadState, n.node.stop());
    try done(&all, &n, id);
    try expectStoppedLast(&all, &n);
}

test "calls after close are error.BadHandle" {
    var n = try Watched.local();
    defer n.deinit(); // destroy again: BadHandle, ignored by deinit
    const all = [_]*Watched{&n};
    try done(&all, &n, try n.node.start());
    try n.node.close();
    var buf: [128]u8 = undefined;
    try testing.expectError(error.BadHandle, n.node.subscribe("t"));
    try testing.expectError(error.BadHandle, n.node.publish("t", "x"));
    try testing.expectError(error.BadHandle, n.node.stop());
    try testing.expectError(error.BadHandle, n.node.peerId(&buf));
    try testing.expectError(error.BadHandle, n.node.eventFd());
    try testing.expectError(error.BadHandle, n.node.counters());
    try testing.expectError(error.BadHandle, n.node.close());
}

test "publish errors: TooLarge at once, NotFound on completion" {
    var n = try Watched.init(.{ .listen_addrs = &.{"/ip4/127.0.0.1/tcp/0"}, .max_message_size = 16 });
    defer n.deinit();
    const all = [_]*Watched{&n};
    try done(&all, &n, try n.node.start());
    try done(&all, &n, try n.node.subscribe("t"));
    try testing.expectError(error.TooLarge, n.node.publish("t", &([_]u8{0} ** 17)));
    try done(&all, &n, try n.node.publish("t", &([_]u8{0} ** 16)));
    try testing.expectError(error.NotFound, done(&all, &n, try n.node.publish("not-subscribed", "x")));
    try testing.expectError(error.BadState, done(&all, &n, try n.node.subscribe("t")));
}

fn countEvent(counter: *usize, ev: *const p2p.c.libp2pc_event) void {
    _ = ev.seq;
    counter.* += 1;
}

test "pollBorrowed hands out borrowed events without copying" {
    var node = try p2p.Node.init(.{ .listen_addrs = &.{"/ip4/127.0.0.1/tcp/0"} });
    defer node.deinit();
    _ = try node.start();
    var count: usize = 0;
    const deadline = std.time.milliTimestamp() + TIMEOUT_MS;
    while (count < 2 and std.time.milliTimestamp() < deadline) { // LISTENING + REQUEST_DONE
        if (try node.waitReadable(100)) _ = try node.pollBorrowed(16, &count, countEvent);
    }
    try testing.expectEqual(@as(usize, 2), count);
}

test "a never-started node has no events; the library panic guard gives error.Internal" {
    var node = try p2p.Node.init(.{});
    defer node.deinit();
    try testing.expect(!(try node.waitReadable(50)));
    try testing.expectError(error.Internal, p2p.debugPanic());
    try testing.expect(p2p.lastError().len > 0);
}

test "the README's event loop runs to STOPPED" {
    const allocator = alloc;
    var node = try p2p.Node.init(.{ .listen_addrs = &.{"/ip4/127.0.0.1/tcp/0"} });
    defer node.deinit();
    const started = try node.start();
    var subscribed: ?p2p.RequestId = null;
    var events = std.ArrayList(p2p.Event).init(allocator);
    defer p2p.freeEvents(allocator, &events);
    loop: while (try node.waitReadable(TIMEOUT_MS)) {
        const first = events.items.len;
        _ = try node.poll(allocator, &events, 64);
        for (events.items[first..]) |ev| switch (ev.type) {
            .request_done => if (ev.request_id == started) {
                try ev.result();
                subscribed = try node.subscribe("blocks");
            } else if (subscribed != null and ev.request_id == subscribed.?) {
                try ev.result();
                _ = try node.stop();
            },
            .stopped => break :loop,
            else => {},
        };
    } else return error.TimedOut;
    try testing.expectEqual(p2p.EventType.stopped, events.items[events.items.len - 1].type);
}

fn chainFile(dir: []const u8, name: []const u8) ![]u8 {
    const path = try std.fs.path.join(alloc, &.{ dir, name });
    defer alloc.free(path);
    return std.fs.cwd().readFileAlloc(alloc, path, 64 << 20);
}

test "the chain: anchor at the generated genesis, import its blocks, follow the head" {
    const dir = std.posix.getenv("LIBP2PC_CHAIN_DIR") orelse {
        std.debug.print("LIBP2PC_CHAIN_DIR is not set: run `make test` (it runs chaingen)\n", .{});
        return error.NoChainData;
    };
    const genesis = try chainFile(dir, "genesis.ssz");
    defer alloc.free(genesis);
    const yaml = try chainFile(dir, "config.yaml");
    defer alloc.free(yaml);

    var n = try Watched.local();
    defer n.deinit();
    const all = [_]*Watched{&n};
    try n.node.eth2Configure(.{
        .genesis_time = @as(u64, @intCast(std.time.timestamp())) - 3600,
        .genesis_validators_root = genesis[8..40].*,
        .config_yaml = yaml,
    });
    try done(&all, &n, try n.node.start());
    try testing.expectError(error.BadState, n.node.chainHead());
    try testing.expectError(error.BadState, n.node.chainDaCounters());

    var tmp = testing.tmpDir(.{});
    defer tmp.cleanup();
    const data_dir = try tmp.dir.realpathAlloc(alloc, ".");
    defer alloc.free(data_dir);
    const data_dir_z = try alloc.dupeZ(u8, data_dir);
    defer alloc.free(data_dir_z);
    try done(&all, &n, try n.node.chainStart(.{ .data_dir = data_dir_z, .anchor_state = genesis, .config_yaml = yaml }));
    const anchor = try n.node.chainHead();
    try testing.expectEqual(@as(u64, 0), anchor.slot);
    try testing.expectEqual(@as(u64, 0), (try n.node.chainFinalized()).epoch);
    const anchor_state = try n.node.getState(alloc, anchor.root);
    defer alloc.free(anchor_state);
    try testing.expectEqualSlices(u8, genesis, anchor_state);

    const deadline = std.time.milliTimestamp() + TIMEOUT_MS;
    var roots: [3]p2p.Root = undefined;
    for (&roots, 1..) |*r, i| {
        const name = try std.fmt.allocPrint(alloc, "block_{d}.ssz", .{i});
        defer alloc.free(name);
        const block = try chainFile(dir, name);
        defer alloc.free(block);
        r.* = try n.node.submitBlock(block);
    }
    for (roots, 1..) |r, slot| {
        while (true) {
            const found = for (n.log.items) |e| {
                if (e.type == .block_imported and std.mem.eql(u8, &e.root(0).?, &r)) break e;
            } else null;
            if (found) |e| {
                try testing.expectEqual(@as(u64, slot), e.code);
                if (slot > 1) try testing.expectEqualSlices(u8, &roots[slot - 2], &e.root(1).?);
                break;
            }
            if (std.time.milliTimestamp() > deadline) return error.TimedOut;
            try pumpAll(&all, 100);
        }
    }
    // HEAD_CHANGED may come once per block or once for the last: wait for
    // the one naming the last block.
    while (true) {
        const last = for (n.log.items) |e| {
            if (e.type == .head_changed and std.mem.eql(u8, &e.root(0).?, &roots[2])) break e;
        } else null;
        if (last) |e| {
            try testing.expectEqual(@as(u64, 3), e.code);
            break;
        }
        if (std.time.milliTimestamp() > deadline) return error.TimedOut;
        try pumpAll(&all, 100);
    }
    const head = try n.node.chainHead();
    try testing.expectEqualSlices(u8, &roots[2], &head.root);
    try testing.expectEqual(@as(u64, 3), head.slot);
    const block1 = try chainFile(dir, "block_1.ssz");
    defer alloc.free(block1);
    const stored = try n.node.getBlock(alloc, roots[0]);
    defer alloc.free(stored);
    try testing.expectEqualSlices(u8, block1, stored);
    try testing.expectError(error.InvalidArgument, n.node.submitBlock("not a block"));
    const st = try n.node.chainSyncStatus();
    try testing.expect(st.blocks_imported >= 3 and st.head_slot >= 3);
    // Data availability (ABI 2.2): a phase0 chain stores no sidecars and
    // its blocks carry no blobs.
    const da = try n.node.chainDaCounters();
    try testing.expectEqual(@as(u64, 0), da.blocks_waited + da.waiting + da.sidecars_stored);
    try testing.expectError(error.NotFound, n.node.getSidecars(alloc, roots[0]));
    try testing.expectError(error.InvalidArgument, n.node.chainProposeBlobs("", ""));
    try testing.expectError(error.InvalidArgument, n.node.chainProposeBlobs(block1, "short"));
    const blob = try alloc.alloc(u8, p2p.blob_size);
    defer alloc.free(blob);
    @memset(blob, 0);
    try testing.expectError(error.InvalidArgument, done(&all, &n, try n.node.chainProposeBlobs(block1, blob)));
    const metrics = try n.node.metricsText(alloc);
    defer alloc.free(metrics);
    try testing.expect(std.mem.indexOf(u8, metrics, "beacon_head_slot") != null);

    _ = try n.node.stop();
    try expectStoppedLast(&all, &n);
}

test "data availability events and sidecar buffers decode (ABI 2.2)" {
    const data = [_]u8{7} ** 32 ++ [_]u8{ 3, 0, 1, 1 };
    const e = p2p.Event{ .type = .data_unavailable, .code = 40, .data = &data };
    try testing.expectEqual(@as(usize, 2), e.dataIndexCount());
    try testing.expectEqual(@as(?u16, 3), e.dataIndex(0));
    try testing.expectEqual(@as(?u16, 257), e.dataIndex(1));
    try testing.expectEqual(@as(?u16, null), e.dataIndex(2));
    try testing.expectEqualStrings("data_unavailable", p2p.EventType.data_unavailable.name());
    try testing.expectEqualStrings("engine_state", p2p.EventType.engine_state.name());

    var buf = [_]u8{ 2, 0, 0, 0, 0xaa, 0xbb, 0, 0, 0, 0, 9, 0, 0, 0, 0xcc };
    const sc = p2p.Sidecars{ .kind = .blob, .count = 3, .buf = &buf };
    var it = sc.iterator();
    try testing.expectEqualSlices(u8, &.{ 0xaa, 0xbb }, it.next().?);
    try testing.expectEqual(@as(usize, 0), it.next().?.len);
    try testing.expectEqual(@as(?[]const u8, null), it.next()); // length 9 past the end
}

test "membership over tcp: send, broadcast, counters" {
    var a = try Watched.local();
    defer a.deinit();
    var b = try Watched.local();
    defer b.deinit();
    const all = [_]*Watched{ &a, &b };
    try done(&all, &a, try a.node.start());
    try done(&all, &b, try b.node.start());
    var ida: [256]u8 = undefined;
    var idb: [256]u8 = undefined;
    try testing.expectEqualStrings("a", try a.node.membershipStart(.{ .tcp = .{ .node_id = "a" } }, &ida));
    try testing.expectEqualStrings("b", try b.node.membershipStart(.{ .tcp = .{ .node_id = "b" } }, &idb));
    var abuf: [512]u8 = undefined;
    var bbuf: [512]u8 = undefined;
    const a_addr = try alloc.dupeZ(u8, try a.node.membershipAddr(&abuf));
    defer alloc.free(a_addr);
    const b_addr = try alloc.dupeZ(u8, try b.node.membershipAddr(&bbuf));
    defer alloc.free(b_addr);
    const members = [_]p2p.Member{ .{ .id = "a", .addr = a_addr }, .{ .id = "b", .addr = b_addr } };
    try a.node.membershipSet(alloc, &members);
    try b.node.membershipSet(alloc, &members);
    try a.node.memberSend("b", "direct");
    try a.node.memberBroadcast("to all");
    try testing.expectError(error.NotFound, a.node.memberSend("nobody", "x"));
    const first = try waitFor(&all, &b, .{ .type = .member_message, .peer_id = "a" });
    try testing.expectEqualStrings("direct", first.data);
    const deadline = std.time.milliTimestamp() + TIMEOUT_MS;
    while ((try b.node.membershipCounters()).received < 2 and std.time.milliTimestamp() < deadline) try pumpAll(&all, 50);
    const cb = try b.node.membershipCounters();
    try testing.expectEqual(@as(u64, 2), cb.received);
    const ca = try a.node.memberCounters("b");
    try testing.expectEqual(@as(u64, 2), ca.enqueued);
    var mbuf: [128]u8 = undefined;
    const bound = try a.node.metricsServe("127.0.0.1:0", &mbuf);
    try testing.expect(std.mem.startsWith(u8, bound, "127.0.0.1:"));
}

test "eth2: status handshake, a served protocol, host validation, discovery" {
    const dir = std.posix.getenv("LIBP2PC_CHAIN_DIR") orelse return error.NoChainData;
    const genesis = try chainFile(dir, "genesis.ssz");
    defer alloc.free(genesis);
    const yaml = try chainFile(dir, "config.yaml");
    defer alloc.free(yaml);
    const block = try chainFile(dir, "block_1.ssz");
    defer alloc.free(block);
    const cfg: p2p.Eth2Config = .{
        .genesis_time = @as(u64, @intCast(std.time.timestamp())) - 3600,
        .genesis_validators_root = genesis[8..40].*,
        .config_yaml = yaml,
    };
    const BBR = "/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy";

    var a = try Watched.local();
    defer a.deinit();
    var b = try Watched.local();
    defer b.deinit();
    const all = [_]*Watched{ &a, &b };
    try a.node.eth2Configure(cfg);
    try b.node.eth2Configure(cfg);
    try a.node.discoveryConfigure(.{ .listen_udp = "127.0.0.1:0" });
    const digest = try a.node.forkDigest();
    var status = std.mem.zeroes(p2p.Status);
    status.fork_digest = digest;
    try a.node.setStatus(status);
    try b.node.setStatus(status);
    try b.node.serve(BBR, .by_host);
    try done(&all, &a, try a.node.start());
    try done(&all, &b, try b.node.start());
    var abuf: [128]u8 = undefined;
    var bbuf: [128]u8 = undefined;
    const a_id = try a.peerId(&abuf);
    const b_id_z = try alloc.dupeZ(u8, try b.peerId(&bbuf));
    defer alloc.free(b_id_z);
    const listening = try waitFor(&all, &b, .{ .type = .listening });
    const target = try std.fmt.allocPrintZ(alloc, "{s}/p2p/{s}", .{ listening.addrs[0], listening.peer_id });
    defer alloc.free(target);
    var enr_buf: [1024]u8 = undefined;
    try testing.expect(std.mem.startsWith(u8, try a.node.enr(&enr_buf), "enr:-"));
    const seq0 = (try a.node.discoveryCounters()).enr_seq;
    try testing.expectEqual(seq0 + 1, try a.node.updateEnr(.{0xff} ** 8, null, null));

    try done(&all, &a, try a.node.eth2Subscribe("beacon_block", .host));
    try done(&all, &b, try b.node.eth2Subscribe("beacon_block", .none));
    try done(&all, &a, try a.node.dial(target));
    const st = try waitFor(&all, &a, .{ .type = .peer_status, .peer_id = b_id_z });
    try st.result();
    try testing.expectEqualSlices(u8, &digest, st.data[0..4]);

    var body: [24]u8 = undefined; // BeaconBlocksByRangeRequest: start_slot, count, step (SSZ: little-endian)
    for (0..3) |i| std.mem.writeInt(u64, body[i * 8 ..][0..8], 1, .little);
    const rid = try a.node.sendRequest(b_id_z, BBR, &body, 10_000);
    const in = try waitFor(&all, &b, .{ .type = .incoming_request, .peer_id = a_id });
    try testing.expectEqualStrings(BBR, in.protocol);
    try b.node.respondChunk(in.request_id, digest, block);
    try b.node.respondEnd(in.request_id);
    try testing.expectError(error.NotFound, b.node.respondEnd(in.request_id));
    const chunk = try waitFor(&all, &a, .{ .type = .response_chunk, .request_id = rid });
    try testing.expectEqual(@as(u64, 0), chunk.code);
    try testing.expectEqualSlices(u8, &digest, chunk.context);
    try testing.expectEqualSlices(u8, block, chunk.data);
    const fin = try waitFor(&all, &a, .{ .type = .request_done, .request_id = rid });
    try fin.result();
    try testing.expectEqual(@as(u64, 1), fin.code);

    _ = try waitFor(&all, &b, .{ .type = .topic_peer_joined, .peer_id = a_id });
    try done(&all, &b, try b.node.eth2Publish("beacon_block", block));
    const v = try waitFor(&all, &a, .{ .type = .gossip_validate });
    try testing.expectEqualSlices(u8, block, v.data);
    try a.node.reportValidation(v.request_id, .accept);
    const m = try waitFor(&all, &a, .{ .type = .message });
    try testing.expectEqualSlices(u8, block, m.data);

    var table = try a.node.peerTable(alloc);
    defer table.deinit(alloc);
    try testing.expectEqual(@as(usize, 1), table.items.len);
    try testing.expectEqualStrings(b_id_z, table.items[0].peer_id);
    try testing.expect(table.items[0].raw.flags & p2p.c.LIBP2PC_PEER_HAS_STATUS != 0);
    try done(&all, &a, try a.node.goodbye(b_id_z, 3));
    const bye = try waitFor(&all, &b, .{ .type = .peer_goodbye, .peer_id = a_id });
    try testing.expectEqual(@as(u64, 3), bye.code);
    try a.node.ban(b_id_z, 120, 0);
    _ = try waitFor(&all, &a, .{ .type = .peer_banned, .peer_id = b_id_z });
    try testing.expect((try a.node.reqrespCounters()).requests_sent >= 1);
    try testing.expect((try a.node.eth2Counters()).topics[p2p.c.LIBP2PC_ETH2_TOPIC_BEACON_BLOCK].accepted == 1);
}
