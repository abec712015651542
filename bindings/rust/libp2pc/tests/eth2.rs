//! Eth2 gossip with host validation, req/resp (status handshake, a served
//! protocol, metadata, goodbye) and discovery (ENR, peer table, ban)
//! between two nodes on 127.0.0.1.
mod common;
use common::*;
use libp2pc::{protocol, DiscoveryConfig, ErrorCode, Event, Metadata, Node, Status, Validation, ValidationMode};
use std::time::Duration;

fn eth2_node(name: &'static str, discovery: bool) -> (Node, Log) {
    let (node, events) = Node::with_channel(&local()).unwrap();
    node.eth2_configure(&eth2_config()).unwrap();
    if discovery {
        node.discovery_configure(&DiscoveryConfig { listen_udp: Some("127.0.0.1:0".into()), ..Default::default() })
            .unwrap();
    }
    let digest = node.fork_digest().unwrap();
    node.set_status(&Status { fork_digest: digest, ..Default::default() }).unwrap();
    (node, Log::new(name, events))
}

fn start(node: &Node, log: &mut Log) -> String {
    log.done(node.start().unwrap()).unwrap();
    let Event::Listening { peer_id, addrs, .. } = log.wait("LISTENING", |e| matches!(e, Event::Listening { .. }))
    else {
        unreachable!()
    };
    let tcp = addrs.iter().find(|a| a.contains("/tcp/")).unwrap().clone();
    format!("{tcp}/p2p/{peer_id}")
}

#[test]
fn eth2_gossip_reqresp_and_discovery_between_two_nodes() {
    let (a, mut la) = eth2_node("a", true);
    let (b, mut lb) = eth2_node("b", false);
    let digest = a.fork_digest().unwrap();
    assert_eq!(b.fork_digest().unwrap(), digest);
    b.serve(protocol::BLOCKS_BY_RANGE_V2, true).unwrap();
    b.set_metadata(&Metadata { seq_number: 7, attnets: [1, 0, 0, 0, 0, 0, 0, 0x80], ..Default::default() }).unwrap();
    a.set_reqresp_timeouts(Some(Duration::from_secs(5)), None, None).unwrap();
    let _a_addr = start(&a, &mut la);
    let b_addr = start(&b, &mut lb);
    let b_id = b.peer_id().unwrap();
    let a_id = a.peer_id().unwrap();
    // Only before start.
    assert_eq!(a.set_reqresp_timeouts(None, None, None).unwrap_err().code(), ErrorCode::BadState);

    // ENR and its update.
    let enr = a.enr().unwrap();
    assert!(enr.starts_with("enr:-"), "{enr}");
    let before = a.discovery_counters().unwrap().enr_seq;
    let seq = a.update_enr(Some([0xff; 8]), Some(0x3), None).unwrap();
    assert_eq!(seq, before + 1);
    assert_eq!(a.discovery_counters().unwrap().enr_seq, seq);
    assert_ne!(a.enr().unwrap(), enr);
    assert_eq!(a.update_enr(None, Some(0x10), None).unwrap_err().code(), ErrorCode::InvalidArgument);

    // Subscriptions: a validates blocks itself, b forwards unvalidated.
    la.done(a.eth2_subscribe("beacon_block", ValidationMode::Host).unwrap()).unwrap();
    lb.done(b.eth2_subscribe("beacon_block", ValidationMode::None).unwrap()).unwrap();
    assert_eq!(a.eth2_subscribe("no_such_topic", ValidationMode::Host).unwrap_err().code(), ErrorCode::InvalidArgument);

    // Dial: the status handshake reports b's Status.
    la.done(a.dial(&b_addr).unwrap()).unwrap();
    let Event::PeerStatus { result, status, protocol: p, .. } =
        la.wait("PEER_STATUS", |e| matches!(e, Event::PeerStatus { peer_id, .. } if *peer_id == b_id))
    else {
        unreachable!()
    };
    result.unwrap();
    assert!(p.contains("/status/"), "{p}");
    assert_eq!(&status[..4], &digest, "status begins with the fork digest");

    // Req/resp: blocks_by_range served by b's host, with context bytes.
    let block = read_chain("block_1.ssz");
    let mut body = Vec::new();
    for v in [1u64, 1, 1] {
        body.extend_from_slice(&v.to_le_bytes()); // start_slot, count, step
    }
    let rid = a.request(&b_id, protocol::BLOCKS_BY_RANGE_V2, &body, Some(Duration::from_secs(10))).unwrap();
    let Event::IncomingRequest { incoming_id, peer_id, protocol: p, data, .. } =
        lb.wait("INCOMING_REQUEST", |e| matches!(e, Event::IncomingRequest { .. }))
    else {
        unreachable!()
    };
    assert_eq!((peer_id.as_str(), p.as_str(), &data), (a_id.as_str(), protocol::BLOCKS_BY_RANGE_V2, &body));
    b.respond_chunk(incoming_id, Some(digest), &block).unwrap();
    b.respond_end(incoming_id).unwrap();
    assert_eq!(b.respond_end(incoming_id).unwrap_err().code(), ErrorCode::NotFound);
    let Event::ResponseChunk { code, context, data, protocol: p, .. } =
        la.wait("RESPONSE_CHUNK", |e| matches!(e, Event::ResponseChunk { request_id, .. } if *request_id == rid))
    else {
        unreachable!()
    };
    assert_eq!(
        (code, context.as_slice(), data, p.as_str()),
        (0, &digest[..], block.clone(), protocol::BLOCKS_BY_RANGE_V2)
    );
    let Event::RequestDone { result, chunks, .. } =
        la.wait("request done", |e| matches!(e, Event::RequestDone { request_id, .. } if *request_id == rid))
    else {
        unreachable!()
    };
    result.unwrap();
    assert_eq!(chunks, 1);

    // An error response.
    let rid = a.request(&b_id, protocol::BLOCKS_BY_RANGE_V2, &body, None).unwrap();
    let Event::IncomingRequest { incoming_id, .. } =
        lb.wait("second INCOMING_REQUEST", |e| matches!(e, Event::IncomingRequest { incoming_id, .. } if *incoming_id != libp2pc::IncomingId(0) && lb_is_new(incoming_id)))
    else {
        unreachable!()
    };
    b.respond_error(incoming_id, 3, "no such blocks").unwrap();
    let Event::ResponseChunk { code, data, .. } =
        la.wait("error chunk", |e| matches!(e, Event::ResponseChunk { request_id, .. } if *request_id == rid))
    else {
        unreachable!()
    };
    assert_eq!((code, String::from_utf8_lossy(&data).into_owned()), (3, "no such blocks".to_string()));
    la.done(rid).unwrap();

    // Metadata, answered by b's library from set_metadata.
    let rid = a.request(&b_id, protocol::METADATA_V2, &[], None).unwrap();
    let Event::ResponseChunk { data, .. } =
        la.wait("metadata chunk", |e| matches!(e, Event::ResponseChunk { request_id, .. } if *request_id == rid))
    else {
        unreachable!()
    };
    assert_eq!(&data[..8], &7u64.to_le_bytes(), "metadata seq_number");
    assert_eq!(&data[8..16], &[1, 0, 0, 0, 0, 0, 0, 0x80], "metadata attnets");
    la.done(rid).unwrap();

    // Gossip: b publishes once a is in its view of the topic; a's host
    // validates (GOSSIP_VALIDATE), accepts, and the message is delivered.
    lb.wait("a joined beacon_block", |e| matches!(e, Event::TopicPeerJoined { peer_id, topic, .. } if *peer_id == a_id && topic.contains("beacon_block")));
    lb.done(b.eth2_publish("beacon_block", &block).unwrap()).unwrap();
    let Event::GossipValidate { validation_id, from, data, topic, .. } =
        la.wait("GOSSIP_VALIDATE", |e| matches!(e, Event::GossipValidate { .. }))
    else {
        unreachable!()
    };
    assert_eq!((from.as_str(), &data), (b_id.as_str(), &block));
    assert!(topic.starts_with("/eth2/") && topic.contains("/beacon_block/"), "{topic}");
    a.report_validation(validation_id, Validation::Accept).unwrap();
    assert_eq!(a.report_validation(validation_id, Validation::Accept).unwrap_err().code(), ErrorCode::NotFound);
    la.wait("accepted MESSAGE", |e| matches!(e, Event::Message { data, .. } if *data == block));

    // The fire-and-forget publish: no completion; a ignores this one.
    let second = read_chain("block_2.ssz");
    b.eth2_publish_nowait("beacon_block", &second).unwrap();
    let Event::GossipValidate { validation_id, .. } =
        la.wait("second GOSSIP_VALIDATE", |e| matches!(e, Event::GossipValidate { data, .. } if *data == second))
    else {
        unreachable!()
    };
    a.report_validation(validation_id, Validation::Ignore).unwrap();
    assert_eq!(b.eth2_publish_nowait_counters().unwrap(), (0, 0));
    // The verdict is applied after report_validation returns: wait for it.
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut c = a.eth2_counters().unwrap();
    while c.topics[0].ignored == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        c = a.eth2_counters().unwrap();
    }
    let blocks = c.topics[libp2pc::sys::LIBP2PC_ETH2_TOPIC_BEACON_BLOCK];
    assert_eq!((blocks.accepted, blocks.ignored, c.late_reports), (1, 1, 1), "{c:?}");

    // The peer table knows b: connected, with its Status.
    let table = a.peer_table().unwrap();
    let row = table.iter().find(|r| r.peer_id == b_id).expect("b in a's peer table");
    assert!(row.is_connected() && row.flags & libp2pc::sys::LIBP2PC_PEER_HAS_STATUS != 0, "{row:?}");
    assert_eq!(row.fork_digest, digest);

    // Goodbye: b sees the reason, then the disconnect.
    la.done(a.goodbye(&b_id, 3).unwrap()).unwrap();
    lb.wait("PEER_GOODBYE", |e| matches!(e, Event::PeerGoodbye { peer_id, reason: 3, .. } if *peer_id == a_id));
    lb.wait("PEER_DISCONNECTED", |e| matches!(e, Event::PeerDisconnected { peer_id, .. } if *peer_id == a_id));

    // Ban: PEER_BANNED with the length (at least what was asked: the
    // policy's first ban is longer); b stays in the table as banned.
    a.ban(&b_id, 120, 0).unwrap();
    la.wait(
        "PEER_BANNED",
        |e| matches!(e, Event::PeerBanned { peer_id, seconds, .. } if *peer_id == b_id && *seconds >= 120),
    );
    let row = a.peer_table().unwrap().into_iter().find(|r| r.peer_id == b_id).expect("banned b in the table");
    assert!(!row.ban_reason.is_empty() && row.banned_until_ms > 0, "{row:?}");
    assert!(a.discovery_counters().unwrap().bans >= 1);

    let rc = a.reqresp_counters().unwrap();
    assert!(rc.requests_sent >= 3 && rc.chunks_received >= 3, "{rc:?}");
    assert_eq!(b.reqresp_counters().unwrap().metadata_served, 1);

    la.done(a.eth2_unsubscribe("beacon_block").unwrap()).unwrap();
    a.stop().unwrap();
    b.stop().unwrap();
    la.wait_stopped_and_end();
    lb.wait_stopped_and_end();
}

// The first incoming id was 1 (ids count from 1 per node); the second
// request's id is any other.
fn lb_is_new(id: &libp2pc::IncomingId) -> bool {
    id.0 > 1
}
