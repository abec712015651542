//! Two poll-mode nodes on 127.0.0.1 gossip one message; prints every event.
//!   zig build example -Dlib-dir=/abs/dir/with/libp2pc.so
const std = @import("std");
const p2p = @import("libp2pc");

const TOPIC = "demo-topic";

var gpa = std.heap.GeneralPurposeAllocator(.{}){};

const Named = struct {
    name: []const u8,
    node: p2p.Node,
    log: std.ArrayList(p2p.Event),
};

fn describe(n: *const Named, e: p2p.Event) void {
    std.debug.print("[{s}] #{d} {s}:", .{ n.name, e.seq, e.type.name() });
    switch (e.type) {
        .listening => std.debug.print(" {s} on {s}", .{ e.peer_id, e.addrs }),
        .peer_connected => std.debug.print(" {s} {s} via {s}", .{ e.peer_id, e.direction, e.addr }),
        .message => std.debug.print(" on {s} from {s}: \"{s}\"", .{ e.topic, e.peer_id, e.data }),
        .request_done => std.debug.print(" request {d} -> {s}", .{ e.request_id, p2p.strerror(e.status) }),
        .topic_peer_joined, .topic_peer_left => std.debug.print(" {s} on {s}", .{ e.peer_id, e.topic }),
        else => std.debug.print(" {s}", .{e.text}),
    }
    std.debug.print("\n", .{});
}

/// Runs the event loop (one poll over both fds) until `target` has an
/// event of type `ty`; prints every event.
fn until(nodes: []const *Named, target: *Named, ty: p2p.EventType) !p2p.Event {
    return untilWithin(nodes, target, ty, 20_000);
}

fn untilWithin(nodes: []const *Named, target: *Named, ty: p2p.EventType, timeout_ms: i64) !p2p.Event {
    const deadline = std.time.milliTimestamp() + timeout_ms;
    while (std.time.milliTimestamp() < deadline) {
        for (target.log.items) |e| if (e.type == ty) return e;
        var fds: [2]std.posix.pollfd = undefined;
        for (nodes, 0..) |n, i| fds[i] = try n.node.pollFd();
        if (try std.posix.poll(fds[0..nodes.len], 100) == 0) continue;
        for (nodes, fds[0..nodes.len]) |n, fd| {
            if (fd.revents & std.posix.POLL.IN == 0) continue;
            const before = n.log.items.len;
            _ = n.node.poll(gpa.allocator(), &n.log, 64) catch |err| if (err != error.Stopped) return err;
            for (n.log.items[before..]) |e| describe(n, e);
        }
    }
    return error.TimedOut;
}

/// Runs the event loop until request `id` of `target` has completed.
fn completed(nodes: []const *Named, target: *Named, id: p2p.RequestId) !void {
    const deadline = std.time.milliTimestamp() + 20_000;
    while (std.time.milliTimestamp() < deadline) {
        for (target.log.items) |e| if (e.type == .request_done and e.request_id == id) return e.result();
        _ = untilWithin(nodes, target, .stopped, 100) catch {};
    }
    return error.TimedOut;
}

pub fn main() !void {
    defer _ = gpa.deinit();
    const allocator = gpa.allocator();
    const cfg = p2p.Config{ .listen_addrs = &.{"/ip4/127.0.0.1/tcp/0"} };
    var a = Named{ .name = "a", .node = try p2p.Node.init(cfg), .log = std.ArrayList(p2p.Event).init(allocator) };
    var b = Named{ .name = "b", .node = try p2p.Node.init(cfg), .log = std.ArrayList(p2p.Event).init(allocator) };
    defer for ([_]*Named{ &a, &b }) |n| {
        p2p.freeEvents(allocator, &n.log);
        n.node.deinit();
    };
    const all = [_]*Named{ &a, &b };

    const start_a = try a.node.start();
    const start_b = try b.node.start();
    try completed(&all, &a, start_a);
    try completed(&all, &b, start_b);
    const l = try until(&all, &b, .listening); // comes before start's completion
    _ = try a.node.subscribe(TOPIC);
    _ = try b.node.subscribe(TOPIC);
    const target = try std.fmt.allocPrintZ(allocator, "{s}/p2p/{s}", .{ l.addrs[0], l.peer_id });
    defer allocator.free(target);
    _ = try a.node.dial(target);
    _ = try until(&all, &a, .topic_peer_joined);

    var i: usize = 0;
    while (i < 40) : (i += 1) {
        var buf: [64]u8 = undefined;
        _ = try a.node.publish(TOPIC, try std.fmt.bufPrint(&buf, "hello from zig #{d}", .{i}));
        if (untilWithin(&all, &b, .message, 500)) |m| {
            std.debug.print("b received \"{s}\"\n", .{m.data});
            break;
        } else |_| {}
    }
    _ = try a.node.stop();
    _ = try b.node.stop();
    _ = try until(&all, &a, .stopped);
    _ = try until(&all, &b, .stopped);
}
