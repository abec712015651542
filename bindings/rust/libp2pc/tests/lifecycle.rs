//! Ownership of the callback-mode sender: released exactly when the library
//! is done with it, whatever way the node goes.
mod common;
use common::*;
use libp2pc::{Config, Event, ErrorCode, Node};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

#[test]
fn dropping_a_running_node_still_delivers_stopped_then_releases_the_sender() {
    let (node, log, _) = started("n");
    let mut log = log;
    drop(node); // destroy without stop: the library stops it
    log.wait_stopped_and_end();
}

#[test]
fn dropping_an_unstarted_node_releases_the_sender_at_once() {
    let (tx, rx) = mpsc::channel::<Event>();
    let node = Node::new(&Config::new(), tx).unwrap();
    assert!(matches!(rx.recv_timeout(Duration::from_millis(200)), Err(RecvTimeoutError::Timeout)));
    drop(node);
    // The sender box was freed by Drop (never started: no STOPPED will come).
    assert!(matches!(rx.recv_timeout(Duration::from_secs(5)), Err(RecvTimeoutError::Disconnected)));
}

#[test]
fn a_failed_node_new_releases_the_sender() {
    let (tx, rx) = mpsc::channel::<Event>();
    // A key path below a regular file can be neither read nor created.
    let file = std::env::temp_dir().join(format!("libp2pc-rust-notadir-{}", std::process::id()));
    std::fs::write(&file, b"x").unwrap();
    let bad = Config::new().identity_key_path(file.join("key").to_str().unwrap());
    let err = Node::new(&bad, tx).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Io, "{err}");
    assert!(matches!(rx.try_recv(), Err(mpsc::TryRecvError::Disconnected)));
    let _ = std::fs::remove_file(&file);
}

#[test]
fn receiver_dropped_early_is_harmless() {
    let (node, events) = Node::with_channel(&local()).unwrap();
    node.start().unwrap();
    drop(events); // the trampoline's sends now fail; it must not care
    thread::sleep(Duration::from_millis(200));
    node.stop().unwrap();
}

#[test]
fn one_node_shared_by_threads() {
    let (node, events) = Node::with_channel(&local()).unwrap();
    let node = Arc::new(node);
    let mut log = Log::new("n", events);
    log.done(node.start().unwrap()).unwrap();
    let ids: Vec<_> = (0..8)
        .map(|i| {
            let n = Arc::clone(&node);
            thread::spawn(move || n.subscribe(&format!("topic-{i}")).unwrap())
        })
        .map(|h| h.join().unwrap())
        .collect();
    for id in ids {
        log.done(id).unwrap();
    }
    let n = Arc::clone(&node);
    thread::spawn(move || n.stop().unwrap()).join().unwrap();
    drop(node);
    log.wait_stopped_and_end();
}

#[test]
fn identity_key_is_persisted() {
    let path = std::env::temp_dir().join(format!("libp2pc-rust-key-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let p = path.to_str().unwrap();
    let first = Node::new_polled(&Config::new().identity_key_path(p)).unwrap().peer_id().unwrap();
    let again = Node::new_polled(&Config::new().identity_key_path(p)).unwrap().peer_id().unwrap();
    assert_eq!(first, again);
    let _ = std::fs::remove_file(&path);
}
