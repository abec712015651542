//! The chain: block pipeline, fork choice and store on the node.
use crate::{check, cstring, opt_str, sys, Node, RequestId, Result, Root};
use std::ffi::{c_char, c_void, CString};

/// Where a new store is anchored (`libp2pc_chain_config`'s anchor and
/// checkpoint-sync fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// Reopen a store that is already anchored.
    Existing,
    /// An SSZ BeaconState (the genesis state or a trusted checkpoint state).
    State(Vec<u8>),
    /// Download the finalized (or `id`'s) state and block from a beacon
    /// node's REST API.
    CheckpointUrl { url: String, id: Option<String> },
    /// A checkpoint state with its signed block (SSZ, or the API's JSON).
    Checkpoint { state: Vec<u8>, block: Vec<u8> },
}

/// The chain's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainConfig {
    /// Store directory, created if missing.
    pub data_dir: String,
    pub anchor: Anchor,
    /// The chain's config YAML, for the state transition.
    pub config_yaml: Vec<u8>,
    /// Weak subjectivity checkpoint "0x<root>:<epoch>" (checkpoint sync).
    pub ws_checkpoint: Option<String>,
}

/// The chain's sync progress (`libp2pc_chain_sync_status`), owned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncStatus {
    pub syncing: bool,
    pub head_slot: u64,
    pub current_slot: u64,
    pub sync_distance: u64,
    pub finalized_epoch: u64,
    pub sync_start_slot: u64,
    pub sync_target_slot: u64,
    pub sync_peer: String,
    pub syncs: u64,
    pub synced_blocks: u64,
    pub sync_failures: u64,
    pub blocks_imported: u64,
    pub blocks_invalid: u64,
    pub blocks_dropped: u64,
    pub blocks_in_flight: u64,
    pub backfilling: bool,
    pub backfill_done: bool,
    pub earliest_slot: u64,
    pub backfilled_blocks: u64,
}

/// Takes ownership of a buffer the library allocated and frees it with
/// `libp2pc_free`.
unsafe fn take_buffer(p: *mut u8, len: usize) -> Vec<u8> {
    let v = crate::bytes(p, len);
    sys::libp2pc_free(p as *mut c_void);
    v
}

impl Node {
    /// Starts the chain on a running eth2 node; completes with one
    /// [`crate::Event::RequestDone`].
    pub fn chain_start(&self, cfg: &ChainConfig) -> Result<RequestId> {
        let dir = cstring("data dir", &cfg.data_dir)?;
        let opt = |what: &str, s: &Option<String>| s.as_deref().map(|s| cstring(what, s)).transpose();
        let ws = opt("ws checkpoint", &cfg.ws_checkpoint)?;
        // SAFETY: all-zero is valid (NULL pointers); init sets struct_size.
        let mut c: sys::libp2pc_chain_config = unsafe { std::mem::zeroed() };
        check(unsafe {
            sys::libp2pc_chain_config_init_sized(&mut c, std::mem::size_of::<sys::libp2pc_chain_config>())
        })?;
        c.data_dir = dir.as_ptr();
        c.config_yaml = cfg.config_yaml.as_ptr();
        c.config_yaml_len = cfg.config_yaml.len();
        c.ws_checkpoint = ws.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        let (url, id): (Option<CString>, Option<CString>);
        match &cfg.anchor {
            Anchor::Existing => {
                url = None;
                id = None;
            }
            Anchor::State(s) => {
                c.anchor_state = s.as_ptr();
                c.anchor_state_len = s.len();
                url = None;
                id = None;
            }
            Anchor::CheckpointUrl { url: u, id: i } => {
                url = Some(cstring("checkpoint url", u)?);
                id = opt("checkpoint id", i)?;
            }
            Anchor::Checkpoint { state, block } => {
                c.checkpoint_state = state.as_ptr();
                c.checkpoint_state_len = state.len();
                c.checkpoint_block = block.as_ptr();
                c.checkpoint_block_len = block.len();
                url = None;
                id = None;
            }
        }
        c.checkpoint_sync_url = url.as_ref().map_or(std::ptr::null(), |s| s.as_ptr() as *const c_char);
        c.checkpoint_id = id.as_ref().map_or(std::ptr::null(), |s| s.as_ptr() as *const c_char);
        // SAFETY: c and every buffer it points to live across the call (copied).
        self.request_with(|rid| unsafe { sys::libp2pc_node_chain_start(self.handle, &c, rid) })
    }

    /// The fork choice head: `(root, slot)`.
    pub fn chain_head(&self) -> Result<(Root, u64)> {
        let (mut root, mut slot) = ([0u8; 32], 0u64);
        check(unsafe { sys::libp2pc_node_chain_head(self.handle, root.as_mut_ptr(), &mut slot) })?;
        Ok((root, slot))
    }

    /// The finalized checkpoint: `(root, epoch)`.
    pub fn chain_finalized(&self) -> Result<(Root, u64)> {
        let (mut root, mut epoch) = ([0u8; 32], 0u64);
        check(unsafe { sys::libp2pc_node_chain_finalized(self.handle, root.as_mut_ptr(), &mut epoch) })?;
        Ok((root, epoch))
    }

    /// The stored SSZ SignedBeaconBlock of `root`.
    pub fn get_block(&self, root: &Root) -> Result<Vec<u8>> {
        let (mut p, mut n) = (std::ptr::null_mut::<u8>(), 0usize);
        check(unsafe { sys::libp2pc_node_get_block(self.handle, root.as_ptr(), &mut p, &mut n) })?;
        Ok(unsafe { take_buffer(p, n) })
    }

    /// The SSZ BeaconState after block `root` (if still stored).
    pub fn get_state(&self, root: &Root) -> Result<Vec<u8>> {
        let (mut p, mut n) = (std::ptr::null_mut::<u8>(), 0usize);
        check(unsafe { sys::libp2pc_node_get_state(self.handle, root.as_ptr(), &mut p, &mut n) })?;
        Ok(unsafe { take_buffer(p, n) })
    }

    /// Hands an SSZ SignedBeaconBlock to the pipeline; returns its root. Its
    /// outcome comes later: BlockImported, BlockInvalid or BlockDropped.
    pub fn submit_block(&self, ssz: &[u8]) -> Result<Root> {
        let mut root = [0u8; 32];
        check(unsafe {
            sys::libp2pc_node_chain_submit_block(self.handle, ssz.as_ptr(), ssz.len(), root.as_mut_ptr())
        })?;
        Ok(root)
    }

    /// The chain's sync progress.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        // SAFETY: all-zero is a valid value of this plain-data struct.
        let mut s: sys::libp2pc_chain_sync_status = unsafe { std::mem::zeroed() };
        s.struct_size = std::mem::size_of::<sys::libp2pc_chain_sync_status>() as u32;
        check(unsafe { sys::libp2pc_node_chain_sync_status(self.handle, &mut s) })?;
        // The library NUL-terminates sync_peer; the last byte is forced to 0
        // so a bad write can never make the copy read past the array.
        s.sync_peer[127] = 0;
        Ok(SyncStatus {
            syncing: s.syncing != 0,
            head_slot: s.head_slot,
            current_slot: s.current_slot,
            sync_distance: s.sync_distance,
            finalized_epoch: s.finalized_epoch,
            sync_start_slot: s.sync_start_slot,
            sync_target_slot: s.sync_target_slot,
            sync_peer: unsafe { opt_str(s.sync_peer.as_ptr()) },
            syncs: s.syncs,
            synced_blocks: s.synced_blocks,
            sync_failures: s.sync_failures,
            blocks_imported: s.blocks_imported,
            blocks_invalid: s.blocks_invalid,
            blocks_dropped: s.blocks_dropped,
            blocks_in_flight: s.blocks_in_flight,
            backfilling: s.backfilling != 0,
            backfill_done: s.backfill_done != 0,
            earliest_slot: s.earliest_slot,
            backfilled_blocks: s.backfilled_blocks,
        })
    }
}
