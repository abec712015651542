//! Two nodes on 127.0.0.1: connect, subscribe, see each other join, gossip
//! both ways, stop. Callback mode (channel) and poll mode.
mod common;
use common::*;
use libp2pc::{Event, Node};
use std::time::{Duration, Instant};

const TOPIC: &str = "/libp2pc/test/gossip";

/// Publishes unique payloads from `from` until `to` receives one (the mesh
/// may need a heartbeat first; gossipsub drops duplicates, hence unique).
fn gossip_once(from: &Node, from_log: &mut Log, to_log: &mut Log, tag: &str) -> Event {
    let deadline = Instant::now() + TIMEOUT;
    let mut sent = Vec::new();
    let mut attempt = 0;
    while Instant::now() < deadline {
        let payload = format!("{tag} #{attempt} {:?}", Instant::now()).into_bytes();
        attempt += 1;
        let id = from.publish(TOPIC, &payload).expect("publish accepted");
        sent.push(payload);
        from_log.done(id).expect("publish completes OK");
        let mut is_msg = |e: &Event| matches!(e, Event::Message { .. });
        if let Some(ev) = to_log.next_matching(Duration::from_millis(500), &mut is_msg) {
            let Event::Message { data, .. } = &ev else { unreachable!() };
            assert!(sent.contains(data), "received a payload never sent: {data:?}");
            return ev;
        }
    }
    panic!("{tag}: no message after {attempt} publishes")
}

#[test]
fn two_nodes_gossip_over_tcp() {
    let (a, mut a_log, _) = started("a");
    let (b, mut b_log, b_addr) = started("b");
    let (a_id, b_id) = (a.peer_id().unwrap(), b.peer_id().unwrap());

    let sa = a.subscribe(TOPIC).unwrap();
    let sb = b.subscribe(TOPIC).unwrap();
    a_log.done(sa).unwrap();
    b_log.done(sb).unwrap();

    let d = a.dial(&b_addr).unwrap();
    a_log.done(d).expect("dial completes OK");
    let ev = a_log.wait("a: PEER_CONNECTED", |e| matches!(e, Event::PeerConnected { .. }));
    assert!(matches!(&ev, Event::PeerConnected { peer_id, direction, .. } if *peer_id == b_id && direction == "outbound"), "{ev:?}");
    let ev = b_log.wait("b: PEER_CONNECTED", |e| matches!(e, Event::PeerConnected { .. }));
    assert!(matches!(&ev, Event::PeerConnected { peer_id, direction, .. } if *peer_id == a_id && direction == "inbound"), "{ev:?}");

    a_log.wait("a sees b join", |e| matches!(e, Event::TopicPeerJoined { topic, peer_id, .. } if topic == TOPIC && *peer_id == b_id));
    b_log.wait("b sees a join", |e| matches!(e, Event::TopicPeerJoined { topic, peer_id, .. } if topic == TOPIC && *peer_id == a_id));

    let Event::Message { topic, from, msg_id, .. } = gossip_once(&a, &mut a_log, &mut b_log, "a->b") else { unreachable!() };
    assert_eq!(topic, TOPIC);
    assert_eq!(from, a_id);
    assert_eq!(msg_id.len(), 20, "message id is 20 bytes of SHA-256");
    let Event::Message { from, .. } = gossip_once(&b, &mut b_log, &mut a_log, "b->a") else { unreachable!() };
    assert_eq!(from, b_id);

    let peers = a.peers().unwrap();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].peer_id, b_id);
    assert_eq!(peers[0].direction, "outbound");
    let ca = a.counters().unwrap();
    let cb = b.counters().unwrap();
    assert!(ca.messages_published >= 1 && cb.messages_received >= 1, "{ca:?} {cb:?}");
    assert_eq!(ca.connected_peers, 1);

    let (x, y) = (a.stop().unwrap(), b.stop().unwrap());
    a_log.done(x).unwrap();
    b_log.done(y).unwrap();
    a_log.wait_stopped_and_end();
    b_log.wait_stopped_and_end();
    // Each saw the other disconnect before STOPPED.
    assert!(a_log.seen.iter().any(|e| matches!(e, Event::PeerDisconnected { peer_id, .. } if *peer_id == b_id)));
    assert!(b_log.seen.iter().any(|e| matches!(e, Event::PeerDisconnected { peer_id, .. } if *peer_id == a_id)));
}

/// Poll-mode node: drains events with poll(2) on the event fd + node_poll.
struct Polled {
    node: Node,
    seen: Vec<libp2pc::Event>,
}

impl Polled {
    fn new() -> Polled {
        Polled { node: Node::new_polled(&local()).unwrap(), seen: Vec::new() }
    }
    fn wait(&mut self, what: &str, mut pred: impl FnMut(&Event) -> bool) -> Event {
        let deadline = Instant::now() + TIMEOUT;
        let mut start = 0;
        loop {
            if let Some(ev) = self.seen[start..].iter().find(|e| pred(e)) {
                return ev.clone();
            }
            start = self.seen.len();
            let left = deadline.checked_duration_since(Instant::now()).unwrap_or_else(|| panic!("timed out: {what}"));
            self.seen.extend(self.node.wait(left.min(Duration::from_millis(200)), 64).unwrap());
        }
    }
}

#[test]
fn two_polled_nodes_gossip() {
    let (mut a, mut b) = (Polled::new(), Polled::new());
    assert!(a.node.is_polled());
    assert!(a.node.event_fd().unwrap() >= 0);
    let (sa, sb) = (a.node.start().unwrap(), b.node.start().unwrap());
    // Other calls need the node running: wait for start's completion.
    a.wait("a started", |e| matches!(e, Event::RequestDone { request_id, result: Ok(()), .. } if *request_id == sa));
    b.wait("b started", |e| matches!(e, Event::RequestDone { request_id, result: Ok(()), .. } if *request_id == sb));
    let Event::Listening { peer_id: b_id, addrs, .. } = b.wait("b listening", |e| matches!(e, Event::Listening { .. })) else { unreachable!() };
    a.node.subscribe(TOPIC).unwrap();
    b.node.subscribe(TOPIC).unwrap();
    a.node.dial(&format!("{}/p2p/{b_id}", addrs[0])).unwrap();
    a.wait("b joined", |e| matches!(e, Event::TopicPeerJoined { .. }));
    b.wait("a joined", |e| matches!(e, Event::TopicPeerJoined { .. }));

    let mut received = None;
    for i in 0..40 {
        a.node.publish(TOPIC, format!("polled #{i}").as_bytes()).unwrap();
        let deadline = Instant::now() + Duration::from_millis(500);
        while received.is_none() && Instant::now() < deadline {
            b.seen.extend(b.node.wait(Duration::from_millis(100), 64).unwrap());
            received = b.seen.iter().find_map(|e| match e {
                Event::Message { data, .. } => Some(data.clone()),
                _ => None,
            });
        }
        if received.is_some() {
            break;
        }
    }
    assert!(received.expect("b received a message").starts_with(b"polled #"));

    a.node.stop().unwrap();
    b.node.stop().unwrap();
    for n in [&mut a, &mut b] {
        n.wait("STOPPED", |e| matches!(e, Event::Stopped { .. }));
        assert_eq!(n.node.poll(16).unwrap_err().code(), libp2pc::ErrorCode::Stopped, "poll after STOPPED");
        for (i, ev) in n.seen.iter().enumerate() {
            assert_eq!(ev.seq(), i as u64 + 1);
        }
    }
}
