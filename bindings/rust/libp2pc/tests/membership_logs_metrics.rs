//! The membership transport (tcp), the process-wide log callback, metrics
//! (text and HTTP), and an event kind from a newer library kept whole.
mod common;
use common::*;
use libp2pc::{ErrorCode, Event, LogRecord, Member, RawEvent, Transport};
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[test]
fn membership_over_tcp_delivers_and_counts() {
    let (a, _la, _) = started("a");
    let (b, mut lb, _) = started("b");
    assert_eq!(a.member_send("b", b"x").unwrap_err().code(), ErrorCode::BadState); // before membership_start
    let tcp = |id: &str| Transport::Tcp { listen: None, node_id: Some(id.into()) };
    assert_eq!(a.membership_start(&tcp("a")).unwrap(), "a");
    assert_eq!(b.membership_start(&tcp("b")).unwrap(), "b");
    let members = vec![
        Member { id: "a".into(), addr: a.membership_addr().unwrap() },
        Member { id: "b".into(), addr: b.membership_addr().unwrap() },
    ];
    assert!(members[0].addr.starts_with("127.0.0.1:"), "{members:?}");
    a.membership_set(&members).unwrap();
    b.membership_set(&members).unwrap();
    a.member_send("b", b"direct").unwrap();
    a.member_broadcast(b"to all").unwrap();
    assert_eq!(a.member_send("nobody", b"x").unwrap_err().code(), ErrorCode::NotFound);
    lb.wait("direct", |e| matches!(e, Event::MemberMessage { from, data, .. } if from == "a" && data == b"direct"));
    lb.wait("broadcast", |e| matches!(e, Event::MemberMessage { from, data, .. } if from == "a" && data == b"to all"));
    let deadline = Instant::now() + TIMEOUT;
    while a.membership_counters().unwrap().sent < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let c = a.membership_counters().unwrap();
    assert_eq!((c.enqueued, c.sent, c.members), (2, 2, 2), "{c:?}");
    let mc = a.member_counters("b").unwrap();
    assert_eq!((mc.enqueued, mc.sent, mc.connected), (2, 2, 1), "{mc:?}");
    assert_eq!(b.membership_counters().unwrap().received, 2);
}

#[test]
fn log_callback_metrics_text_and_http() {
    let (tx, rx) = mpsc::channel::<LogRecord>();
    let tx = std::sync::Mutex::new(tx);
    libp2pc::set_log_callback(
        libp2pc::sys::LIBP2PC_LOG_INFO,
        Some(Box::new(move |r| {
            let _ = tx.lock().unwrap().send(r);
        })),
    )
    .unwrap();
    let (node, _log, _) = started("logged");
    let id = node.peer_id().unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let mut found = false;
    while !found {
        let left = deadline.checked_duration_since(Instant::now()).expect("no \"node started\" record");
        let r = rx.recv_timeout(left).expect("no \"node started\" record");
        assert!(r.level >= libp2pc::sys::LIBP2PC_LOG_INFO, "{r:?}");
        // Other tests' nodes log too (the callback is process-wide): look for ours.
        found = r.logger == "libp2pc/node"
            && r.message == "node started"
            && r.attrs.iter().any(|(k, v)| k == "peer_id" && *v == id);
    }
    libp2pc::set_log_callback(libp2pc::sys::LIBP2PC_LOG_INFO, None).unwrap();

    let text = node.metrics_text().unwrap();
    assert!(text.contains("libp2pc_event_queue_depth"), "{text}");
    let bound = node.metrics_serve("127.0.0.1:0").unwrap();
    assert!(bound.starts_with("127.0.0.1:") && !bound.ends_with(":0"), "{bound}");
    assert_eq!(node.metrics_serve("127.0.0.1:0").unwrap_err().code(), ErrorCode::BadState);
    let mut s = std::net::TcpStream::connect(&bound).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    write!(s, "GET /metrics HTTP/1.0\r\nHost: {bound}\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    assert!(body.starts_with("HTTP/1.0 200") || body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(body.contains("libp2pc_event_queue_depth"));
}

#[test]
fn an_unknown_event_kind_is_kept_with_its_raw_fields() {
    let raw = RawEvent {
        type_: 99,
        seq: 5,
        request_id: 42,
        peer_id: "peer".into(),
        data: vec![1, 2, 3],
        text: "from a newer library".into(),
        code: 7,
        context: vec![9; 4],
        ..Default::default()
    };
    let ev = Event::from(raw.clone());
    assert_eq!(ev, Event::Other(raw));
    assert_eq!((ev.seq(), ev.raw_type(), ev.type_name()), (5, 99, "unknown"));
    // Known kinds take their documented fields.
    let mut data = vec![1u8; 32];
    data.extend([2u8; 32]);
    data.extend([3u8; 32]);
    let ev = Event::from(RawEvent {
        type_: libp2pc::sys::LIBP2PC_EVENT_BLOCK_IMPORTED,
        seq: 1,
        code: 12,
        data,
        ..Default::default()
    });
    assert_eq!(ev, Event::BlockImported { seq: 1, slot: 12, root: [1; 32], parent_root: [2; 32], state_root: [3; 32] });
    assert_eq!(ev.type_name(), "block_imported");
    // The data availability events (ABI 2.2) split the indices after the root.
    let mut data = vec![4u8; 32];
    data.extend([3, 0, 0x01, 0x01]);
    let ev = Event::from(RawEvent {
        type_: libp2pc::sys::LIBP2PC_EVENT_DATA_UNAVAILABLE,
        seq: 2,
        code: 40,
        data,
        text: "timed out".into(),
        ..Default::default()
    });
    assert_eq!(
        ev,
        Event::DataUnavailable { seq: 2, slot: 40, root: [4; 32], missing: vec![3, 257], reason: "timed out".into() }
    );
    assert_eq!(ev.type_name(), "data_unavailable");
    let ev = Event::from(RawEvent {
        type_: libp2pc::sys::LIBP2PC_EVENT_ENGINE_STATE,
        seq: 3,
        code: 4,
        status: libp2pc::sys::LIBP2PC_ERR_NETWORK,
        text: "online -> auth_failed".into(),
        ..Default::default()
    });
    let Event::EngineState { state: 4, result: Err(e), .. } = &ev else { panic!("{ev:?}") };
    assert_eq!(e.code(), ErrorCode::Network);
    assert_eq!(ev.type_name(), "engine_state");
}
