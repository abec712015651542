//! Safe Rust API for libp2pc, a libp2p node (TCP + QUIC, gossipsub) shipped
//! as a C library.
//!
//! ```no_run
//! use libp2pc::{Config, Event, Node};
//! let (node, events) = Node::with_channel(&Config::new().listen("/ip4/127.0.0.1/tcp/0"))?;
//! let started = node.start()?;              // returns at once; completes later
//! for ev in events {                        // owned events, copied out of the callback
//!     match ev {
//!         Event::RequestDone { request_id, result, .. } if request_id == started => {
//!             result?;                      // running now: other calls are allowed
//!             node.subscribe("blocks")?;
//!         }
//!         Event::Message { topic, data, .. } => println!("{topic}: {} bytes", data.len()),
//!         Event::Stopped { .. } => break,   // the last event
//!         _ => {}
//!     }
//! }
//! # Ok::<(), libp2pc::Error>(())
//! ```
//!
//! Two ways to get events, chosen at creation:
//! - callback mode ([`Node::new`], [`Node::with_channel`]): the library's
//!   delivery thread calls an `extern "C"` trampoline that copies each event
//!   into an owned [`Event`] and sends it into a `std::sync::mpsc` channel;
//! - poll mode ([`Node::new_polled`]): the host waits on [`Node::event_fd`]
//!   and pulls events with [`Node::poll`] / [`Node::wait`] on its own thread.
//!
//! Every call is non-blocking; work that takes time returns a [`RequestId`]
//! and finishes with one [`Event::RequestDone`] carrying it.
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::fmt;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use libp2pc_sys as sys;

// ------------------------------------------------------------------ errors

/// What went wrong: the `LIBP2PC_ERR_*` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidArgument,
    BadHandle,
    BadState,
    QueueFull,
    NotFound,
    Network,
    Timeout,
    Io,
    AbiMismatch,
    NotInitialized,
    InCallback,
    Internal,
    Stopped,
    TooLarge,
    Unsupported,
    /// A code this binding does not know (a newer library).
    Other(i32),
}

impl ErrorCode {
    pub fn from_raw(code: i32) -> ErrorCode {
        use ErrorCode::*;
        match code {
            sys::LIBP2PC_ERR_INVALID_ARGUMENT => InvalidArgument,
            sys::LIBP2PC_ERR_BAD_HANDLE => BadHandle,
            sys::LIBP2PC_ERR_BAD_STATE => BadState,
            sys::LIBP2PC_ERR_QUEUE_FULL => QueueFull,
            sys::LIBP2PC_ERR_NOT_FOUND => NotFound,
            sys::LIBP2PC_ERR_NETWORK => Network,
            sys::LIBP2PC_ERR_TIMEOUT => Timeout,
            sys::LIBP2PC_ERR_IO => Io,
            sys::LIBP2PC_ERR_ABI_MISMATCH => AbiMismatch,
            sys::LIBP2PC_ERR_NOT_INITIALIZED => NotInitialized,
            sys::LIBP2PC_ERR_IN_CALLBACK => InCallback,
            sys::LIBP2PC_ERR_INTERNAL => Internal,
            sys::LIBP2PC_ERR_STOPPED => Stopped,
            sys::LIBP2PC_ERR_TOO_LARGE => TooLarge,
            sys::LIBP2PC_ERR_UNSUPPORTED => Unsupported,
            other => Other(other),
        }
    }

    pub fn raw(self) -> i32 {
        use ErrorCode::*;
        match self {
            InvalidArgument => sys::LIBP2PC_ERR_INVALID_ARGUMENT,
            BadHandle => sys::LIBP2PC_ERR_BAD_HANDLE,
            BadState => sys::LIBP2PC_ERR_BAD_STATE,
            QueueFull => sys::LIBP2PC_ERR_QUEUE_FULL,
            NotFound => sys::LIBP2PC_ERR_NOT_FOUND,
            Network => sys::LIBP2PC_ERR_NETWORK,
            Timeout => sys::LIBP2PC_ERR_TIMEOUT,
            Io => sys::LIBP2PC_ERR_IO,
            AbiMismatch => sys::LIBP2PC_ERR_ABI_MISMATCH,
            NotInitialized => sys::LIBP2PC_ERR_NOT_INITIALIZED,
            InCallback => sys::LIBP2PC_ERR_IN_CALLBACK,
            Internal => sys::LIBP2PC_ERR_INTERNAL,
            Stopped => sys::LIBP2PC_ERR_STOPPED,
            TooLarge => sys::LIBP2PC_ERR_TOO_LARGE,
            Unsupported => sys::LIBP2PC_ERR_UNSUPPORTED,
            Other(c) => c,
        }
    }

    /// The library's fixed name of the code (`libp2pc_strerror`).
    pub fn name(self) -> &'static str {
        // SAFETY: strerror returns a static, never NULL, NUL-terminated string.
        unsafe { CStr::from_ptr(sys::libp2pc_strerror(self.raw())) }.to_str().unwrap_or("unknown")
    }
}

/// An error from libp2pc: a code and the library's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }

    /// Builds the error for a failed call's return code, reading
    /// `libp2pc_last_error()`. Must run on the thread that made the call,
    /// right after it.
    fn last(rc: c_int) -> Error {
        // SAFETY: never NULL; valid until the next failing call on this thread.
        let msg = unsafe { CStr::from_ptr(sys::libp2pc_last_error()) }.to_string_lossy().into_owned();
        Error { code: ErrorCode::from_raw(rc), message: msg }
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "libp2pc: {}", self.code.name())
        } else {
            write!(f, "libp2pc: {}: {}", self.code.name(), self.message)
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn check(rc: c_int) -> Result<()> {
    if rc == sys::LIBP2PC_OK {
        Ok(())
    } else {
        Err(Error::last(rc))
    }
}

fn cstring(what: &str, s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::new(ErrorCode::InvalidArgument, format!("{what} contains a NUL byte")))
}

// ------------------------------------------------------------------ library

/// ABI version of the loaded library (`major << 16 | minor`).
pub fn abi_version() -> u32 {
    unsafe { sys::libp2pc_abi_version() }
}

/// Checks the ABI and readies the library. Called by the node constructors;
/// calling it yourself is optional and harmless.
pub fn init() -> Result<()> {
    static INIT: OnceLock<Result<()>> = OnceLock::new();
    INIT.get_or_init(|| check(unsafe { sys::libp2pc_init(sys::LIBP2PC_ABI_VERSION) })).clone()
}

/// Raises a Go panic inside the library and returns the error the library's
/// panic guard turned it into (code [`ErrorCode::Internal`]). For tests that
/// check a library fault surfaces as an error, not a crash.
pub fn debug_panic() -> Error {
    match check(unsafe { sys::libp2pc_debug_panic() }) {
        Ok(()) => Error::new(ErrorCode::Other(0), "libp2pc_debug_panic returned OK"),
        Err(e) => e,
    }
}

// ------------------------------------------------------------------ events

mod chain;
mod discovery;
mod eth2;
mod event;
mod membership;
mod observe;
mod reqresp;
pub use chain::*;
pub use discovery::*;
pub use eth2::*;
pub use event::*;
use event::{bytes, opt_str};
pub use membership::*;
pub use observe::*;
pub use reqresp::*;

/// Receiving end of a node's events in callback mode: an iterator that ends
/// after [`Event::Stopped`] (the library's last event), plus timed receives.
pub struct Events {
    rx: Receiver<Event>,
}

impl Events {
    /// Waits up to `timeout` for the next event. `None` on timeout or when the
    /// stream has ended (STOPPED delivered and the sender released).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Event> {
        match self.rx.recv_timeout(timeout) {
            Ok(ev) => Some(ev),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Receives events until `pred` accepts one (returned) or `timeout`
    /// passes (`None`). Events not accepted are discarded.
    pub fn wait_for(&self, timeout: Duration, mut pred: impl FnMut(&Event) -> bool) -> Option<Event> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let ev = self.rx.recv_timeout(left).ok()?;
            if pred(&ev) {
                return Some(ev);
            }
        }
    }

    /// The underlying channel receiver.
    pub fn into_receiver(self) -> Receiver<Event> {
        self.rx
    }
}

impl Iterator for Events {
    type Item = Event;
    /// Blocks for the next event; `None` once the node has delivered STOPPED
    /// (or was dropped without ever starting).
    fn next(&mut self) -> Option<Event> {
        self.rx.recv().ok()
    }
}

// ------------------------------------------------------------------ config

/// Node configuration. Zero limits select the library's defaults.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub listen_addrs: Vec<String>,
    /// secp256k1 identity key file (loaded, or created with mode 0600);
    /// `None`: a fresh ephemeral key.
    pub identity_key_path: Option<String>,
    pub max_peers: u32,
    pub gossip_queue_capacity: u32,
    pub control_queue_capacity: u32,
    pub error_queue_capacity: u32,
    pub max_message_size: u32,
    pub dial_timeout: Option<Duration>,
    pub stop_grace: Option<Duration>,
}

impl Config {
    pub fn new() -> Config {
        Config::default()
    }
    /// Adds a listen multiaddr, e.g. `/ip4/127.0.0.1/tcp/0`.
    pub fn listen(mut self, addr: impl Into<String>) -> Config {
        self.listen_addrs.push(addr.into());
        self
    }
    pub fn identity_key_path(mut self, path: impl Into<String>) -> Config {
        self.identity_key_path = Some(path.into());
        self
    }
    pub fn max_message_size(mut self, bytes: u32) -> Config {
        self.max_message_size = bytes;
        self
    }
    pub fn dial_timeout(mut self, d: Duration) -> Config {
        self.dial_timeout = Some(d);
        self
    }
    pub fn stop_grace(mut self, d: Duration) -> Config {
        self.stop_grace = Some(d);
        self
    }
}

fn millis(d: Option<Duration>) -> u32 {
    d.map(|d| d.as_millis().clamp(1, u32::MAX as u128) as u32).unwrap_or(0)
}

// ------------------------------------------------------------------ node

/// A connected peer as the host has seen it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub peer_id: String,
    pub direction: String,
    pub addr: String,
}

/// The node's counters (`libp2pc_counters`).
pub type Counters = sys::libp2pc_counters;

/// State of the callback-mode sender box, shared by the node and the
/// delivery thread's trampoline.
type SenderBox = Sender<Event>;

/// The callback-mode trampoline: copies the borrowed event into an owned
/// [`Event`] and sends it. On STOPPED — the node's last event — it frees the
/// sender box, since the library will never use `user_data` again.
unsafe extern "C" fn trampoline(ev: *const sys::libp2pc_event, user_data: *mut c_void) {
    if ev.is_null() || user_data.is_null() {
        return;
    }
    // Nothing here may unwind into C; copying and sending do not panic
    // (allocation failure aborts).
    let owned = Event::from_raw(ev);
    let last = matches!(owned, Event::Stopped { .. });
    let tx = &*(user_data as *const SenderBox);
    let _ = tx.send(owned); // receiver gone: the host no longer listens
    if last {
        drop(Box::from_raw(user_data as *mut SenderBox));
    }
}

/// Collects events in poll mode (user_data points to a Vec on the poller's stack).
unsafe extern "C" fn collect(ev: *const sys::libp2pc_event, user_data: *mut c_void) {
    if ev.is_null() || user_data.is_null() {
        return;
    }
    (*(user_data as *mut Vec<Event>)).push(Event::from_raw(ev));
}

#[derive(Debug)]
struct Lifecycle {
    /// start() was accepted: the library owes exactly one STOPPED, whose
    /// delivery frees the sender box.
    started: bool,
    destroyed: bool,
    /// Callback mode: the boxed Sender given as user_data. Owned by the node
    /// until start is accepted, by the trampoline afterwards.
    sender: *mut SenderBox,
}

/// A libp2pc node. `Send + Sync`: every method takes `&self`, so one node
/// can be shared between threads (e.g. in an `Arc`).
///
/// Dropping it destroys the node (a running node is stopped first; in
/// callback mode its STOPPED event still arrives on the channel).
#[derive(Debug)]
pub struct Node {
    handle: sys::libp2pc_node,
    polled: bool,
    life: Mutex<Lifecycle>,
}

// SAFETY: the library is thread-safe for every call on a handle; the raw
// sender pointer is only touched under the mutex (to free it when no STOPPED
// will come) and by the trampoline (which owns it once start is accepted).
unsafe impl Send for Node {}
unsafe impl Sync for Node {}

impl Node {
    /// Creates a callback-mode node whose events are sent into `tx` (the
    /// caller owns the channel). The sender is kept until the node's STOPPED
    /// event has been delivered, so the receiver sees the whole stream and
    /// then disconnects.
    pub fn new(config: &Config, tx: Sender<Event>) -> Result<Node> {
        let sender = Box::into_raw(Box::new(tx));
        match Node::create(config, Some(sender)) {
            Ok(n) => Ok(n),
            Err(e) => {
                // SAFETY: node_new failed, so the library never saw the pointer.
                drop(unsafe { Box::from_raw(sender) });
                Err(e)
            }
        }
    }

    /// Creates a callback-mode node with a fresh channel; iterate the
    /// returned [`Events`] to receive.
    pub fn with_channel(config: &Config) -> Result<(Node, Events)> {
        let (tx, rx) = mpsc::channel();
        Ok((Node::new(config, tx)?, Events { rx }))
    }

    /// Creates a poll-mode node: wait on [`Node::event_fd`] (or use
    /// [`Node::wait`]) and pull events with [`Node::poll`].
    pub fn new_polled(config: &Config) -> Result<Node> {
        Node::create(config, None)
    }

    fn create(config: &Config, sender: Option<*mut SenderBox>) -> Result<Node> {
        init()?;
        let addrs = config.listen_addrs.iter().map(|a| cstring("listen address", a)).collect::<Result<Vec<_>>>()?;
        let addr_ptrs: Vec<*const c_char> = addrs.iter().map(|a| a.as_ptr()).collect();
        let key = config.identity_key_path.as_deref().map(|p| cstring("identity key path", p)).transpose()?;

        // SAFETY: all-zero is a valid libp2pc_config (NULL pointers, no callback);
        // config_init then sets struct_size (to this struct's size: the growth rule).
        let mut cfg: sys::libp2pc_config = unsafe { std::mem::zeroed() };
        check(unsafe { sys::libp2pc_config_init_sized(&mut cfg, std::mem::size_of::<sys::libp2pc_config>()) })?;
        cfg.listen_addrs = if addr_ptrs.is_empty() { std::ptr::null() } else { addr_ptrs.as_ptr() };
        cfg.listen_addrs_len = addr_ptrs.len();
        cfg.identity_key_path = key.as_ref().map_or(std::ptr::null(), |k| k.as_ptr());
        cfg.max_peers = config.max_peers;
        cfg.gossip_queue_capacity = config.gossip_queue_capacity;
        cfg.control_queue_capacity = config.control_queue_capacity;
        cfg.error_queue_capacity = config.error_queue_capacity;
        cfg.max_message_size = config.max_message_size;
        cfg.dial_timeout_ms = millis(config.dial_timeout);
        cfg.stop_grace_ms = millis(config.stop_grace);
        if let Some(s) = sender {
            cfg.on_event = Some(trampoline);
            cfg.user_data = s as *mut c_void;
        }
        let mut handle = 0;
        // SAFETY: cfg and everything it points to live across the call (copied by the library).
        check(unsafe { sys::libp2pc_node_new(&cfg, &mut handle) })?;
        Ok(Node {
            handle,
            polled: sender.is_none(),
            life: Mutex::new(Lifecycle {
                started: false,
                destroyed: false,
                sender: sender.unwrap_or(std::ptr::null_mut()),
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lifecycle> {
        self.life.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn request_with(&self, f: impl FnOnce(&mut u64) -> c_int) -> Result<RequestId> {
        let mut id = 0u64;
        check(f(&mut id))?;
        Ok(RequestId(id))
    }

    /// The raw handle (for calls through [`sys`]).
    pub fn handle(&self) -> sys::libp2pc_node {
        self.handle
    }

    /// True for a poll-mode node.
    pub fn is_polled(&self) -> bool {
        self.polled
    }

    /// Starts listening. Completes after [`Event::Listening`].
    pub fn start(&self) -> Result<RequestId> {
        // Under the lock, so close() never sees "not started" while a start
        // is being accepted (it would free the sender the trampoline uses).
        let mut life = self.lock();
        let id = self.request_with(|id| unsafe { sys::libp2pc_node_start(self.handle, id) })?;
        life.started = true;
        Ok(id)
    }

    /// Stops gracefully; STOPPED is the last event. A second call fails
    /// with [`ErrorCode::BadState`].
    pub fn stop(&self) -> Result<RequestId> {
        self.request_with(|id| unsafe { sys::libp2pc_node_stop(self.handle, id) })
    }

    /// Releases the node now (what Drop does, but reporting errors). Later
    /// calls on this node fail with [`ErrorCode::BadHandle`], and so does a
    /// second `close`. A running node is stopped; in callback mode its
    /// STOPPED event still arrives.
    pub fn close(&self) -> Result<()> {
        let mut life = self.lock();
        check(unsafe { sys::libp2pc_node_destroy(self.handle) })?;
        if !life.destroyed {
            life.destroyed = true;
            if !life.started && !life.sender.is_null() {
                // Never started: the library delivers nothing, so the
                // trampoline will never free the sender. Free it here.
                // SAFETY: the pointer came from Box::into_raw in Node::new and
                // the library no longer holds it (destroyed, no events).
                drop(unsafe { Box::from_raw(life.sender) });
            }
            life.sender = std::ptr::null_mut();
        }
        Ok(())
    }

    /// The node's peer id.
    pub fn peer_id(&self) -> Result<String> {
        let mut buf = [0 as c_char; 128];
        check(unsafe { sys::libp2pc_node_peer_id(self.handle, buf.as_mut_ptr(), buf.len()) })?;
        Ok(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned())
    }

    /// Connects to a multiaddr ending in `/p2p/<peer id>`.
    pub fn dial(&self, multiaddr: &str) -> Result<RequestId> {
        let a = cstring("multiaddr", multiaddr)?;
        self.request_with(|id| unsafe { sys::libp2pc_node_dial(self.handle, a.as_ptr(), id) })
    }

    /// Closes every connection to `peer_id`.
    pub fn disconnect(&self, peer_id: &str) -> Result<RequestId> {
        let p = cstring("peer id", peer_id)?;
        self.request_with(|id| unsafe { sys::libp2pc_node_disconnect(self.handle, p.as_ptr(), id) })
    }

    /// The connected peers, as the host has seen them.
    pub fn peers(&self) -> Result<Vec<Peer>> {
        let mut out: *mut sys::libp2pc_peer = std::ptr::null_mut();
        let mut n = 0usize;
        // The library lays the array out with our element size (the growth rule).
        let elem = std::mem::size_of::<sys::libp2pc_peer>();
        check(unsafe { sys::libp2pc_node_peers_sized(self.handle, &mut out, &mut n, elem) })?;
        let mut peers = Vec::with_capacity(n);
        unsafe {
            for i in 0..n {
                let p = &*out.add(i);
                peers.push(Peer {
                    peer_id: opt_str(p.peer_id),
                    direction: opt_str(p.direction),
                    addr: opt_str(p.addr),
                });
            }
            sys::libp2pc_peers_free(out);
        }
        Ok(peers)
    }

    /// Joins a gossipsub topic.
    pub fn subscribe(&self, topic: &str) -> Result<RequestId> {
        let t = cstring("topic", topic)?;
        self.request_with(|id| unsafe { sys::libp2pc_node_subscribe(self.handle, t.as_ptr(), id) })
    }

    /// Leaves a topic.
    pub fn unsubscribe(&self, topic: &str) -> Result<RequestId> {
        let t = cstring("topic", topic)?;
        self.request_with(|id| unsafe { sys::libp2pc_node_unsubscribe(self.handle, t.as_ptr(), id) })
    }

    /// Publishes `data` (copied before return) on a subscribed topic.
    pub fn publish(&self, topic: &str, data: &[u8]) -> Result<RequestId> {
        let t = cstring("topic", topic)?;
        self.request_with(|id| unsafe {
            sys::libp2pc_node_publish(self.handle, t.as_ptr(), data.as_ptr(), data.len(), id)
        })
    }

    /// The node's counters.
    pub fn counters(&self) -> Result<Counters> {
        let mut c = Counters { struct_size: std::mem::size_of::<Counters>() as u32, ..Default::default() };
        check(unsafe { sys::libp2pc_node_counters(self.handle, &mut c) })?;
        Ok(c)
    }

    /// Poll mode: the descriptor that is readable while events wait. Do not
    /// read or close it; it is closed by [`Node::close`] / drop.
    pub fn event_fd(&self) -> Result<i32> {
        let mut fd: c_int = -1;
        check(unsafe { sys::libp2pc_node_event_fd(self.handle, &mut fd) })?;
        Ok(fd)
    }

    /// Poll mode: takes up to `max` waiting events without waiting (empty
    /// when none). After STOPPED has been delivered: [`ErrorCode::Stopped`].
    pub fn poll(&self, max: usize) -> Result<Vec<Event>> {
        let mut evs: Vec<Event> = Vec::new();
        let mut delivered = 0usize;
        check(unsafe {
            sys::libp2pc_node_poll(
                self.handle,
                Some(collect),
                &mut evs as *mut Vec<Event> as *mut c_void,
                max,
                &mut delivered,
            )
        })?;
        Ok(evs)
    }

    /// Poll mode: waits up to `timeout` for the event fd to become readable
    /// (poll(2)), then takes up to `max` events. Empty on timeout.
    pub fn wait(&self, timeout: Duration, max: usize) -> Result<Vec<Event>> {
        let fd = self.event_fd()?;
        if !wait_readable(fd, timeout) {
            return Ok(Vec::new());
        }
        self.poll(max)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // BAD_HANDLE here just means close() already ran.
        let _ = self.close();
        let life = self.life.get_mut().unwrap_or_else(|p| p.into_inner());
        if !life.destroyed && !life.started && !life.sender.is_null() {
            // destroy failed for another reason (it should not); the library
            // never delivers to a node that never started, so freeing is safe.
            drop(unsafe { Box::from_raw(life.sender) });
            life.sender = std::ptr::null_mut();
        }
    }
}

// poll(2), declared here (no libc crate).
#[repr(C)]
struct PollFd {
    fd: c_int,
    events: std::ffi::c_short,
    revents: std::ffi::c_short,
}
const POLLIN: std::ffi::c_short = 0x1;
const EINTR: i32 = 4;
extern "C" {
    fn poll(fds: *mut PollFd, nfds: std::ffi::c_ulong, timeout: c_int) -> c_int; // nfds_t: unsigned long
}

/// Waits until `fd` is readable or `timeout` passes.
pub fn wait_readable(fd: i32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = left.as_millis().min(i32::MAX as u128) as c_int;
        let mut p = PollFd { fd, events: POLLIN, revents: 0 };
        let r = unsafe { poll(&mut p, 1, ms) };
        if r > 0 {
            return true;
        }
        if r == 0 {
            return false;
        }
        if std::io::Error::last_os_error().raw_os_error() != Some(EINTR) || left.is_zero() {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Node>();
        assert_send_sync::<Error>();
        assert_send_sync::<Event>();
    }

    #[test]
    fn error_codes_round_trip() {
        for raw in -15..=-1 {
            let c = ErrorCode::from_raw(raw);
            assert!(!matches!(c, ErrorCode::Other(_)), "{raw}");
            assert_eq!(c.raw(), raw);
            assert_ne!(c.name(), "unknown");
        }
        assert_eq!(ErrorCode::from_raw(-99), ErrorCode::Other(-99));
    }
}
