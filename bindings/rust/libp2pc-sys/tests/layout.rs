//! Checks the hand-written declarations against the real header: compiles a
//! C program that prints sizeof/offsetof of every struct, and compares with
//! Rust's view. Skipped (with a note) when no C compiler is available.
use libp2pc_sys::*;
use std::mem::{offset_of, size_of};
use std::process::Command;

fn c_layout() -> Option<String> {
    let inc = env!("LIBP2PC_SYS_INCLUDE_DIR");
    let dir = std::env::temp_dir().join(format!("libp2pc-sys-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let src = dir.join("layout.c");
    let exe = dir.join("layout");
    let mut prog = String::from("#include <stdio.h>\n#include <stddef.h>\n#include \"libp2pc.h\"\nint main(void){\n");
    for (ty, fields) in FIELDS {
        prog += &format!("printf(\"{ty} %zu\\n\", sizeof({ty}));\n");
        for f in *fields {
            prog += &format!("printf(\"{ty}.{f} %zu\\n\", offsetof({ty}, {f}));\n");
        }
    }
    prog += "printf(\"ABI %u\\n\", (unsigned)LIBP2PC_ABI_VERSION);\nreturn 0;}\n";
    std::fs::write(&src, prog).ok()?;
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let st = Command::new(cc).arg("-I").arg(inc).arg(&src).arg("-o").arg(&exe).status().ok()?;
    if !st.success() {
        panic!("C layout program did not compile against {inc}/libp2pc.h");
    }
    let out = Command::new(&exe).output().ok()?;
    let _ = std::fs::remove_dir_all(&dir);
    Some(String::from_utf8(out.stdout).unwrap())
}

const FIELDS: &[(&str, &[&str])] = &[
    ("libp2pc_event", &["type", "status", "seq", "request_id", "peer_id", "direction", "addr", "topic", "msg_id",
        "msg_id_len", "data", "data_len", "text", "addrs", "addrs_len", "dropped_gossip", "dropped_errors",
        "protocol", "code", "context", "context_len"]),
    ("libp2pc_config", &["struct_size", "reserved0", "listen_addrs", "listen_addrs_len", "identity_key_path",
        "max_peers", "gossip_queue_capacity", "control_queue_capacity", "error_queue_capacity", "max_message_size",
        "dial_timeout_ms", "stop_grace_ms", "reserved1", "on_event", "user_data"]),
    ("libp2pc_peer", &["peer_id", "direction", "addr"]),
    ("libp2pc_counters", &["struct_size", "reserved0", "events_delivered", "dropped_gossip", "dropped_errors",
        "dropped_subscription", "dropped_outbound_rpcs", "stale_gossip", "peers_refused_limit",
        "peers_refused_queue", "calls_refused_busy", "messages_received", "messages_published",
        "connected_peers", "duplicate_connections", "recovered_panics", "gossip_queue_len",
        "gossip_queue_capacity", "gossip_queue_high_water", "control_queue_len", "control_queue_capacity",
        "control_queue_high_water", "error_queue_len", "error_queue_capacity", "error_queue_high_water",
        "reserved1"]),
];

macro_rules! rust_layout {
    ($out:ident, $ty:ident { $($f:ident $(=> $cf:literal)?),* $(,)? }) => {{
        $out.push(format!("{} {}", stringify!($ty), size_of::<$ty>()));
        $(
            #[allow(unused_mut, unused_assignments)]
            let mut name = stringify!($f);
            $( name = $cf; )?
            $out.push(format!("{}.{} {}", stringify!($ty), name, offset_of!($ty, $f)));
        )*
    }};
}

#[test]
fn structs_match_the_c_header() {
    let mut rust = Vec::new();
    rust_layout!(rust, libp2pc_event { type_ => "type", status, seq, request_id, peer_id, direction, addr, topic,
        msg_id, msg_id_len, data, data_len, text, addrs, addrs_len, dropped_gossip, dropped_errors,
        protocol, code, context, context_len });
    rust_layout!(rust, libp2pc_config { struct_size, reserved0, listen_addrs, listen_addrs_len, identity_key_path,
        max_peers, gossip_queue_capacity, control_queue_capacity, error_queue_capacity, max_message_size,
        dial_timeout_ms, stop_grace_ms, reserved1, on_event, user_data });
    rust_layout!(rust, libp2pc_peer { peer_id, direction, addr });
    rust_layout!(rust, libp2pc_counters { struct_size, reserved0, events_delivered, dropped_gossip, dropped_errors,
        dropped_subscription, dropped_outbound_rpcs, stale_gossip, peers_refused_limit, peers_refused_queue,
        calls_refused_busy, messages_received, messages_published, connected_peers, duplicate_connections,
        recovered_panics, gossip_queue_len, gossip_queue_capacity, gossip_queue_high_water, control_queue_len,
        control_queue_capacity, control_queue_high_water, error_queue_len, error_queue_capacity,
        error_queue_high_water, reserved1 });
    rust.push(format!("ABI {}", LIBP2PC_ABI_VERSION));

    let Some(c) = c_layout() else {
        eprintln!("note: no C compiler found; layout not compared with the header");
        return;
    };
    let c: Vec<String> = c.lines().map(str::to_owned).collect();
    assert_eq!(rust, c, "Rust declarations differ from libp2pc.h");
}

#[test]
fn library_reports_our_abi_and_names() {
    unsafe {
        assert_eq!(libp2pc_abi_version() >> 16, LIBP2PC_ABI_VERSION_MAJOR);
        assert_eq!(libp2pc_init(LIBP2PC_ABI_VERSION), LIBP2PC_OK);
        let name = std::ffi::CStr::from_ptr(libp2pc_event_type_name(LIBP2PC_EVENT_MESSAGE));
        assert_eq!(name.to_str().unwrap(), "message");
        let e = std::ffi::CStr::from_ptr(libp2pc_strerror(LIBP2PC_ERR_BAD_STATE));
        assert!(!e.to_bytes().is_empty());
        // A wrong major version is refused with a message.
        assert_eq!(libp2pc_init((LIBP2PC_ABI_VERSION_MAJOR + 1) << 16), LIBP2PC_ERR_ABI_MISMATCH);
        assert_eq!(libp2pc_init(1 << 16 | 2), LIBP2PC_ERR_ABI_MISMATCH);
        let msg = std::ffi::CStr::from_ptr(libp2pc_last_error());
        assert!(msg.to_str().unwrap().contains("ABI"), "{msg:?}");
    }
}
