//! Follows a chain: starts an eth2 node with the chain anchored at a
//! genesis state, hands it the chain's blocks (as a host that obtained them
//! itself would), prints every imported block and head change, and stops
//! cleanly.
//!
//!     cargo run --example follow_chain -- DIR
//!
//! DIR is what the project's chain generator writes
//! (`go run ./libp2pc/internal/testchain/cmd/chaingen -out DIR`): config.yaml,
//! genesis.ssz, block_<i>.ssz. Exits non-zero unless every block is
//! imported and the head ends at the last one.
use libp2pc::{Anchor, ChainConfig, Config, ConsensusConfig, Eth2Config, Event, Node};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn main() {
    if let Err(e) = run() {
        eprintln!("follow_chain: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: follow_chain DIR (chaingen output)")?;
    let dir = Path::new(&dir);
    let yaml = std::fs::read(dir.join("config.yaml"))?;
    let genesis = std::fs::read(dir.join("genesis.ssz"))?;
    let mut blocks = Vec::new();
    while let Ok(b) = std::fs::read(dir.join(format!("block_{}.ssz", blocks.len() + 1))) {
        blocks.push(b);
    }
    if blocks.is_empty() || genesis.len() < 40 {
        return Err("no blocks or no genesis state in DIR".into());
    }
    // BeaconState begins with genesis_time (8 bytes) and genesis_validators_root.
    let mut gvr = [0u8; 32];
    gvr.copy_from_slice(&genesis[8..40]);
    // A genesis an hour ago puts every block's slot in the past (12 s slots).
    let genesis_time = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() - 3600;

    let (node, events) = Node::with_channel(&Config::new().listen("/ip4/127.0.0.1/tcp/0"))?;
    node.eth2_configure(&Eth2Config::new(genesis_time, gvr, ConsensusConfig::Yaml(String::from_utf8(yaml.clone())?)))?;
    let wait = |what: &str, pred: &dyn Fn(&Event) -> bool| -> Result<Event, Box<dyn std::error::Error>> {
        events
            .wait_for(Duration::from_secs(60), |e| pred(e))
            .ok_or_else(|| format!("timed out waiting for {what}").into())
    };
    let done = |id, what: &str| -> Result<(), Box<dyn std::error::Error>> {
        match wait(what, &|e| matches!(e, Event::RequestDone { request_id, .. } if *request_id == id))? {
            Event::RequestDone { result, .. } => Ok(result?),
            _ => unreachable!(),
        }
    };
    done(node.start()?, "start")?;
    let data_dir = std::env::temp_dir().join(format!("libp2pc-follow-chain-{}", std::process::id()));
    let started = node.chain_start(&ChainConfig {
        data_dir: data_dir.to_string_lossy().into_owned(),
        anchor: Anchor::State(genesis),
        config_yaml: yaml,
        ws_checkpoint: None,
        backfill_epochs: 0,
        allow_stale_checkpoint: false,
        custody_group_count: 0,
        engine: None,
    })?;
    done(started, "chain_start")?;
    let (anchor, slot) = node.chain_head()?;
    println!("anchored at {} (slot {slot})", hex(&anchor));

    let mut last_root = [0u8; 32];
    for b in &blocks {
        last_root = node.submit_block(b)?;
    }
    let mut imported = 0;
    let mut head = (anchor, slot);
    while imported < blocks.len() || head.0 != last_root {
        match wait("chain events", &|e| {
            matches!(
                e,
                Event::BlockImported { .. }
                    | Event::HeadChanged { .. }
                    | Event::BlockInvalid { .. }
                    | Event::BlockDropped { .. }
            )
        })? {
            Event::BlockImported { slot, root, parent_root, .. } => {
                imported += 1;
                println!("imported slot {slot} block {} parent {}", hex(&root), hex(&parent_root));
            }
            Event::HeadChanged { slot, root, .. } => {
                head = (root, slot);
                println!("head slot {slot} block {}", hex(&root));
            }
            Event::BlockInvalid { slot, reason, .. } => {
                return Err(format!("block at slot {slot} invalid: {reason}").into())
            }
            Event::BlockDropped { slot, reason, .. } => {
                return Err(format!("block at slot {slot} dropped: {reason}").into())
            }
            _ => {}
        }
    }
    let status = node.sync_status()?;
    println!(
        "sync status: head slot {} imported {} finalized epoch {}",
        status.head_slot, status.blocks_imported, status.finalized_epoch
    );
    node.stop()?;
    wait("STOPPED", &|e| matches!(e, Event::Stopped { .. }))?;
    drop(node);
    let _ = std::fs::remove_dir_all(&data_dir);
    println!("stopped: {imported} blocks imported, head {}", hex(&head.0));
    Ok(())
}
