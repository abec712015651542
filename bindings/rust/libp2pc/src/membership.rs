//! The membership transport: direct messages between known members.
use crate::{check, cstring, sys, Node, Result};
use std::ffi::{c_char, CStr, CString};

/// Which transport carries membership messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Streams on the node's libp2p host; member ids are peer ids.
    Libp2p,
    /// Raw TCP, not authenticated (trusted networks, tests). `listen`:
    /// "127.0.0.1:0" style (`None`: that); `node_id`: this member's id
    /// (`None`: the peer id).
    Tcp { listen: Option<String>, node_id: Option<String> },
}

/// One membership entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    /// A multiaddr (libp2p; "" when reachable already) or "host:port" (tcp).
    pub addr: String,
}

pub type MembershipCounters = sys::libp2pc_membership_counters;
pub type MemberCounters = sys::libp2pc_member_counters;

impl Node {
    /// Starts the membership transport; returns this node's member id.
    pub fn membership_start(&self, transport: &Transport) -> Result<String> {
        let (name, listen, id) = match transport {
            Transport::Libp2p => ("libp2p", None, None),
            Transport::Tcp { listen, node_id } => ("tcp", listen.as_deref(), node_id.as_deref()),
        };
        let t = cstring("transport", name)?;
        let l = listen.map(|s| cstring("tcp listen addr", s)).transpose()?;
        let i = id.map(|s| cstring("tcp node id", s)).transpose()?;
        let mut buf = [0 as c_char; 256];
        check(unsafe {
            sys::libp2pc_node_membership_start(
                self.handle,
                t.as_ptr(),
                l.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
                i.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
                buf.as_mut_ptr(),
                buf.len(),
            )
        })?;
        Ok(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned())
    }

    /// The address other members list for this node.
    pub fn membership_addr(&self) -> Result<String> {
        let mut buf = [0 as c_char; 512];
        check(unsafe { sys::libp2pc_node_membership_addr(self.handle, buf.as_mut_ptr(), buf.len()) })?;
        Ok(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned())
    }

    /// Replaces the membership (all or nothing).
    pub fn membership_set(&self, members: &[Member]) -> Result<()> {
        let owned = members
            .iter()
            .map(|m| Ok((cstring("member id", &m.id)?, cstring("member addr", &m.addr)?)))
            .collect::<Result<Vec<(CString, CString)>>>()?;
        let raw: Vec<sys::libp2pc_member> =
            owned.iter().map(|(i, a)| sys::libp2pc_member { id: i.as_ptr(), addr: a.as_ptr() }).collect();
        let elem = std::mem::size_of::<sys::libp2pc_member>();
        check(unsafe { sys::libp2pc_node_membership_set_sized(self.handle, raw.as_ptr(), raw.len(), elem) })
    }

    /// Queues `data` for member `id` (queued, not delivered).
    pub fn member_send(&self, id: &str, data: &[u8]) -> Result<()> {
        let i = cstring("member id", id)?;
        check(unsafe { sys::libp2pc_node_member_send(self.handle, i.as_ptr(), data.as_ptr(), data.len()) })
    }

    /// Queues `data` for every member but this node.
    pub fn member_broadcast(&self, data: &[u8]) -> Result<()> {
        check(unsafe { sys::libp2pc_node_member_broadcast(self.handle, data.as_ptr(), data.len()) })
    }

    /// Membership totals.
    pub fn membership_counters(&self) -> Result<MembershipCounters> {
        let mut c =
            MembershipCounters { struct_size: std::mem::size_of::<MembershipCounters>() as u32, ..Default::default() };
        check(unsafe { sys::libp2pc_node_membership_counters(self.handle, &mut c) })?;
        Ok(c)
    }

    /// One member's counters.
    pub fn member_counters(&self, id: &str) -> Result<MemberCounters> {
        let i = cstring("member id", id)?;
        let mut c = MemberCounters { struct_size: std::mem::size_of::<MemberCounters>() as u32, ..Default::default() };
        check(unsafe { sys::libp2pc_node_member_counters(self.handle, i.as_ptr(), &mut c) })?;
        Ok(c)
    }
}
