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
    /// Backfill of a checkpoint-anchored store stops after this many epochs
    /// behind the anchor; 0: down to genesis (ABI 2.2).
    pub backfill_epochs: u64,
    /// Accept a checkpoint outside its weak subjectivity period (ABI 2.2).
    pub allow_stale_checkpoint: bool,
    /// PeerDAS custody groups kept and served; 0: CUSTODY_REQUIREMENT (ABI 2.2).
    pub custody_group_count: u64,
    /// The execution client's Engine API, with its JWT secret (ABI 2.2).
    pub engine: Option<EngineConfig>,
}

/// The execution client a chain talks to (`engine_endpoint` and its JWT
/// secret in `libp2pc_chain_config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// e.g. "http://127.0.0.1:8551".
    pub endpoint: String,
    pub jwt: JwtSecret,
}

/// The Engine API's JWT secret: its bytes, or the execution client's hex file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtSecret {
    Bytes([u8; 32]),
    File(String),
}

/// The data availability counters (`libp2pc_chain_da_counters`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DaCounters {
    pub sidecars_received: u64,
    pub sidecars_verified: u64,
    pub sidecars_rejected: u64,
    pub sidecars_late: u64,
    pub sidecars_requested: u64,
    pub fetch_requests: u64,
    pub fetch_failures: u64,
    pub reconstructions: u64,
    pub columns_recovered: u64,
    pub blocks_waited: u64,
    pub blocks_available: u64,
    pub blocks_unavailable: u64,
    pub dropped_waiting_full: u64,
    pub sidecars_stored: u64,
    pub sidecars_pruned: u64,
    pub sidecars_published: u64,
    pub publish_failures: u64,
    pub custody_group_count: u64,
    pub earliest_sidecar_slot: u64,
    pub waiting: u64,
    pub tracker_evicted: u64,
}

/// What kind of sidecars a block stores (`libp2pc_node_get_sidecars`'s kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidecarKind {
    /// BlobSidecar (deneb, electra).
    Blob,
    /// DataColumnSidecar (fulu).
    DataColumn,
    /// A kind this binding does not know (a newer library).
    Other(u32),
}

/// The stored sidecars of one block, each its own SSZ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sidecars {
    pub kind: SidecarKind,
    pub sidecars: Vec<Vec<u8>>,
}

/// The size of one blob (`chain_propose_blobs`).
pub const BLOB_SIZE: usize = 131072;

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

/// Splits get_sidecars' buffer (per sidecar: u32 little-endian length, then
/// its bytes) into `count` sidecars; None when the buffer does not hold
/// exactly that.
fn split_sidecars(mut buf: &[u8], count: usize) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::with_capacity(count.min(256));
    for _ in 0..count {
        let len = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?) as usize;
        out.push(buf.get(4..4 + len)?.to_vec());
        buf = &buf[4 + len..];
    }
    if buf.is_empty() {
        Some(out)
    } else {
        None
    }
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
        c.backfill_epochs = cfg.backfill_epochs;
        c.allow_stale_checkpoint = cfg.allow_stale_checkpoint as u32;
        c.custody_group_count = cfg.custody_group_count;
        let (mut endpoint, mut jwt_path): (Option<CString>, Option<CString>) = (None, None);
        if let Some(e) = &cfg.engine {
            endpoint = Some(cstring("engine endpoint", &e.endpoint)?);
            match &e.jwt {
                JwtSecret::Bytes(b) => c.jwt_secret = *b,
                JwtSecret::File(f) => jwt_path = Some(cstring("jwt secret path", f)?),
            }
        }
        c.engine_endpoint = endpoint.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        c.jwt_secret_path = jwt_path.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
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

    /// The stored sidecars of block `root` (blob sidecars, or the node's
    /// custody columns), each as SSZ in index order.
    pub fn get_sidecars(&self, root: &Root) -> Result<Sidecars> {
        let (mut p, mut n, mut kind, mut count) = (std::ptr::null_mut::<u8>(), 0usize, 0u32, 0u32);
        check(unsafe {
            sys::libp2pc_node_get_sidecars(self.handle, root.as_ptr(), &mut p, &mut n, &mut kind, &mut count)
        })?;
        let buf = unsafe { take_buffer(p, n) };
        let sidecars = split_sidecars(&buf, count as usize).ok_or_else(|| {
            crate::Error::new(crate::ErrorCode::Internal, "get_sidecars: malformed sidecar buffer".to_string())
        })?;
        let kind = match kind {
            1 => SidecarKind::Blob,
            2 => SidecarKind::DataColumn,
            k => SidecarKind::Other(k),
        };
        Ok(Sidecars { kind, sidecars })
    }

    /// Hands a proposed block's blobs ([`BLOB_SIZE`] bytes each, in the
    /// order of its commitments) to the library, which builds, files and
    /// publishes their sidecars; completes with one
    /// [`crate::Event::RequestDone`] whose `chunks` is the number built.
    pub fn chain_propose_blobs(&self, block: &[u8], blobs: &[u8]) -> Result<RequestId> {
        if blobs.len() % BLOB_SIZE != 0 {
            return Err(crate::Error::new(
                crate::ErrorCode::InvalidArgument,
                format!("blobs: {} bytes is not a multiple of {}", blobs.len(), BLOB_SIZE),
            ));
        }
        let count = blobs.len() / BLOB_SIZE;
        // SAFETY: block and blobs are read and copied during the call.
        self.request_with(|rid| unsafe {
            sys::libp2pc_node_chain_propose_blobs(self.handle, block.as_ptr(), block.len(), blobs.as_ptr(), count, rid)
        })
    }

    /// The data availability counters.
    pub fn chain_da_counters(&self) -> Result<DaCounters> {
        // SAFETY: all-zero is a valid value of this plain-data struct.
        let mut s: sys::libp2pc_chain_da_counters = unsafe { std::mem::zeroed() };
        s.struct_size = std::mem::size_of::<sys::libp2pc_chain_da_counters>() as u32;
        check(unsafe { sys::libp2pc_node_chain_da_counters(self.handle, &mut s) })?;
        Ok(DaCounters {
            sidecars_received: s.sidecars_received,
            sidecars_verified: s.sidecars_verified,
            sidecars_rejected: s.sidecars_rejected,
            sidecars_late: s.sidecars_late,
            sidecars_requested: s.sidecars_requested,
            fetch_requests: s.fetch_requests,
            fetch_failures: s.fetch_failures,
            reconstructions: s.reconstructions,
            columns_recovered: s.columns_recovered,
            blocks_waited: s.blocks_waited,
            blocks_available: s.blocks_available,
            blocks_unavailable: s.blocks_unavailable,
            dropped_waiting_full: s.dropped_waiting_full,
            sidecars_stored: s.sidecars_stored,
            sidecars_pruned: s.sidecars_pruned,
            sidecars_published: s.sidecars_published,
            publish_failures: s.publish_failures,
            custody_group_count: s.custody_group_count,
            earliest_sidecar_slot: s.earliest_sidecar_slot,
            waiting: s.waiting,
            tracker_evicted: s.tracker_evicted,
        })
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

#[cfg(test)]
mod tests {
    use super::split_sidecars;

    #[test]
    fn sidecar_buffer_splits_by_length_prefix() {
        let buf = [2, 0, 0, 0, 0xaa, 0xbb, 0, 0, 0, 0, 1, 0, 0, 0, 0xcc];
        assert_eq!(split_sidecars(&buf, 3), Some(vec![vec![0xaa, 0xbb], vec![], vec![0xcc]]));
        // A count that does not match the buffer, or a length past its end.
        assert_eq!(split_sidecars(&buf, 2), None);
        assert_eq!(split_sidecars(&buf, 4), None);
        assert_eq!(split_sidecars(&[9, 0, 0, 0, 1], 1), None);
        assert_eq!(split_sidecars(&[], 0), Some(vec![]));
    }
}
