//! Error paths: each failing call returns the right ErrorCode with the
//! library's message (libp2pc_last_error).
mod common;
use common::*;
use libp2pc::{debug_panic, Config, ErrorCode, Node};

#[test]
fn bad_multiaddr_is_invalid_argument() {
    let (node, _log, _) = started("n");
    let err = node.dial("definitely not a multiaddr").unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
    assert!(!err.message().is_empty(), "message from libp2pc_last_error");
    assert!(err.to_string().contains(err.message()));
    // A multiaddr without /p2p/<id> cannot be dialed either.
    assert_eq!(node.dial("/ip4/127.0.0.1/tcp/1").unwrap_err().code(), ErrorCode::InvalidArgument);
    // An interior NUL is refused before reaching C.
    assert_eq!(node.subscribe("a\0b").unwrap_err().code(), ErrorCode::InvalidArgument);
}

#[test]
fn bad_listen_addr_is_reported() {
    // Either node_new refuses it, or start completes with an error.
    match Node::with_channel(&Config::new().listen("/not/a/multiaddr")) {
        Err(e) => assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}"),
        Ok((node, events)) => {
            let mut log = Log::new("n", events);
            let result = match node.start() {
                Err(e) => Err(e),
                Ok(id) => log.done(id),
            };
            assert!(result.is_err(), "start with a bad listen address succeeded");
        }
    }
}

#[test]
fn double_stop_is_bad_state() {
    let (node, mut log, _) = started("n");
    let id = node.stop().expect("first stop");
    let err = node.stop().unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadState, "{err}");
    assert!(!err.message().is_empty());
    log.done(id).unwrap();
    log.wait_stopped_and_end();
}

#[test]
fn start_twice_is_bad_state() {
    let (node, _log, _) = started("n");
    assert_eq!(node.start().unwrap_err().code(), ErrorCode::BadState);
}

#[test]
fn calls_after_close_are_bad_handle() {
    let (node, mut log, _) = started("n");
    node.close().expect("close");
    for err in [
        node.subscribe("t").unwrap_err(),
        node.publish("t", b"x").unwrap_err(),
        node.stop().unwrap_err(),
        node.peer_id().unwrap_err(),
        node.peers().unwrap_err(),
        node.counters().unwrap_err(),
        node.close().unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::BadHandle, "{err}");
    }
    // Closing a running node stops it: STOPPED still arrives, and is last.
    log.wait_stopped_and_end();
    drop(node); // Drop after close is a no-op
}

#[test]
fn publish_errors() {
    let (node, mut log, _) = started("n");
    let (small, events) = Node::with_channel(&local().max_message_size(16)).unwrap();
    let mut small_log = Log::new("small", events);
    small_log.done(small.start().unwrap()).unwrap();
    small_log.done(small.subscribe("t").unwrap()).unwrap();
    let err = small.publish("t", &[0u8; 17]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TooLarge, "{err}");
    small_log.done(small.publish("t", &[0u8; 16]).unwrap()).expect("16 bytes is within the limit");
    // Publishing on a topic we are not subscribed to completes with NOT_FOUND.
    let id = node.publish("not-subscribed", b"x").unwrap();
    assert_eq!(log.done(id).unwrap_err().code(), ErrorCode::NotFound);
    // Unsubscribing from one: NOT_FOUND too; subscribing twice: BAD_STATE.
    let id = node.unsubscribe("not-subscribed").unwrap();
    assert_eq!(log.done(id).unwrap_err().code(), ErrorCode::NotFound);
    let s1 = node.subscribe("twice").unwrap();
    log.done(s1).unwrap();
    let s2 = node.subscribe("twice").unwrap();
    assert_eq!(log.done(s2).unwrap_err().code(), ErrorCode::BadState);
}

#[test]
fn disconnect_unknown_peer_is_not_found() {
    let (node, mut log, _) = started("n");
    let other = Node::new_polled(&Config::new()).unwrap().peer_id().unwrap();
    let id = node.disconnect(&other).unwrap();
    assert_eq!(log.done(id).unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
fn poll_calls_on_a_callback_node_are_unsupported() {
    let (node, _events) = Node::with_channel(&Config::new()).unwrap();
    assert_eq!(node.event_fd().unwrap_err().code(), ErrorCode::Unsupported);
    assert_eq!(node.poll(8).unwrap_err().code(), ErrorCode::Unsupported);
}

#[test]
fn library_panic_becomes_internal_error() {
    let err = debug_panic();
    assert_eq!(err.code(), ErrorCode::Internal);
    assert!(!err.message().is_empty(), "panic text in last_error");
}
