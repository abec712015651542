//! The chain API against the project's generated chain (chaingen): anchor,
//! submit, the outcome events, the store reads and the sync status.
mod common;
use common::*;
use libp2pc::{Anchor, ChainConfig, ErrorCode, Event, Node};

#[test]
fn chain_imports_the_generated_blocks_and_rejects_the_bad_one() {
    let manifest = String::from_utf8(read_chain("manifest.txt")).unwrap();
    let mut anchor_root = Vec::new();
    let mut blocks = Vec::new(); // (slot, root, parent)
    let mut bad = Vec::new();
    for line in manifest.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f[0] {
            "anchor" => anchor_root = unhex(f[1]),
            "block" => blocks.push((f[2].parse::<u64>().unwrap(), unhex(f[3]), unhex(f[4]))),
            "bad" => bad = unhex(f[2]),
            _ => {}
        }
    }
    assert!(blocks.len() >= 3 && !bad.is_empty(), "manifest: {manifest}");

    let (node, events) = Node::with_channel(&local()).unwrap();
    let mut log = Log::new("chain", events);
    node.eth2_configure(&eth2_config()).unwrap();
    log.done(node.start().unwrap()).unwrap();
    // Before chain_start the chain calls are refused with BAD_STATE.
    assert_eq!(node.chain_head().unwrap_err().code(), ErrorCode::BadState);
    assert_eq!(node.chain_da_counters().unwrap_err().code(), ErrorCode::BadState);

    let dir = std::env::temp_dir().join(format!("libp2pc-rust-chain-{}", std::process::id()));
    let genesis = read_chain("genesis.ssz");
    let cfg = ChainConfig {
        data_dir: dir.to_string_lossy().into_owned(),
        anchor: Anchor::State(genesis.clone()),
        config_yaml: read_chain("config.yaml"),
        ws_checkpoint: None,
        backfill_epochs: 0,
        allow_stale_checkpoint: false,
        custody_group_count: 0,
        engine: None,
    };
    log.done(node.chain_start(&cfg).unwrap()).unwrap();
    let (head, slot) = node.chain_head().unwrap();
    assert_eq!((head.to_vec(), slot), (anchor_root.clone(), 0));
    let (fin, epoch) = node.chain_finalized().unwrap();
    assert_eq!((fin.to_vec(), epoch), (anchor_root.clone(), 0));
    // The anchor's state is the genesis state, byte for byte.
    assert_eq!(node.get_state(&head).unwrap(), genesis);
    assert_eq!(node.get_block(&head).unwrap_err().code(), ErrorCode::NotFound);

    for (i, (_, root, _)) in blocks.iter().enumerate() {
        let ssz = read_chain(&format!("block_{}.ssz", i + 1));
        assert_eq!(node.submit_block(&ssz).unwrap().to_vec(), *root);
    }
    for (slot, root, parent) in &blocks {
        let ev = log.wait("BLOCK_IMPORTED", |e| matches!(e, Event::BlockImported { root: r, .. } if r[..] == root[..]));
        let Event::BlockImported { slot: s, parent_root, .. } = ev else { unreachable!() };
        assert_eq!((s, parent_root.to_vec()), (*slot, parent.clone()));
    }
    let (last_slot, last_root, _) = blocks.last().unwrap().clone();
    log.wait(
        "HEAD_CHANGED to the last block",
        |e| matches!(e, Event::HeadChanged { root, slot, .. } if root[..] == last_root[..] && *slot == last_slot),
    );
    let first = read_chain("block_1.ssz");
    let mut r1 = [0u8; 32];
    r1.copy_from_slice(&blocks[0].1);
    assert_eq!(node.get_block(&r1).unwrap(), first);
    if let Ok(state) = std::fs::read(chain_dir().join("state_1.ssz")) {
        assert_eq!(node.get_state(&r1).unwrap(), state);
    }

    // The block with a wrong state root: one BLOCK_INVALID naming the rule.
    let bad_root = node.submit_block(&read_chain("bad_state_root.ssz")).unwrap();
    assert_eq!(bad_root.to_vec(), bad);
    let ev = log.wait("BLOCK_INVALID", |e| matches!(e, Event::BlockInvalid { .. }));
    let Event::BlockInvalid { root, reason, .. } = ev else { unreachable!() };
    assert_eq!(root, bad_root);
    assert!(reason.contains("state_root"), "{reason}");
    // Garbage is refused at once.
    assert_eq!(node.submit_block(b"not a block").unwrap_err().code(), ErrorCode::InvalidArgument);

    let st = node.sync_status().unwrap();
    assert_eq!(st.head_slot, last_slot);
    assert_eq!(st.blocks_imported, blocks.len() as u64);
    assert_eq!(st.blocks_invalid, 1);
    assert!(!st.syncing && !st.backfilling && st.earliest_slot == 0, "{st:?}"); // a genesis anchor: no backfill
    assert!(st.current_slot >= 299, "{st:?}"); // genesis an hour ago, 12 s slots

    // Data availability (ABI 2.2): a phase0 chain has no sidecars, and its
    // blocks cannot carry blobs.
    let da = node.chain_da_counters().unwrap();
    assert_eq!((da.blocks_waited, da.waiting, da.sidecars_stored), (0, 0, 0), "{da:?}");
    assert_eq!(node.get_sidecars(&r1).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(node.chain_propose_blobs(&[], &[]).unwrap_err().code(), ErrorCode::InvalidArgument);
    assert_eq!(node.chain_propose_blobs(&first, &[0; 5]).unwrap_err().code(), ErrorCode::InvalidArgument);
    let err = log.done(node.chain_propose_blobs(&first, &vec![0; libp2pc::BLOB_SIZE]).unwrap()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err:?}");

    let metrics = node.metrics_text().unwrap();
    assert!(metrics.lines().any(|l| l == format!("beacon_head_slot {last_slot}")), "no beacon_head_slot {last_slot}");

    node.stop().unwrap();
    log.wait_stopped_and_end();
    assert_eq!(node.chain_head().unwrap_err().code(), ErrorCode::Stopped);
    drop(node);
    let _ = std::fs::remove_dir_all(dir);
}
