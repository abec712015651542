//! Eth2 req/resp: status, metadata, serving and sending requests.
use crate::{check, cstring, sys, IncomingId, Node, RequestId, Result};
use std::time::Duration;

/// The node's Status (`libp2pc_eth2_status`; `struct_size` is set by the
/// calls that take it).
pub type Status = sys::libp2pc_eth2_status;
/// The node's MetaData (`libp2pc_eth2_metadata`).
pub type Metadata = sys::libp2pc_eth2_metadata;
/// Req/resp counters (`libp2pc_reqresp_counters`).
pub type ReqRespCounters = sys::libp2pc_reqresp_counters;

/// Well-known protocol ids.
pub mod protocol {
    pub const STATUS_V1: &str = "/eth2/beacon_chain/req/status/1/ssz_snappy";
    pub const STATUS_V2: &str = "/eth2/beacon_chain/req/status/2/ssz_snappy";
    pub const PING_V1: &str = "/eth2/beacon_chain/req/ping/1/ssz_snappy";
    pub const METADATA_V2: &str = "/eth2/beacon_chain/req/metadata/2/ssz_snappy";
    pub const BLOCKS_BY_RANGE_V2: &str = "/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy";
    pub const BLOCKS_BY_ROOT_V2: &str = "/eth2/beacon_chain/req/beacon_blocks_by_root/2/ssz_snappy";
}

fn ms(d: Option<Duration>) -> u32 {
    crate::millis(d)
}

impl Node {
    /// Sets the req/resp timeouts (`None`: the default). Before start.
    pub fn set_reqresp_timeouts(
        &self,
        ttfb: Option<Duration>,
        resp: Option<Duration>,
        serve: Option<Duration>,
    ) -> Result<()> {
        check(unsafe { sys::libp2pc_node_set_reqresp_timeouts(self.handle, ms(ttfb), ms(resp), ms(serve)) })
    }

    /// Sets the Status the node sends and answers with.
    pub fn set_status(&self, status: &Status) -> Result<()> {
        let s = Status { struct_size: std::mem::size_of::<Status>() as u32, ..*status };
        check(unsafe { sys::libp2pc_node_set_status(self.handle, &s) })
    }

    /// Sets the MetaData the node answers metadata and ping with.
    pub fn set_metadata(&self, md: &Metadata) -> Result<()> {
        let m = Metadata { struct_size: std::mem::size_of::<Metadata>() as u32, ..*md };
        check(unsafe { sys::libp2pc_node_set_metadata(self.handle, &m) })
    }

    /// Serves a data protocol by the host (`true`: [`crate::Event::IncomingRequest`]s)
    /// or stops serving it (`false`).
    pub fn serve(&self, protocol: &str, by_host: bool) -> Result<()> {
        let p = cstring("protocol", protocol)?;
        let mode = if by_host { sys::LIBP2PC_SERVE_BY_HOST } else { sys::LIBP2PC_SERVE_NONE };
        check(unsafe { sys::libp2pc_node_serve(self.handle, p.as_ptr(), mode) })
    }

    /// Sends a request (SSZ body; empty for metadata) to a connected peer.
    /// Chunks arrive as [`crate::Event::ResponseChunk`], then one
    /// [`crate::Event::RequestDone`]. `timeout`: for the whole request.
    pub fn request(&self, peer_id: &str, protocol: &str, body: &[u8], timeout: Option<Duration>) -> Result<RequestId> {
        let peer = cstring("peer id", peer_id)?;
        let p = cstring("protocol", protocol)?;
        let (ptr, len) = if body.is_empty() { (std::ptr::null(), 0) } else { (body.as_ptr(), body.len()) };
        self.request_with(|id| unsafe {
            sys::libp2pc_node_request(self.handle, peer.as_ptr(), p.as_ptr(), ptr, len, ms(timeout), id)
        })
    }

    /// Queues one Success chunk of the response to `id`; `context`: the
    /// 4-byte fork digest for protocols with context bytes.
    pub fn respond_chunk(&self, id: IncomingId, context: Option<[u8; 4]>, data: &[u8]) -> Result<()> {
        let (cp, cl) = match &context {
            Some(c) => (c.as_ptr(), 4),
            None => (std::ptr::null(), 0),
        };
        check(unsafe { sys::libp2pc_node_respond_chunk(self.handle, id.0, cp, cl, data.as_ptr(), data.len()) })
    }

    /// Ends the response to `id` after its queued chunks.
    pub fn respond_end(&self, id: IncomingId) -> Result<()> {
        check(unsafe { sys::libp2pc_node_respond_end(self.handle, id.0) })
    }

    /// Ends the response to `id` with an error chunk (`code` 1..=3 or 128..).
    pub fn respond_error(&self, id: IncomingId, code: u8, message: &str) -> Result<()> {
        let m = cstring("message", message)?;
        check(unsafe { sys::libp2pc_node_respond_error(self.handle, id.0, code, m.as_ptr()) })
    }

    /// Sends goodbye(`reason`) to a peer, then disconnects it.
    pub fn goodbye(&self, peer_id: &str, reason: u64) -> Result<RequestId> {
        let p = cstring("peer id", peer_id)?;
        self.request_with(|id| unsafe { sys::libp2pc_node_goodbye(self.handle, p.as_ptr(), reason, id) })
    }

    /// The req/resp counters.
    pub fn reqresp_counters(&self) -> Result<ReqRespCounters> {
        let mut c =
            ReqRespCounters { struct_size: std::mem::size_of::<ReqRespCounters>() as u32, ..Default::default() };
        check(unsafe { sys::libp2pc_node_reqresp_counters(self.handle, &mut c) })?;
        Ok(c)
    }
}
