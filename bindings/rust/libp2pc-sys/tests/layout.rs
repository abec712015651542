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
    (
        "libp2pc_event",
        &[
            "type",
            "status",
            "seq",
            "request_id",
            "peer_id",
            "direction",
            "addr",
            "topic",
            "msg_id",
            "msg_id_len",
            "data",
            "data_len",
            "text",
            "addrs",
            "addrs_len",
            "dropped_gossip",
            "dropped_errors",
            "protocol",
            "code",
            "context",
            "context_len",
        ],
    ),
    (
        "libp2pc_config",
        &[
            "struct_size",
            "reserved0",
            "listen_addrs",
            "listen_addrs_len",
            "identity_key_path",
            "max_peers",
            "gossip_queue_capacity",
            "control_queue_capacity",
            "error_queue_capacity",
            "max_message_size",
            "dial_timeout_ms",
            "stop_grace_ms",
            "reserved1",
            "on_event",
            "user_data",
        ],
    ),
    ("libp2pc_peer", &["peer_id", "direction", "addr"]),
    (
        "libp2pc_counters",
        &[
            "struct_size",
            "reserved0",
            "events_delivered",
            "dropped_gossip",
            "dropped_errors",
            "dropped_subscription",
            "dropped_outbound_rpcs",
            "stale_gossip",
            "peers_refused_limit",
            "peers_refused_queue",
            "calls_refused_busy",
            "messages_received",
            "messages_published",
            "connected_peers",
            "duplicate_connections",
            "recovered_panics",
            "gossip_queue_len",
            "gossip_queue_capacity",
            "gossip_queue_high_water",
            "control_queue_len",
            "control_queue_capacity",
            "control_queue_high_water",
            "error_queue_len",
            "error_queue_capacity",
            "error_queue_high_water",
            "reserved1",
        ],
    ),
    ("libp2pc_log_record", &["level", "attrs_len", "time_unix_ns", "logger", "message", "keys", "values", "dropped"]),
    ("libp2pc_member", &["id", "addr"]),
    (
        "libp2pc_membership_counters",
        &[
            "struct_size",
            "reserved0",
            "enqueued",
            "sent",
            "sent_bytes",
            "dropped",
            "write_failed",
            "discarded",
            "reconnects",
            "dial_failures",
            "send_too_large",
            "received",
            "received_bytes",
            "oversized_frames",
            "bad_streams",
            "tentative_received",
            "tentative_evictions",
            "tentative_dropped",
            "tentative_flushed",
            "events_queued",
            "events_not_queued",
            "members",
            "connected",
            "receivers",
            "tentative",
        ],
    ),
    (
        "libp2pc_member_counters",
        &[
            "struct_size",
            "connected",
            "enqueued",
            "sent",
            "sent_bytes",
            "dropped",
            "write_failed",
            "reconnects",
            "dial_failures",
            "received",
            "received_bytes",
            "queue_len",
            "queue_bytes",
            "in_flight",
        ],
    ),
    (
        "libp2pc_eth2_config",
        &[
            "struct_size",
            "reserved0",
            "genesis_time",
            "genesis_validators_root",
            "config_yaml",
            "config_yaml_len",
            "config_path",
            "slots_per_epoch",
            "active_validators",
            "validation_timeout_ms",
            "max_pending_validations",
            "fork_lead_slots",
            "fork_tail_slots",
        ],
    ),
    ("libp2pc_eth2_topic_counters", &["accepted", "rejected", "ignored", "timed_out"]),
    (
        "libp2pc_eth2_counters",
        &[
            "struct_size",
            "pending_validations",
            "invalid_snappy",
            "compressed_too_large",
            "decoded_too_large",
            "pending_full",
            "peer_gone",
            "unknown_topic",
            "not_subscribed",
            "late_reports",
            "pubsub_rejected",
            "pubsub_ignored",
            "pubsub_throttled",
            "topics",
        ],
    ),
    (
        "libp2pc_eth2_status",
        &[
            "struct_size",
            "fork_digest",
            "finalized_root",
            "finalized_epoch",
            "head_root",
            "head_slot",
            "earliest_available_slot",
        ],
    ),
    ("libp2pc_eth2_metadata", &["struct_size", "syncnets", "reserved", "seq_number", "attnets", "custody_group_count"]),
    (
        "libp2pc_reqresp_counters",
        &[
            "struct_size",
            "reserved0",
            "requests_sent",
            "requests_failed",
            "requests_timed_out",
            "chunks_received",
            "chunk_events_queued",
            "chunk_waits",
            "incoming_requests",
            "incoming_invalid",
            "incoming_rate_limited",
            "incoming_concurrency",
            "incoming_refused",
            "incoming_stale",
            "incoming_timed_out",
            "incoming_not_served",
            "incoming_stream_errors",
            "chunks_served",
            "status_served",
            "pings_served",
            "metadata_served",
            "goodbyes_received",
            "status_events_dropped",
            "goodbye_events_dropped",
        ],
    ),
    (
        "libp2pc_chain_config",
        &[
            "struct_size",
            "reserved0",
            "data_dir",
            "anchor_state",
            "anchor_state_len",
            "config_yaml",
            "config_yaml_len",
            "checkpoint_sync_url",
            "checkpoint_id",
            "checkpoint_state",
            "checkpoint_state_len",
            "checkpoint_block",
            "checkpoint_block_len",
            "ws_checkpoint",
            "backfill_epochs",
            "allow_stale_checkpoint",
            "reserved1",
            "custody_group_count",
            "engine_endpoint",
            "jwt_secret_path",
            "jwt_secret",
        ],
    ),
    (
        "libp2pc_chain_da_counters",
        &[
            "struct_size",
            "reserved0",
            "sidecars_received",
            "sidecars_verified",
            "sidecars_rejected",
            "sidecars_late",
            "sidecars_requested",
            "fetch_requests",
            "fetch_failures",
            "reconstructions",
            "columns_recovered",
            "blocks_waited",
            "blocks_available",
            "blocks_unavailable",
            "dropped_waiting_full",
            "sidecars_stored",
            "sidecars_pruned",
            "sidecars_published",
            "publish_failures",
            "custody_group_count",
            "earliest_sidecar_slot",
            "waiting",
            "tracker_evicted",
        ],
    ),
    (
        "libp2pc_chain_sync_status",
        &[
            "struct_size",
            "syncing",
            "head_slot",
            "current_slot",
            "sync_distance",
            "finalized_epoch",
            "sync_start_slot",
            "sync_target_slot",
            "sync_peer",
            "syncs",
            "synced_blocks",
            "sync_failures",
            "blocks_imported",
            "blocks_invalid",
            "blocks_dropped",
            "blocks_in_flight",
            "backfilling",
            "backfill_done",
            "earliest_slot",
            "backfilled_blocks",
        ],
    ),
    (
        "libp2pc_discovery_config",
        &[
            "struct_size",
            "reserved0",
            "listen_udp",
            "advertise_ip",
            "bootnodes",
            "bootnodes_len",
            "static_peers",
            "static_peers_len",
            "trusted_peers",
            "trusted_peers_len",
            "target_peers",
            "max_peers",
            "prune_above",
            "outbound_percent",
            "ban_seconds",
            "max_ban_seconds",
            "status_timeout_ms",
            "tick_ms",
            "max_finalized_lag",
            "attnets",
            "syncnets",
            "reserved1",
            "custody_group_count",
        ],
    ),
    (
        "libp2pc_peer_info",
        &[
            "peer_id",
            "direction",
            "addr",
            "agent",
            "ban_reason",
            "score",
            "flags",
            "reserved0",
            "connected_since_ms",
            "banned_until_ms",
            "enr_seq",
            "attnets",
            "syncnets",
            "reserved1",
            "custody_group_count",
            "fork_digest",
            "reserved2",
            "finalized_root",
            "finalized_epoch",
            "head_root",
            "head_slot",
            "earliest_available_slot",
        ],
    ),
    (
        "libp2pc_discovery_counters",
        &[
            "struct_size",
            "reserved0",
            "discovered",
            "address_book",
            "dials",
            "dials_failed",
            "goodbyes_sent",
            "bans",
            "banned",
            "refused_banned",
            "ban_events_dropped",
            "gossip_rejects",
            "reqresp_faults",
            "faults_dropped",
            "status_checked",
            "subnet_searches",
            "enr_seq",
            "connected",
            "inbound",
            "outbound",
            "reserved1",
        ],
    ),
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
    rust_layout!(
        rust,
        libp2pc_config {
            struct_size,
            reserved0,
            listen_addrs,
            listen_addrs_len,
            identity_key_path,
            max_peers,
            gossip_queue_capacity,
            control_queue_capacity,
            error_queue_capacity,
            max_message_size,
            dial_timeout_ms,
            stop_grace_ms,
            reserved1,
            on_event,
            user_data
        }
    );
    rust_layout!(rust, libp2pc_peer { peer_id, direction, addr });
    rust_layout!(
        rust,
        libp2pc_counters {
            struct_size,
            reserved0,
            events_delivered,
            dropped_gossip,
            dropped_errors,
            dropped_subscription,
            dropped_outbound_rpcs,
            stale_gossip,
            peers_refused_limit,
            peers_refused_queue,
            calls_refused_busy,
            messages_received,
            messages_published,
            connected_peers,
            duplicate_connections,
            recovered_panics,
            gossip_queue_len,
            gossip_queue_capacity,
            gossip_queue_high_water,
            control_queue_len,
            control_queue_capacity,
            control_queue_high_water,
            error_queue_len,
            error_queue_capacity,
            error_queue_high_water,
            reserved1
        }
    );
    rust_layout!(rust, libp2pc_log_record { level, attrs_len, time_unix_ns, logger, message, keys, values, dropped });
    rust_layout!(rust, libp2pc_member { id, addr });
    rust_layout!(
        rust,
        libp2pc_membership_counters {
            struct_size,
            reserved0,
            enqueued,
            sent,
            sent_bytes,
            dropped,
            write_failed,
            discarded,
            reconnects,
            dial_failures,
            send_too_large,
            received,
            received_bytes,
            oversized_frames,
            bad_streams,
            tentative_received,
            tentative_evictions,
            tentative_dropped,
            tentative_flushed,
            events_queued,
            events_not_queued,
            members,
            connected,
            receivers,
            tentative
        }
    );
    rust_layout!(
        rust,
        libp2pc_member_counters {
            struct_size,
            connected,
            enqueued,
            sent,
            sent_bytes,
            dropped,
            write_failed,
            reconnects,
            dial_failures,
            received,
            received_bytes,
            queue_len,
            queue_bytes,
            in_flight
        }
    );
    rust_layout!(
        rust,
        libp2pc_eth2_config {
            struct_size,
            reserved0,
            genesis_time,
            genesis_validators_root,
            config_yaml,
            config_yaml_len,
            config_path,
            slots_per_epoch,
            active_validators,
            validation_timeout_ms,
            max_pending_validations,
            fork_lead_slots,
            fork_tail_slots
        }
    );
    rust_layout!(rust, libp2pc_eth2_topic_counters { accepted, rejected, ignored, timed_out });
    rust_layout!(
        rust,
        libp2pc_eth2_counters {
            struct_size,
            pending_validations,
            invalid_snappy,
            compressed_too_large,
            decoded_too_large,
            pending_full,
            peer_gone,
            unknown_topic,
            not_subscribed,
            late_reports,
            pubsub_rejected,
            pubsub_ignored,
            pubsub_throttled,
            topics
        }
    );
    rust_layout!(
        rust,
        libp2pc_eth2_status {
            struct_size,
            fork_digest,
            finalized_root,
            finalized_epoch,
            head_root,
            head_slot,
            earliest_available_slot
        }
    );
    rust_layout!(
        rust,
        libp2pc_eth2_metadata { struct_size, syncnets, reserved, seq_number, attnets, custody_group_count }
    );
    rust_layout!(
        rust,
        libp2pc_reqresp_counters {
            struct_size,
            reserved0,
            requests_sent,
            requests_failed,
            requests_timed_out,
            chunks_received,
            chunk_events_queued,
            chunk_waits,
            incoming_requests,
            incoming_invalid,
            incoming_rate_limited,
            incoming_concurrency,
            incoming_refused,
            incoming_stale,
            incoming_timed_out,
            incoming_not_served,
            incoming_stream_errors,
            chunks_served,
            status_served,
            pings_served,
            metadata_served,
            goodbyes_received,
            status_events_dropped,
            goodbye_events_dropped
        }
    );
    rust_layout!(
        rust,
        libp2pc_chain_config {
            struct_size,
            reserved0,
            data_dir,
            anchor_state,
            anchor_state_len,
            config_yaml,
            config_yaml_len,
            checkpoint_sync_url,
            checkpoint_id,
            checkpoint_state,
            checkpoint_state_len,
            checkpoint_block,
            checkpoint_block_len,
            ws_checkpoint,
            backfill_epochs,
            allow_stale_checkpoint,
            reserved1,
            custody_group_count,
            engine_endpoint,
            jwt_secret_path,
            jwt_secret
        }
    );
    rust_layout!(
        rust,
        libp2pc_chain_da_counters {
            struct_size,
            reserved0,
            sidecars_received,
            sidecars_verified,
            sidecars_rejected,
            sidecars_late,
            sidecars_requested,
            fetch_requests,
            fetch_failures,
            reconstructions,
            columns_recovered,
            blocks_waited,
            blocks_available,
            blocks_unavailable,
            dropped_waiting_full,
            sidecars_stored,
            sidecars_pruned,
            sidecars_published,
            publish_failures,
            custody_group_count,
            earliest_sidecar_slot,
            waiting,
            tracker_evicted
        }
    );
    rust_layout!(
        rust,
        libp2pc_chain_sync_status {
            struct_size,
            syncing,
            head_slot,
            current_slot,
            sync_distance,
            finalized_epoch,
            sync_start_slot,
            sync_target_slot,
            sync_peer,
            syncs,
            synced_blocks,
            sync_failures,
            blocks_imported,
            blocks_invalid,
            blocks_dropped,
            blocks_in_flight,
            backfilling,
            backfill_done,
            earliest_slot,
            backfilled_blocks
        }
    );
    rust_layout!(
        rust,
        libp2pc_discovery_config {
            struct_size,
            reserved0,
            listen_udp,
            advertise_ip,
            bootnodes,
            bootnodes_len,
            static_peers,
            static_peers_len,
            trusted_peers,
            trusted_peers_len,
            target_peers,
            max_peers,
            prune_above,
            outbound_percent,
            ban_seconds,
            max_ban_seconds,
            status_timeout_ms,
            tick_ms,
            max_finalized_lag,
            attnets,
            syncnets,
            reserved1,
            custody_group_count
        }
    );
    rust_layout!(
        rust,
        libp2pc_peer_info {
            peer_id,
            direction,
            addr,
            agent,
            ban_reason,
            score,
            flags,
            reserved0,
            connected_since_ms,
            banned_until_ms,
            enr_seq,
            attnets,
            syncnets,
            reserved1,
            custody_group_count,
            fork_digest,
            reserved2,
            finalized_root,
            finalized_epoch,
            head_root,
            head_slot,
            earliest_available_slot
        }
    );
    rust_layout!(
        rust,
        libp2pc_discovery_counters {
            struct_size,
            reserved0,
            discovered,
            address_book,
            dials,
            dials_failed,
            goodbyes_sent,
            bans,
            banned,
            refused_banned,
            ban_events_dropped,
            gossip_rejects,
            reqresp_faults,
            faults_dropped,
            status_checked,
            subnet_searches,
            enr_seq,
            connected,
            inbound,
            outbound,
            reserved1
        }
    );
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
