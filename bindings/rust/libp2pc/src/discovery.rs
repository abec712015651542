//! Discovery (discv5) and peer management.
use crate::{check, cstring, opt_str, sys, Node, Result};
use std::ffi::{c_char, CStr, CString};
use std::time::Duration;

/// Discovery configuration (`libp2pc_discovery_config`); zero / `None`
/// fields select the library's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoveryConfig {
    /// discv5 UDP "ip:port" (`None`: "0.0.0.0:9000"; port 0 picks one).
    pub listen_udp: Option<String>,
    pub advertise_ip: Option<String>,
    pub bootnodes: Vec<String>,
    pub static_peers: Vec<String>,
    pub trusted_peers: Vec<String>,
    pub target_peers: u32,
    pub max_peers: u32,
    pub prune_above: u32,
    pub outbound_percent: u32,
    pub ban_seconds: u32,
    pub max_ban_seconds: u32,
    pub status_timeout: Option<Duration>,
    pub tick: Option<Duration>,
    pub max_finalized_lag: u64,
    pub attnets: [u8; 8],
    pub syncnets: u8,
    pub custody_group_count: u64,
}

/// One row of the peer table (`libp2pc_peer_info`), owned.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerInfo {
    pub peer_id: String,
    pub direction: String,
    pub addr: String,
    pub agent: String,
    pub ban_reason: String,
    pub score: f64,
    /// `sys::LIBP2PC_PEER_*` bits.
    pub flags: u32,
    pub connected_since_ms: u64,
    pub banned_until_ms: u64,
    pub enr_seq: u64,
    pub attnets: [u8; 8],
    pub syncnets: u8,
    pub custody_group_count: u64,
    pub fork_digest: [u8; 4],
    pub finalized_root: [u8; 32],
    pub finalized_epoch: u64,
    pub head_root: [u8; 32],
    pub head_slot: u64,
    pub earliest_available_slot: u64,
}

impl PeerInfo {
    pub fn is_connected(&self) -> bool {
        self.flags & sys::LIBP2PC_PEER_CONNECTED != 0
    }
}

/// Discovery counters (`libp2pc_discovery_counters`).
pub type DiscoveryCounters = sys::libp2pc_discovery_counters;

fn cstrings(what: &str, v: &[String]) -> Result<(Vec<CString>, Vec<*const c_char>)> {
    let owned = v.iter().map(|s| cstring(what, s)).collect::<Result<Vec<_>>>()?;
    let ptrs = owned.iter().map(|s| s.as_ptr()).collect();
    Ok((owned, ptrs))
}

impl Node {
    /// Enables discovery and peer management (after `eth2_configure`,
    /// before start).
    pub fn discovery_configure(&self, cfg: &DiscoveryConfig) -> Result<()> {
        let udp = cfg.listen_udp.as_deref().map(|s| cstring("listen udp", s)).transpose()?;
        let ip = cfg.advertise_ip.as_deref().map(|s| cstring("advertise ip", s)).transpose()?;
        let (_b, boot) = cstrings("bootnode", &cfg.bootnodes)?;
        let (_s, stat) = cstrings("static peer", &cfg.static_peers)?;
        let (_t, trust) = cstrings("trusted peer", &cfg.trusted_peers)?;
        // SAFETY: all-zero is valid (NULL pointers); init sets struct_size.
        let mut c: sys::libp2pc_discovery_config = unsafe { std::mem::zeroed() };
        check(unsafe {
            sys::libp2pc_discovery_config_init_sized(&mut c, std::mem::size_of::<sys::libp2pc_discovery_config>())
        })?;
        c.listen_udp = udp.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        c.advertise_ip = ip.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        c.bootnodes = boot.as_ptr();
        c.bootnodes_len = boot.len();
        c.static_peers = stat.as_ptr();
        c.static_peers_len = stat.len();
        c.trusted_peers = trust.as_ptr();
        c.trusted_peers_len = trust.len();
        c.target_peers = cfg.target_peers;
        c.max_peers = cfg.max_peers;
        c.prune_above = cfg.prune_above;
        c.outbound_percent = cfg.outbound_percent;
        c.ban_seconds = cfg.ban_seconds;
        c.max_ban_seconds = cfg.max_ban_seconds;
        c.status_timeout_ms = crate::millis(cfg.status_timeout);
        c.tick_ms = crate::millis(cfg.tick);
        c.max_finalized_lag = cfg.max_finalized_lag;
        c.attnets = cfg.attnets;
        c.syncnets = cfg.syncnets;
        c.custody_group_count = cfg.custody_group_count;
        // SAFETY: c and every string and array it points to live across the call.
        check(unsafe { sys::libp2pc_node_discovery_configure(self.handle, &c) })
    }

    /// The fork digest of the wall-clock epoch.
    pub fn fork_digest(&self) -> Result<[u8; 4]> {
        let mut d = [0u8; 4];
        check(unsafe { sys::libp2pc_node_fork_digest(self.handle, d.as_mut_ptr()) })?;
        Ok(d)
    }

    /// The node's current ENR ("enr:-...").
    pub fn enr(&self) -> Result<String> {
        let mut buf = [0 as c_char; 1024];
        check(unsafe { sys::libp2pc_node_enr(self.handle, buf.as_mut_ptr(), buf.len()) })?;
        Ok(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned())
    }

    /// Changes the ENR's attnets / syncnets / custody group count (`None`:
    /// unchanged) in one signed update; returns the record's sequence number.
    pub fn update_enr(
        &self,
        attnets: Option<[u8; 8]>,
        syncnets: Option<u8>,
        custody_group_count: Option<u64>,
    ) -> Result<u64> {
        let mut seq = 0u64;
        let a = attnets.as_ref().map_or(std::ptr::null(), |a| a.as_ptr());
        check(unsafe {
            sys::libp2pc_node_update_enr(
                self.handle,
                a,
                syncnets.unwrap_or(0xff),
                custody_group_count.unwrap_or(0),
                &mut seq,
            )
        })?;
        Ok(seq)
    }

    /// The peer table: connected peers, then banned ones.
    pub fn peer_table(&self) -> Result<Vec<PeerInfo>> {
        let mut out: *mut sys::libp2pc_peer_info = std::ptr::null_mut();
        let mut n = 0usize;
        let elem = std::mem::size_of::<sys::libp2pc_peer_info>();
        check(unsafe { sys::libp2pc_node_peer_table_sized(self.handle, &mut out, &mut n, elem) })?;
        let mut rows = Vec::with_capacity(n);
        unsafe {
            for i in 0..n {
                let p = &*out.add(i);
                rows.push(PeerInfo {
                    peer_id: opt_str(p.peer_id),
                    direction: opt_str(p.direction),
                    addr: opt_str(p.addr),
                    agent: opt_str(p.agent),
                    ban_reason: opt_str(p.ban_reason),
                    score: p.score,
                    flags: p.flags,
                    connected_since_ms: p.connected_since_ms,
                    banned_until_ms: p.banned_until_ms,
                    enr_seq: p.enr_seq,
                    attnets: p.attnets,
                    syncnets: p.syncnets,
                    custody_group_count: p.custody_group_count,
                    fork_digest: p.fork_digest,
                    finalized_root: p.finalized_root,
                    finalized_epoch: p.finalized_epoch,
                    head_root: p.head_root,
                    head_slot: p.head_slot,
                    earliest_available_slot: p.earliest_available_slot,
                });
            }
            sys::libp2pc_peer_table_free(out);
        }
        Ok(rows)
    }

    /// Bans a peer for at least `seconds` (0: the configured policy);
    /// `reason`: a goodbye code (0: 251 banned).
    pub fn ban(&self, peer_id: &str, seconds: u32, reason: u64) -> Result<()> {
        let p = cstring("peer id", peer_id)?;
        check(unsafe { sys::libp2pc_node_ban(self.handle, p.as_ptr(), seconds, reason) })
    }

    /// The discovery and peer management counters.
    pub fn discovery_counters(&self) -> Result<DiscoveryCounters> {
        let mut c =
            DiscoveryCounters { struct_size: std::mem::size_of::<DiscoveryCounters>() as u32, ..Default::default() };
        check(unsafe { sys::libp2pc_node_discovery_counters(self.handle, &mut c) })?;
        Ok(c)
    }
}
