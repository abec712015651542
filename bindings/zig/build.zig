//! Zig package for libp2pc.
//!
//!   zig build test -Dlib-dir=/abs/dir/with/libp2pc.so [-Dinclude-dir=/abs/include]
//!
//! lib-dir defaults to $LIBP2PC_LIB_DIR, then ../../build/lib; include-dir to
//! $LIBP2PC_INCLUDE_DIR, then ../../include (relative paths from this
//! directory). An rpath to lib-dir is added, so test binaries and examples run
//! without LD_LIBRARY_PATH.
//!
//! Other packages get the `libp2pc` module (b.dependency("libp2pc", ...).module("libp2pc")).
const std = @import("std");

fn dirOption(b: *std.Build, name: []const u8, env: []const u8, default: []const u8, desc: []const u8) []const u8 {
    const raw = b.option([]const u8, name, desc) orelse
        (b.graph.env_map.get(env) orelse default);
    const p = if (raw.len == 0) default else raw;
    return if (std.fs.path.isAbsolute(p)) p else b.pathFromRoot(p);
}

fn linkLibp2pc(m: *std.Build.Module, lib_dir: []const u8, include_dir: []const u8) void {
    m.addIncludePath(.{ .cwd_relative = include_dir });
    m.addLibraryPath(.{ .cwd_relative = lib_dir });
    m.addRPath(.{ .cwd_relative = lib_dir });
    m.linkSystemLibrary("p2pc", .{});
}

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});
    const lib_dir = dirOption(b, "lib-dir", "LIBP2PC_LIB_DIR", "../../build/lib", "directory holding libp2pc.so");
    const include_dir = dirOption(b, "include-dir", "LIBP2PC_INCLUDE_DIR", "../../include", "directory holding libp2pc.h");

    const mod = b.addModule("libp2pc", .{
        .root_source_file = b.path("src/libp2pc.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
    });
    linkLibp2pc(mod, lib_dir, include_dir);

    const test_step = b.step("test", "Run the libp2pc Zig tests (unit + two nodes gossiping on 127.0.0.1)");

    // Unit tests inside the wrapper.
    const unit = b.addTest(.{ .name = "unit", .root_source_file = b.path("src/libp2pc.zig"), .target = target, .optimize = optimize, .link_libc = true });
    linkLibp2pc(&unit.root_module, lib_dir, include_dir);
    test_step.dependOn(&b.addRunArtifact(unit).step);

    // Integration tests, using the module as a consumer would.
    const integ = b.addTest(.{ .name = "integration", .root_source_file = b.path("test/node_test.zig"), .target = target, .optimize = optimize, .link_libc = true });
    integ.root_module.addImport("libp2pc", mod);
    linkLibp2pc(&integ.root_module, lib_dir, include_dir);
    const run_integ = b.addRunArtifact(integ);
    run_integ.has_side_effects = true; // networking: never cache the result
    test_step.dependOn(&run_integ.step);

    // Example: two nodes gossiping, printed.
    const exe = b.addExecutable(.{ .name = "two_nodes", .root_source_file = b.path("test/two_nodes.zig"), .target = target, .optimize = optimize, .link_libc = true });
    exe.root_module.addImport("libp2pc", mod);
    linkLibp2pc(&exe.root_module, lib_dir, include_dir);
    b.installArtifact(exe);
    const run_exe = b.addRunArtifact(exe);
    b.step("example", "Run two nodes gossiping and print their events").dependOn(&run_exe.step);
}
