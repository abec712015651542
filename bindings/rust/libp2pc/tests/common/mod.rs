#![allow(dead_code)]
//! Test helpers: an event log that keeps every event it received, so a
//! wait never loses events another wait will look for.
use libp2pc::{Config, Event, Events, Node, RequestId};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub fn local() -> Config {
    Config::new().listen("/ip4/127.0.0.1/tcp/0")
}

pub struct Log {
    pub name: &'static str,
    pub events: Events,
    pub seen: Vec<Event>,
}

impl Log {
    pub fn new(name: &'static str, events: Events) -> Log {
        Log { name, events, seen: Vec::new() }
    }

    /// The first event (already seen or arriving within `timeout`) that
    /// matches; panics on timeout.
    pub fn wait_within(&mut self, timeout: Duration, what: &str, mut pred: impl FnMut(&Event) -> bool) -> Event {
        if let Some(ev) = self.seen.iter().find(|e| pred(e)) {
            return ev.clone();
        }
        self.next_matching(timeout, &mut pred)
            .unwrap_or_else(|| panic!("{}: timed out waiting for {what}; saw {:#?}", self.name, self.seen))
    }

    pub fn wait(&mut self, what: &str, pred: impl FnMut(&Event) -> bool) -> Event {
        self.wait_within(TIMEOUT, what, pred)
    }

    /// Like wait, but only among events not seen yet; None on timeout.
    pub fn next_matching(&mut self, timeout: Duration, pred: &mut impl FnMut(&Event) -> bool) -> Option<Event> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let ev = self.events.recv_timeout(left)?;
            self.seen.push(ev.clone());
            if pred(&ev) {
                return Some(ev);
            }
        }
    }

    /// Waits for the completion of request `id` and returns its result.
    pub fn done(&mut self, id: RequestId) -> libp2pc::Result<()> {
        match self.wait(
            &format!("request {}", id.0),
            |e| matches!(e, Event::RequestDone { request_id, .. } if *request_id == id),
        ) {
            Event::RequestDone { result, .. } => result,
            _ => unreachable!(),
        }
    }

    /// Waits for STOPPED, then checks it was the last event (the channel
    /// disconnects: the trampoline released the sender) and that seq had no gaps.
    pub fn wait_stopped_and_end(&mut self) {
        self.wait("STOPPED", |e| matches!(e, Event::Stopped { .. }));
        assert!(
            self.events.recv_timeout(Duration::from_secs(5)).is_none(),
            "{}: an event after STOPPED, or the sender was not released",
            self.name
        );
        for (i, ev) in self.seen.iter().enumerate() {
            assert_eq!(ev.seq(), i as u64 + 1, "{}: seq gap at {ev:?}", self.name);
        }
        assert!(matches!(self.seen.last(), Some(Event::Stopped { .. })), "{}: STOPPED not last", self.name);
    }
}

/// A started callback-mode node on 127.0.0.1 and its log; returns the
/// multiaddr to dial it.
pub fn started(name: &'static str) -> (Node, Log, String) {
    let (node, events) = Node::with_channel(&local()).expect("node_new");
    let mut log = Log::new(name, events);
    let id = node.start().expect("start");
    log.done(id).expect("start completes");
    let Event::Listening { peer_id, addrs, .. } = log.wait("LISTENING", |e| matches!(e, Event::Listening { .. }))
    else {
        unreachable!()
    };
    assert_eq!(peer_id, node.peer_id().unwrap());
    let tcp = addrs.iter().find(|a| a.contains("/tcp/")).expect("a tcp listen addr").clone();
    (node, log, format!("{tcp}/p2p/{peer_id}"))
}

/// The chain generator's output directory (`make test` writes it and sets
/// LIBP2PC_CHAIN_DIR; see the Makefile).
pub fn chain_dir() -> std::path::PathBuf {
    let d = std::env::var_os("LIBP2PC_CHAIN_DIR")
        .expect("LIBP2PC_CHAIN_DIR is not set: run `make test` (it runs chaingen), or set it to a chaingen -out DIR");
    std::path::PathBuf::from(d)
}

pub fn read_chain(name: &str) -> Vec<u8> {
    let p = chain_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// An eth2 configuration for the generated chain (genesis an hour ago, so
/// every block's slot is in the past).
pub fn eth2_config() -> libp2pc::Eth2Config {
    let genesis = read_chain("genesis.ssz");
    let mut gvr = [0u8; 32];
    gvr.copy_from_slice(&genesis[8..40]);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    libp2pc::Eth2Config::new(
        now - 3600,
        gvr,
        libp2pc::ConsensusConfig::Yaml(String::from_utf8(read_chain("config.yaml")).unwrap()),
    )
}

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}
