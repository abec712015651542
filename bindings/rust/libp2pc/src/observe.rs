//! Logs and metrics.
use crate::{check, cstring, opt_str, sys, Node, Result};
use std::ffi::{c_char, c_void, CStr};
use std::sync::{Arc, Mutex};

/// One log record, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// `sys::LIBP2PC_LOG_*` (log/slog levels).
    pub level: i32,
    pub time_unix_ns: i64,
    /// "libp2pc/<package>" or a go-libp2p subsystem.
    pub logger: String,
    pub message: String,
    pub attrs: Vec<(String, String)>,
    /// Records dropped so far (the log queue was full).
    pub dropped: u64,
}

type LogFn = dyn Fn(LogRecord) + Send + Sync;

/// The process-wide log sink. The library calls one C callback with no
/// user_data; it finds the current Rust closure here, so replacing or
/// removing the closure never leaves the library holding a dangling pointer
/// (the library may still be finishing a record in the old callback).
static LOG_SINK: Mutex<Option<Arc<LogFn>>> = Mutex::new(None);

unsafe extern "C" fn log_trampoline(rec: *const sys::libp2pc_log_record, _user_data: *mut c_void) {
    if rec.is_null() {
        return;
    }
    let sink = LOG_SINK.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let Some(sink) = sink else { return };
    let r = &*rec;
    let mut attrs = Vec::with_capacity(r.attrs_len as usize);
    if !r.keys.is_null() && !r.values.is_null() {
        for i in 0..r.attrs_len as usize {
            attrs.push((opt_str(*r.keys.add(i)), opt_str(*r.values.add(i))));
        }
    }
    let owned = LogRecord {
        level: r.level,
        time_unix_ns: r.time_unix_ns,
        logger: opt_str(r.logger),
        message: opt_str(r.message),
        attrs,
        dropped: r.dropped,
    };
    // A panicking closure must not unwind into the library's thread.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink(owned)));
}

/// Sends the library's log records at `min_level` and above (process-wide)
/// to `sink`, called on one library thread, in order; `None` turns logging
/// off. Records the sink cannot keep up with are dropped and counted.
pub fn set_log_callback(min_level: i32, sink: Option<Box<LogFn>>) -> Result<()> {
    let on = sink.is_some();
    *LOG_SINK.lock().unwrap_or_else(|p| p.into_inner()) = sink.map(Arc::from);
    let cb: sys::libp2pc_log_cb = if on { Some(log_trampoline) } else { None };
    check(unsafe { sys::libp2pc_set_log_callback(min_level, cb, std::ptr::null_mut()) })
}

impl Node {
    /// The node's metrics in the Prometheus text format.
    pub fn metrics_text(&self) -> Result<String> {
        let (mut p, mut n) = (std::ptr::null_mut::<c_char>(), 0usize);
        check(unsafe { sys::libp2pc_node_metrics_text(self.handle, &mut p, &mut n) })?;
        // SAFETY: p holds n bytes (plus a NUL) the caller owns; freed right after.
        let text = unsafe { String::from_utf8_lossy(&crate::bytes(p as *const u8, n)).into_owned() };
        unsafe { sys::libp2pc_free(p as *mut c_void) };
        Ok(text)
    }

    /// Serves the metrics at http://ADDR/metrics until the node is
    /// destroyed; returns the bound address (port 0 picks one).
    pub fn metrics_serve(&self, addr: &str) -> Result<String> {
        let a = cstring("metrics address", addr)?;
        let mut buf = [0 as c_char; 128];
        check(unsafe { sys::libp2pc_node_metrics_serve(self.handle, a.as_ptr(), buf.as_mut_ptr(), buf.len()) })?;
        Ok(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned())
    }
}
