//! Two nodes on 127.0.0.1 gossip one message; prints every event.
//!
//!     cargo run --offline --example two_nodes
use libp2pc::{Config, Event, Events, Node, Result};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// Prints every event of `events` as `[name] ...` and forwards it.
fn tap(name: &'static str, events: Events) -> Receiver<Event> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for ev in events {
            println!("[{name}] #{} {}: {}", ev.seq(), ev.type_name(), describe(&ev));
            let _ = tx.send(ev);
        }
        println!("[{name}] event stream ended");
    });
    rx
}

fn describe(ev: &Event) -> String {
    match ev {
        Event::Listening { peer_id, addrs, .. } => format!("{peer_id} on {addrs:?}"),
        Event::PeerConnected { peer_id, direction, addr, .. } => format!("{peer_id} {direction} via {addr}"),
        Event::PeerDisconnected { peer_id, reason, .. } => format!("{peer_id} ({reason})"),
        Event::Message { topic, from, data, .. } => {
            format!("on {topic} from {from}: {:?}", String::from_utf8_lossy(data))
        }
        Event::RequestDone { request_id, result, .. } => format!("request {} -> {result:?}", request_id.0),
        Event::TopicPeerJoined { topic, peer_id, .. } | Event::TopicPeerLeft { topic, peer_id, .. } => {
            format!("{peer_id} on {topic}")
        }
        other => format!("{other:?}"),
    }
}

fn wait(rx: &Receiver<Event>, what: &str, mut pred: impl FnMut(&Event) -> bool) -> Event {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.checked_duration_since(Instant::now()).unwrap_or_else(|| panic!("timed out: {what}"));
        let ev = rx.recv_timeout(left).unwrap_or_else(|_| panic!("timed out: {what}"));
        if pred(&ev) {
            return ev;
        }
    }
}

fn main() -> Result<()> {
    const TOPIC: &str = "demo-topic";
    let cfg = Config::new().listen("/ip4/127.0.0.1/tcp/0");
    let (a, a_events) = Node::with_channel(&cfg)?;
    let (b, b_events) = Node::with_channel(&cfg)?;
    let (a_rx, b_rx) = (tap("a", a_events), tap("b", b_events));

    let (sa, sb) = (a.start()?, b.start()?);
    // LISTENING comes before start's completion; other calls (subscribe, dial,
    // ...) need the node running, i.e. start completed.
    let Event::Listening { addrs, peer_id: b_id, .. } = wait(&b_rx, "b listening", |e| matches!(e, Event::Listening { .. }))
    else { unreachable!() };
    wait(&b_rx, "b started", |e| matches!(e, Event::RequestDone { request_id, .. } if *request_id == sb));
    wait(&a_rx, "a started", |e| matches!(e, Event::RequestDone { request_id, .. } if *request_id == sa));

    a.subscribe(TOPIC)?;
    b.subscribe(TOPIC)?;
    a.dial(&format!("{}/p2p/{b_id}", addrs[0]))?;
    wait(&a_rx, "b joins the topic", |e| matches!(e, Event::TopicPeerJoined { .. }));

    // Gossipsub may need a heartbeat to graft the mesh; retry with unique payloads
    // (identical ones would be deduplicated).
    let mut got = None;
    for attempt in 0..20 {
        a.publish(TOPIC, format!("hello from a #{attempt}").as_bytes())?;
        let deadline = Instant::now() + Duration::from_millis(500);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            if let Ok(ev @ Event::Message { .. }) = b_rx.recv_timeout(left) {
                got = Some(ev);
                break;
            }
        }
        if got.is_some() {
            break;
        }
    }
    let Some(Event::Message { data, .. }) = got else { panic!("b received nothing") };
    println!("b received {:?}", String::from_utf8_lossy(&data));

    println!("peers of a: {:?}", a.peers()?);
    a.stop()?;
    b.stop()?;
    wait(&a_rx, "a stopped", |e| matches!(e, Event::Stopped { .. }));
    wait(&b_rx, "b stopped", |e| matches!(e, Event::Stopped { .. }));
    drop((a, b));
    thread::sleep(Duration::from_millis(50)); // let the printers finish
    Ok(())
}
