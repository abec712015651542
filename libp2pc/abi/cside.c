// The parts of the ABI written in C: the per-thread last-error buffer and
// the static names of codes and event types. None of them calls into Go, so
// they work even when everything else fails, and they allocate nothing.
// TestCNamesMatchGo keeps the names equal to the Go ones.
#include <stddef.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif

#include "libp2pc.h"

static __thread char last_error[1024];

void libp2pc__set_error(const char *msg, size_t len) {
    if (len >= sizeof last_error) {
        len = sizeof last_error - 1;
    }
    memcpy(last_error, msg, len);
    last_error[len] = '\0';
}

const char *libp2pc_last_error(void) { return last_error; }

const char *libp2pc_strerror(int code) {
    switch (code) {
    case LIBP2PC_OK: return "ok";
    case LIBP2PC_ERR_INVALID_ARGUMENT: return "invalid argument";
    case LIBP2PC_ERR_BAD_HANDLE: return "unknown or destroyed handle";
    case LIBP2PC_ERR_BAD_STATE: return "not allowed in the node's current state";
    case LIBP2PC_ERR_QUEUE_FULL: return "event queue full";
    case LIBP2PC_ERR_NOT_FOUND: return "not found";
    case LIBP2PC_ERR_NETWORK: return "network error";
    case LIBP2PC_ERR_TIMEOUT: return "timed out";
    case LIBP2PC_ERR_IO: return "i/o error";
    case LIBP2PC_ERR_ABI_MISMATCH: return "ABI version mismatch";
    case LIBP2PC_ERR_NOT_INITIALIZED: return "library not initialized";
    case LIBP2PC_ERR_IN_CALLBACK: return "not allowed inside the node's own callback";
    case LIBP2PC_ERR_INTERNAL: return "internal error";
    case LIBP2PC_ERR_STOPPED: return "node stopped";
    case LIBP2PC_ERR_TOO_LARGE: return "payload too large";
    case LIBP2PC_ERR_UNSUPPORTED: return "unsupported for this node";
    default: return "unknown";
    }
}

const char *libp2pc_event_type_name(uint32_t type) {
    switch (type) {
    case LIBP2PC_EVENT_LISTENING: return "listening";
    case LIBP2PC_EVENT_PEER_CONNECTED: return "peer_connected";
    case LIBP2PC_EVENT_PEER_DISCONNECTED: return "peer_disconnected";
    case LIBP2PC_EVENT_MESSAGE: return "message";
    case LIBP2PC_EVENT_REQUEST_DONE: return "request_done";
    case LIBP2PC_EVENT_ERROR: return "error";
    case LIBP2PC_EVENT_DROPS: return "drops";
    case LIBP2PC_EVENT_STOPPED: return "stopped";
    case LIBP2PC_EVENT_TOPIC_PEER_JOINED: return "topic_peer_joined";
    case LIBP2PC_EVENT_TOPIC_PEER_LEFT: return "topic_peer_left";
    case LIBP2PC_EVENT_MEMBER_MESSAGE: return "member_message";
    case LIBP2PC_EVENT_GOSSIP_VALIDATE: return "gossip_validate";
    case LIBP2PC_EVENT_RESPONSE_CHUNK: return "response_chunk";
    case LIBP2PC_EVENT_INCOMING_REQUEST: return "incoming_request";
    case LIBP2PC_EVENT_PEER_STATUS: return "peer_status";
    case LIBP2PC_EVENT_PEER_GOODBYE: return "peer_goodbye";
    case LIBP2PC_EVENT_PEER_BANNED: return "peer_banned";
    case LIBP2PC_EVENT_SYNC_PROGRESS: return "sync_progress";
    case LIBP2PC_EVENT_BLOCK_DROPPED: return "block_dropped";
    case LIBP2PC_EVENT_DATA_WAITING: return "data_waiting";
    case LIBP2PC_EVENT_DATA_AVAILABLE: return "data_available";
    case LIBP2PC_EVENT_DATA_UNAVAILABLE: return "data_unavailable";
    case LIBP2PC_EVENT_ENGINE_STATE: return "engine_state";
    case LIBP2PC_EVENT_BLOCK_EXECUTION: return "block_execution";
    case LIBP2PC_EVENT_BLOCK_IMPORTED: return "block_imported";
    case LIBP2PC_EVENT_BLOCK_INVALID: return "block_invalid";
    case LIBP2PC_EVENT_HEAD_CHANGED: return "head_changed";
    case LIBP2PC_EVENT_FINALIZED: return "finalized";
    default: return "unknown";
    }
}

// Tells memcheck that an event the library built for the host is fully
// initialised. It is: every byte comes from Go values. But memcheck cannot
// model the Go runtime's own memory management, so bytes that passed through
// Go's heap can carry bogus "undefined" marks into the host's reads. A no-op
// (a few instructions) outside valgrind, and when its header is absent.
void libp2pc__mark_defined(const void *p, size_t len) {
#ifdef VALGRIND_MAKE_MEM_DEFINED
    VALGRIND_MAKE_MEM_DEFINED(p, len);
#else
    (void)p;
    (void)len;
#endif
}
