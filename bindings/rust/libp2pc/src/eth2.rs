//! Eth2 gossip: `libp2pc_node_eth2_*` and host validation.
use crate::{check, cstring, sys, Node, RequestId, Result, ValidationId};
use std::ffi::c_char;
use std::time::Duration;

/// Where the consensus config comes from (`config_yaml` or `config_path`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsensusConfig {
    /// The YAML text (configs/<network>.yaml).
    Yaml(String),
    /// A path to the YAML file, read during `eth2_configure`.
    Path(String),
}

/// The eth2 configuration (`libp2pc_eth2_config`). Zero fields select the
/// library's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eth2Config {
    pub genesis_time: u64,
    pub genesis_validators_root: [u8; 32],
    pub consensus: ConsensusConfig,
    pub slots_per_epoch: u64,
    pub active_validators: u64,
    pub validation_timeout: Option<Duration>,
    pub max_pending_validations: u32,
    pub fork_lead_slots: u32,
    pub fork_tail_slots: u32,
}

impl Eth2Config {
    pub fn new(genesis_time: u64, genesis_validators_root: [u8; 32], consensus: ConsensusConfig) -> Eth2Config {
        Eth2Config {
            genesis_time,
            genesis_validators_root,
            consensus,
            slots_per_epoch: 0,
            active_validators: 0,
            validation_timeout: None,
            max_pending_validations: 0,
            fork_lead_slots: 0,
            fork_tail_slots: 0,
        }
    }
}

/// How an eth2 topic's messages are validated (`LIBP2PC_ETH2_VALIDATE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationMode {
    /// Two-phase: [`crate::Event::GossipValidate`], answered with
    /// [`Node::report_validation`].
    Host,
    /// The Go validator registered in the library (the block pipeline's).
    Go,
    /// Size and snappy checks only: tests and trusted networks.
    None,
}

impl ValidationMode {
    fn raw(self) -> u32 {
        match self {
            ValidationMode::Host => sys::LIBP2PC_ETH2_VALIDATE_HOST,
            ValidationMode::Go => sys::LIBP2PC_ETH2_VALIDATE_GO,
            ValidationMode::None => sys::LIBP2PC_ETH2_VALIDATE_NONE,
        }
    }
}

/// The host's verdict on a gossip message (`LIBP2PC_VALIDATION_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    Accept,
    Reject,
    Ignore,
}

impl Validation {
    fn raw(self) -> u32 {
        match self {
            Validation::Accept => sys::LIBP2PC_VALIDATION_ACCEPT,
            Validation::Reject => sys::LIBP2PC_VALIDATION_REJECT,
            Validation::Ignore => sys::LIBP2PC_VALIDATION_IGNORE,
        }
    }
}

/// Eth2 gossip counters (`libp2pc_eth2_counters`); `topics` is indexed by
/// the `sys::LIBP2PC_ETH2_TOPIC_*` families.
pub type Eth2Counters = sys::libp2pc_eth2_counters;

impl Node {
    /// Makes the node an eth2 gossip node (between creation and start).
    pub fn eth2_configure(&self, cfg: &Eth2Config) -> Result<()> {
        let (yaml, path) = match &cfg.consensus {
            ConsensusConfig::Yaml(y) => (Some(y.as_bytes()), None),
            ConsensusConfig::Path(p) => (None, Some(cstring("config path", p)?)),
        };
        // SAFETY: all-zero is a valid value (NULL pointers); init sets struct_size.
        let mut c: sys::libp2pc_eth2_config = unsafe { std::mem::zeroed() };
        check(unsafe { sys::libp2pc_eth2_config_init_sized(&mut c, std::mem::size_of::<sys::libp2pc_eth2_config>()) })?;
        c.genesis_time = cfg.genesis_time;
        c.genesis_validators_root = cfg.genesis_validators_root;
        if let Some(y) = yaml {
            c.config_yaml = y.as_ptr() as *const c_char;
            c.config_yaml_len = y.len();
        }
        c.config_path = path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr());
        c.slots_per_epoch = cfg.slots_per_epoch;
        c.active_validators = cfg.active_validators;
        c.validation_timeout_ms = crate::millis(cfg.validation_timeout);
        c.max_pending_validations = cfg.max_pending_validations;
        c.fork_lead_slots = cfg.fork_lead_slots;
        c.fork_tail_slots = cfg.fork_tail_slots;
        // SAFETY: c and what it points to (yaml, path) live across the call.
        check(unsafe { sys::libp2pc_node_eth2_configure(self.handle, &c) })
    }

    /// Subscribes to an eth2 topic name ("beacon_block", "beacon_attestation_5").
    pub fn eth2_subscribe(&self, topic_name: &str, mode: ValidationMode) -> Result<RequestId> {
        let t = cstring("topic name", topic_name)?;
        self.request_with(|id| unsafe { sys::libp2pc_node_eth2_subscribe(self.handle, t.as_ptr(), mode.raw(), id) })
    }

    /// Ends an eth2 subscription (under every fork digest).
    pub fn eth2_unsubscribe(&self, topic_name: &str) -> Result<RequestId> {
        let t = cstring("topic name", topic_name)?;
        self.request_with(|id| unsafe { sys::libp2pc_node_eth2_unsubscribe(self.handle, t.as_ptr(), id) })
    }

    /// Publishes SSZ bytes (snappy-compressed by the library) on a topic
    /// name or a full "/eth2/<digest>/<name>/ssz_snappy" topic.
    pub fn eth2_publish(&self, topic: &str, ssz: &[u8]) -> Result<RequestId> {
        let t = cstring("topic", topic)?;
        self.request_with(|id| unsafe {
            sys::libp2pc_node_eth2_publish(self.handle, t.as_ptr(), ssz.as_ptr(), ssz.len(), id)
        })
    }

    /// Publishes without a completion event: `Ok` once queued; later
    /// failures are counted ([`Node::eth2_publish_nowait_counters`]).
    pub fn eth2_publish_nowait(&self, topic: &str, ssz: &[u8]) -> Result<()> {
        let t = cstring("topic", topic)?;
        check(unsafe { sys::libp2pc_node_eth2_publish_nowait(self.handle, t.as_ptr(), ssz.as_ptr(), ssz.len()) })
    }

    /// `(dropped, failed)` of [`Node::eth2_publish_nowait`].
    pub fn eth2_publish_nowait_counters(&self) -> Result<(u64, u64)> {
        let (mut dropped, mut failed) = (0u64, 0u64);
        check(unsafe { sys::libp2pc_node_eth2_publish_nowait_counters(self.handle, &mut dropped, &mut failed) })?;
        Ok((dropped, failed))
    }

    /// Answers a [`crate::Event::GossipValidate`].
    pub fn report_validation(&self, id: ValidationId, verdict: Validation) -> Result<()> {
        check(unsafe { sys::libp2pc_node_report_validation(self.handle, id.0, verdict.raw()) })
    }

    /// The eth2 gossip counters (zeros before `eth2_configure`).
    pub fn eth2_counters(&self) -> Result<Eth2Counters> {
        let mut c = Eth2Counters { struct_size: std::mem::size_of::<Eth2Counters>() as u32, ..Default::default() };
        check(unsafe { sys::libp2pc_node_eth2_counters(self.handle, &mut c) })?;
        Ok(c)
    }
}
