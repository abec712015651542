/*
 * libp2pc.h — the C interface of libp2pc.
 *
 * libp2pc is the networking core of an Ethereum consensus node, written in Go
 * and shipped as a C library (libp2pc.so / libp2pc.a). A node made with it has
 * libp2p peers over TCP (noise; yamux and mplex) and QUIC, and gossipsub.
 *
 * ---------------------------------------------------------------------------
 * THE RULES (read these once; every function below follows them)
 * ---------------------------------------------------------------------------
 *
 * Return values.  Every function that can fail returns int: 0 (LIBP2PC_OK) on
 *   success, a negative LIBP2PC_ERR_* code on failure. After a failure,
 *   libp2pc_last_error() on the same thread returns a readable message.
 *
 * Never blocking.  No libp2pc_* call waits on the network or on the host's
 *   event callback. A call validates and copies its arguments, hands the work
 *   to the library and returns. Work that takes time (start, stop, dial,
 *   subscribe, publish, ...) returns a request id through its last argument
 *   and finishes later with exactly one LIBP2PC_EVENT_REQUEST_DONE event
 *   carrying that id and a status.
 *
 * Threads.  Any libp2pc_* function may be called from any thread, including
 *   from inside the event callback (except libp2pc_node_destroy, which returns
 *   LIBP2PC_ERR_IN_CALLBACK there). Events reach the host in one of two ways,
 *   chosen when the node is created:
 *     - callback mode (libp2pc_config.on_event set): the library calls
 *       on_event on one thread it owns per node (its "delivery thread"),
 *       never on a thread of the host and never on libp2p's or gossipsub's
 *       internal threads. A slow callback slows only that thread.
 *     - poll mode (on_event NULL): the host waits until the descriptor from
 *       libp2pc_node_event_fd() is readable and calls libp2pc_node_poll() on
 *       its own thread, which invokes a callback for each waiting event right
 *       there (for BEAM port drivers, epoll loops, tokio, Zig event loops).
 *
 * Memory.  Inputs (strings, buffers, config) are copied before the call
 *   returns; the caller may free them at once. Event data is borrowed: every
 *   pointer inside a libp2pc_event is valid only until the callback returns;
 *   copy what you keep. Memory the library returns to the caller is freed
 *   with the function its block names: libp2pc_peers_free (peer lists),
 *   libp2pc_peer_table_free (peer tables), libp2pc_free (blocks, states).
 *
 * Order.  Each node's events carry a sequence number (seq: 1, 2, 3, ...) in
 *   one total order. For a given peer: CONNECTED comes first; MESSAGE and
 *   TOPIC_PEER_* events only between its CONNECTED and DISCONNECTED; two
 *   simultaneous connections to one peer are one CONNECTED and, when both
 *   close, one DISCONNECTED. A gap in seq means events were dropped, and a
 *   LIBP2PC_EVENT_DROPS event says how many.
 *
 * Bounded queues.  Events wait in a per-node queue with three bounded classes
 *   (sizes in libp2pc_config):
 *     - gossip (MESSAGE, TOPIC_PEER_*, MEMBER_MESSAGE): when full, the
 *       OLDEST is dropped;
 *     - control (REQUEST_DONE, PEER_CONNECTED/DISCONNECTED, LISTENING,
 *       STOPPED): never dropped. Room is reserved before the work starts: a
 *       call that cannot reserve its completion fails at once with
 *       LIBP2PC_ERR_QUEUE_FULL; a peer that cannot reserve its connect and
 *       disconnect events is not admitted (its connection is closed);
 *       stop's completion and STOPPED are reserved at node creation;
 *     - error (unsolicited ERROR events): when full, new ones are dropped.
 *   Every drop is counted (libp2pc_node_counters) and reported by a DROPS
 *   event.
 *
 * Panics.  A Go panic inside a call is caught and returned as
 *   LIBP2PC_ERR_INTERNAL; it never unwinds into the host.
 *
 * Lifecycle.  libp2pc_init -> libp2pc_node_new -> libp2pc_node_start -> ...
 *   -> libp2pc_node_stop -> (STOPPED event) -> libp2pc_node_destroy.
 *   Wait for the REQUEST_DONE of what you started before using it: the
 *   library does not queue calls made too early. Requests (dial, subscribe,
 *   publish, request, chain_start, ...) need a running node: between
 *   libp2pc_node_start and start's REQUEST_DONE (status 0) they return
 *   LIBP2PC_ERR_BAD_STATE ("node is starting"; LISTENING alone is not
 *   enough). Likewise the chain calls between libp2pc_node_chain_start and
 *   its REQUEST_DONE return BAD_STATE ("chain starting"). The library
 *   finishes the work and then queues the REQUEST_DONE, so the state has
 *   changed by the time the host sees the event. A host therefore
 *   starts, waits for the completion (in its callback, or by polling),
 *   then dials, subscribes and requests. stop, destroy, peers and counters
 *   work always. A start that fails completes with an error and the node
 *   stops (STOPPED follows).
 *   Request ids: a call that returns a request id writes it to
 *   *request_id before any event carrying that id (its REQUEST_DONE,
 *   RESPONSE_CHUNKs) can be delivered, in either delivery mode and from any
 *   thread. So a callback can always find the id, provided the host passes
 *   as request_id the place the callback looks (e.g. the slot of its
 *   pending-request table). A host that copies the id elsewhere after the
 *   call returns must do that copy under a lock its callback also takes.
 *   A started node delivers exactly one STOPPED event, and it is its last.
 *   After libp2pc_node_destroy returns the handle is invalid: every call with
 *   it returns LIBP2PC_ERR_BAD_HANDLE. In callback mode, user_data must stay
 *   valid until the STOPPED event has been delivered (destroying a running
 *   node stops it; STOPPED still comes). A node that was never started
 *   delivers nothing.
 *
 * ---------------------------------------------------------------------------
 * THE GROWTH RULE (a promise, from ABI 2.0 on)
 * ---------------------------------------------------------------------------
 *
 * A host built against this header keeps working, unchanged and without
 * being rebuilt, with every later library of the same major version (2):
 *
 *   - libp2pc_init accepts a host of this major whose minor is at most the
 *     library's. A later minor version only ADDS: functions, event types,
 *     constants, and fields at the END of a struct. Nothing is removed,
 *     renamed, reordered or retyped, and no existing value changes meaning.
 *   - Every struct that crosses the ABI in either direction (configs the
 *     host passes in, counters and status the library writes out) begins
 *     with uint32_t struct_size: the size of that struct in the host's
 *     header. The libp2pc_*_init macros set it for configs; for out structs
 *     the host sets it to sizeof before the call. The library reads, or
 *     writes, only the first min(struct_size, sizeof in the library's
 *     header) bytes: a field a host's (older) struct lacks takes its
 *     default, which is 0 for every field ("0 selects the default" in the
 *     field's comment), and an out struct is never written past
 *     struct_size. A struct_size below the struct's ABI 2.0 layout, zero,
 *     above 65536, or between the sizes of two released layouts (it would
 *     cut a field in two) is LIBP2PC_ERR_INVALID_ARGUMENT with a message
 *     naming the struct: that is an uninitialised struct, not an older
 *     host.
 *   - Arrays carry their element size. The library fills the arrays of
 *     libp2pc_node_peers and libp2pc_node_peer_table, and reads the array
 *     of libp2pc_node_membership_set, with the element size the host passes
 *     (the macros of those names pass sizeof of the host's element type),
 *     writing or reading only the first min(element size, library's sizeof)
 *     bytes of each element (the rest of an element the library writes is
 *     0). The same size bounds apply.
 *   - libp2pc_event is built by the library; later fields are appended to
 *     it, and an older host reads only the fields it knows.
 *   - No struct has hidden padding: explicit reserved fields (always 0) fill
 *     every gap, so a field appended later lands at the same offset in
 *     every compiler (make header-check compiles this header with
 *     -Wpadded -Werror).
 *   - A change that cannot follow these rules makes a new major version. A
 *     host of another major is refused by libp2pc_init
 *     (LIBP2PC_ERR_ABI_MISMATCH) instead of being misread. The header of
 *     each major's first version is kept, never edited, in
 *     examples/tests/frozen/libp2pc-<major>.0.h, and a host built against it
 *     runs in make test-c against every later library of that major.
 *
 * The init functions take the size of the host's struct:
 * libp2pc_config_init(cfg) is a macro for libp2pc_config_init_sized(cfg,
 * sizeof(libp2pc_config)), so that a newer library never writes past an
 * older host's struct (zlib's deflateInit passes sizeof(z_stream) the same
 * way). Bindings that cannot use the C macros call the *_sized function
 * with their own struct's size.
 *
 * ---------------------------------------------------------------------------
 * HOW EACH FUNCTION IS DESCRIBED
 * ---------------------------------------------------------------------------
 *
 * Every function below has one block of the same shape:
 *   <name>: what it does.
 *   Returns   LIBP2PC_OK, or the codes listed (the message is in
 *             libp2pc_last_error()). For asynchronous calls, "completes
 *             with X" means the REQUEST_DONE event for *request_id carries
 *             status X. Not repeated in each block: a call taking a node
 *             returns BAD_HANDLE for an unknown or destroyed handle, and any
 *             call may return INTERNAL (a caught panic).
 *   Threads   which threads may call it, and whether it can wait. Unless
 *             the block says otherwise: any thread, also inside the event
 *             callback, and it never waits on the network, on the node's
 *             event loop or on the host's callback.
 *   Pointers  for every pointer parameter: "read" (borrowed for the call
 *             and copied before it returns: the caller may free it at once),
 *             "written" (the library stores into it; the caller owns it), or
 *             who owns what the library hands back and how it is freed.
 *   Since     the ABI version that added it in this major.
 */
#ifndef LIBP2PC_H
#define LIBP2PC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Each exported function below is wrapped in #ifndef LIBP2PC_NO_PROTOTYPES.
 * Only the library's own build defines it: cgo declares the Go exports
 * itself (without const), and the two declarations must not meet in one
 * translation unit. `make header-check` keeps them in agreement. Hosts never
 * define it. */

/* ----------------------------------------------------------------------- */
/* Versions                                                                 */
/* ----------------------------------------------------------------------- */

/* ABI version this header describes: (MAJOR << 16) | MINOR. A host passes
 * LIBP2PC_ABI_VERSION to libp2pc_init, which refuses a different MAJOR and a
 * host MINOR newer than the library's (see THE GROWTH RULE).
 *   2.0  the first version of major 2: every struct carries a uint32_t
 *        struct_size read as described by the growth rule, and arrays their
 *        element size (the libp2pc_*_init, libp2pc_node_peers,
 *        libp2pc_node_peer_table and libp2pc_node_membership_set macros over
 *        the *_sized functions); libp2pc_config has reserved0 and reserved1
 *        instead of hidden padding; libp2pc_chain_config.struct_size is uint32_t (with
 *        reserved0) and has libp2pc_chain_config_init; mode and result
 *        parameters are uint32_t. Everything else as in 1.2.
 *   2.1  checkpoint sync fields at the end of libp2pc_chain_config, backfill
 *        fields at the end of libp2pc_chain_sync_status;
 *        libp2pc_node_eth2_publish_nowait and its counters;
 *        libp2pc_node_metrics_text, libp2pc_node_metrics_serve,
 *        libp2pc_set_log_callback.
 *   2.2  backfill_epochs and allow_stale_checkpoint (with reserved1) at the
 *        end of libp2pc_chain_config.
 *        Data availability: LIBP2PC_EVENT_DATA_WAITING, DATA_AVAILABLE and
 *        DATA_UNAVAILABLE; custody_group_count at the end of
 *        libp2pc_chain_config; libp2pc_chain_da_counters with
 *        libp2pc_node_chain_da_counters; libp2pc_node_get_sidecars;
 *        libp2pc_node_chain_propose_blobs.
 *        Execution engine fields at the end of libp2pc_chain_config;
 *        LIBP2PC_EVENT_ENGINE_STATE, LIBP2PC_EVENT_BLOCK_EXECUTION; the
 *        execution status in BLOCK_IMPORTED's text.
 *   (Major 1, retired: 1.0 nodes, gossip, membership transport; 1.1 eth2
 *   gossip, req/resp, chain and discovery; 1.2 chain_submit_block,
 *   get_state, chain_sync_status, SYNC_PROGRESS, BLOCK_DROPPED. A 1.x host
 *   is refused with LIBP2PC_ERR_ABI_MISMATCH.) */
#define LIBP2PC_ABI_VERSION_MAJOR 2
#define LIBP2PC_ABI_VERSION_MINOR 2
#define LIBP2PC_ABI_VERSION \
    ((uint32_t)((LIBP2PC_ABI_VERSION_MAJOR << 16) | LIBP2PC_ABI_VERSION_MINOR))

/* ----------------------------------------------------------------------- */
/* Error codes                                                              */
/* ----------------------------------------------------------------------- */

#define LIBP2PC_OK                    0
#define LIBP2PC_ERR_INVALID_ARGUMENT (-1)  /* NULL or malformed argument */
#define LIBP2PC_ERR_BAD_HANDLE       (-2)  /* unknown or destroyed node */
#define LIBP2PC_ERR_BAD_STATE        (-3)  /* not allowed in the node's state (e.g. stop twice) */
#define LIBP2PC_ERR_QUEUE_FULL       (-4)  /* no room to guarantee the completion; drain events, retry */
#define LIBP2PC_ERR_NOT_FOUND        (-5)  /* peer or topic unknown */
#define LIBP2PC_ERR_NETWORK          (-6)  /* dial, listen or stream failure */
#define LIBP2PC_ERR_TIMEOUT          (-7)  /* deadline passed */
#define LIBP2PC_ERR_IO               (-8)  /* file error (identity key) */
#define LIBP2PC_ERR_ABI_MISMATCH     (-9)  /* host built against an incompatible ABI */
#define LIBP2PC_ERR_NOT_INITIALIZED  (-10) /* libp2pc_init not called or failed */
#define LIBP2PC_ERR_IN_CALLBACK      (-11) /* not allowed inside the node's own callback */
#define LIBP2PC_ERR_INTERNAL         (-12) /* library bug, e.g. a caught Go panic */
#define LIBP2PC_ERR_STOPPED          (-13) /* node stopped before the operation finished */
#define LIBP2PC_ERR_TOO_LARGE        (-14) /* payload above the configured limit */
#define LIBP2PC_ERR_UNSUPPORTED      (-15) /* does not apply to this node (e.g. poll in callback mode) */

/* ----------------------------------------------------------------------- */
/* Events                                                                   */
/* ----------------------------------------------------------------------- */

typedef enum libp2pc_event_type {
    /* The node listens. peer_id: own id; addrs/addrs_len: listen multiaddrs
     * (append "/p2p/<peer_id>" to dial one). With discovery configured the
     * LAST element is not a multiaddr but the node's ENR ("enr:-..."; see
     * "Discovery and peer management"). Comes before start's REQUEST_DONE. */
    LIBP2PC_EVENT_LISTENING = 1,
    /* First connection to peer_id opened. direction: "inbound"/"outbound";
     * addr: remote multiaddr. (Its identify agent, known a moment later, is
     * in the peer table: libp2pc_node_peer_table.) */
    LIBP2PC_EVENT_PEER_CONNECTED = 2,
    /* Last connection to peer_id closed. text: reason: "connection closed",
     * "node stopped", or, with discovery, "goodbye sent: <code> (<reason>)"
     * when the peer manager disconnected it (e.g. "goodbye sent: 129 (too
     * many peers)") and "goodbye received: <code> (<reason>)" when the peer
     * said goodbye first. */
    LIBP2PC_EVENT_PEER_DISCONNECTED = 3,
    /* Gossip message. topic; peer_id: the peer that forwarded it to us;
     * msg_id/msg_id_len: message id; data/data_len: payload. Messages this
     * node published are not echoed back. */
    LIBP2PC_EVENT_MESSAGE = 4,
    /* An async call finished. request_id: what the call returned; status:
     * LIBP2PC_OK or a LIBP2PC_ERR_* code; text: message on failure. */
    LIBP2PC_EVENT_REQUEST_DONE = 5,
    /* Something failed that no request waits for. status, text. */
    LIBP2PC_EVENT_ERROR = 6,
    /* Events were dropped. dropped_gossip / dropped_errors: cumulative totals. */
    LIBP2PC_EVENT_DROPS = 7,
    /* The node stopped. The last event of the node. text: summary. */
    LIBP2PC_EVENT_STOPPED = 8,
    /* peer_id subscribed to topic (learned through gossipsub). */
    LIBP2PC_EVENT_TOPIC_PEER_JOINED = 9,
    /* peer_id unsubscribed from topic. */
    LIBP2PC_EVENT_TOPIC_PEER_LEFT = 10,
    /* Membership transport message (see "Membership transport").
     * peer_id: the sender's member id; data/data_len: payload. Gossip class
     * of the queue (oldest dropped when full); in order per sender. Not tied
     * to PEER_CONNECTED/DISCONNECTED (the tcp transport has no libp2p peer). */
    LIBP2PC_EVENT_MEMBER_MESSAGE = 11,
    /* (eth2) A gossip message the host validates, two-phase (see "Eth2
     * gossip"). request_id: the validation id to answer with
     * libp2pc_node_report_validation; peer_id: propagation source; topic;
     * msg_id; data/data_len: the decompressed SSZ. Gossip class: if it is
     * dropped, its deadline turns it into IGNORE. */
    LIBP2PC_EVENT_GOSSIP_VALIDATE = 12,
    /* (req/resp) One response chunk of an outgoing request. request_id: what
     * libp2pc_node_request returned; protocol; code: result code 0-3;
     * context/context_len: context bytes (fork digest) if the protocol has
     * them; data/data_len: SSZ payload (code 0) or error message (1-3). The
     * request ends with LIBP2PC_EVENT_REQUEST_DONE. */
    LIBP2PC_EVENT_RESPONSE_CHUNK = 13,
    /* (req/resp) peer_id sent a request on protocol, which the host serves.
     * request_id: the id to respond with; data/data_len: SSZ request body. */
    LIBP2PC_EVENT_INCOMING_REQUEST = 14,
    /* (req/resp) The status handshake with peer_id finished. data: the
     * peer's Status (SSZ); protocol: status protocol used; status: 0, or a
     * negative code with text when it failed. */
    LIBP2PC_EVENT_PEER_STATUS = 15,
    /* (req/resp) peer_id said goodbye; code: its reason. */
    LIBP2PC_EVENT_PEER_GOODBYE = 16,
    /* (discovery) The peer manager, or libp2pc_node_ban, banned peer_id.
     * text: reason (e.g. "banned: irrelevant network", "banned: bad
     * score"); code: the ban's length in seconds. The peer may be connected
     * or not; a connected one gets a goodbye and its PEER_DISCONNECTED
     * follows. Control class, without a reservation: a PEER_BANNED that
     * finds no room is not queued (counted in ban_events_dropped). */
    LIBP2PC_EVENT_PEER_BANNED = 17,
    /* (chain) A block and its post-state are on disk (see "Chain"). code:
     * slot; data/data_len: root || parent_root || state_root, 96 bytes.
     * Since ABI 2.2, text: the execution status of its payload: "valid"
     * (the execution client said VALID), "optimistic" (imported without a
     * verdict: SYNCING, ACCEPTED, or the execution client unreachable),
     * "no_engine" (a payload, no engine_endpoint configured: consensus
     * checks only) or "none" (no payload: before bellatrix, pre-merge). */
    LIBP2PC_EVENT_BLOCK_IMPORTED = 18,
    /* (chain) A block broke a consensus rule. code: slot; data: its root
     * (32 bytes); text: the rule. Since ABI 2.2 also an imported block
     * whose payload (or an ancestor's) the execution client found INVALID
     * later (text "execution payload INVALID: ..."): it and its
     * descendants leave the fork choice and never become head again. */
    LIBP2PC_EVENT_BLOCK_INVALID = 19,
    /* (chain) The fork choice head changed. code: slot; data: root (32).
     * Since ABI 2.2, text: the head's execution status, as in
     * BLOCK_IMPORTED ("optimistic": an optimistic head, not yet confirmed
     * by the execution client). */
    LIBP2PC_EVENT_HEAD_CHANGED = 20,
    /* (chain) The finalized checkpoint advanced. code: epoch; data: root (32). */
    LIBP2PC_EVENT_FINALIZED = 21,
    /* (chain) A range sync from peer_id started, finished or
     * failed. code: the peer's head slot (the sync's target); text:
     * "started <first slot>..<target>", "finished <n> blocks" or
     * "failed: <reason>". Poll libp2pc_node_chain_sync_status for counts.
     * Also the steps of a checkpoint sync in libp2pc_node_chain_start:
     * peer_id: the checkpoint URL (or "given state"); text "checkpoint: state
     * <done>/<total> bytes" (total -1 if unknown), "checkpoint: block ...",
     * "checkpoint: decode", "checkpoint: hash", "checkpoint: advance",
     * "checkpoint: verified", then "checkpoint: anchored at epoch <e>, block
     * <root hex> (slot <s>), state root <hex> (slot <s>, <fork>)". */
    LIBP2PC_EVENT_SYNC_PROGRESS = 22,
    /* (chain) The pipeline gave a block up without a
     * verdict: its parent could not be obtained, its slot is too far ahead
     * of the wall clock, a bound was reached, or the node stopped. code:
     * slot; data: root (32 bytes); text: the reason. Not a judgement of
     * the block: it may arrive again and be imported. */
    LIBP2PC_EVENT_BLOCK_DROPPED = 23,
    /* (chain, since ABI 2.2) A block with blobs waits for its data: code:
     * slot; data: root (32 bytes) followed by the missing blob indices
     * (deneb, electra) or column indices (fulu), each a uint16_t little
     * endian. */
    LIBP2PC_EVENT_DATA_WAITING = 24,
    /* (chain, since ABI 2.2) The data of a block that waited is available
     * (every blob, or every sampled column, verified): code: slot; data:
     * root (32 bytes); text: how long it waited. Its import follows. */
    LIBP2PC_EVENT_DATA_AVAILABLE = 25,
    /* (chain, since ABI 2.2) The data of a block did not come in time:
     * code: slot; data: root (32 bytes) followed by the still missing
     * indices (uint16_t little endian each); text: the reason. Its
     * BLOCK_DROPPED follows. */
    LIBP2PC_EVENT_DATA_UNAVAILABLE = 26,
    /* (chain) The execution client's health changed (since ABI 2.2). code:
     * the new state: 1 online, 2 syncing, 3 offline, 4 auth_failed (the
     * execution client refuses the JWT: wrong secret or clocks apart);
     * status: 0, or LIBP2PC_ERR_NETWORK for a change to offline or
     * auth_failed; text: "<from> -> <to> (<method>)" and the failure. No
     * verdict is made up while it is not online: blocks import
     * optimistically. */
    LIBP2PC_EVENT_ENGINE_STATE = 27,
    /* (chain) An imported block's execution status changed after its
     * import (since ABI 2.2): an optimistic block's payload, or a
     * descendant's, was found VALID. code: slot; data: root (32 bytes);
     * text: the new status ("valid"). */
    LIBP2PC_EVENT_BLOCK_EXECUTION = 28
} libp2pc_event_type;

/* One event. Fields a type does not use are 0 / NULL; each field's comment
 * lists every event type that sets it (the types' comments above say what
 * it holds). Every pointer is borrowed: valid until the callback returns.
 * Strings are NUL-terminated UTF-8; data, msg_id and context are bytes with
 * explicit lengths. Built by the library: later minor versions append
 * fields (see THE GROWTH RULE). */
typedef struct libp2pc_event {
    uint32_t type;           /* libp2pc_event_type */
    int32_t status;          /* REQUEST_DONE, ERROR, PEER_STATUS: LIBP2PC_OK or a LIBP2PC_ERR_* code */
    uint64_t seq;            /* every event: per-node total order, from 1 */
    /* REQUEST_DONE, RESPONSE_CHUNK: the id the call returned; GOSSIP_VALIDATE:
     * the validation id; INCOMING_REQUEST: the incoming id (its own space). */
    uint64_t request_id;
    /* LISTENING (own id), PEER_CONNECTED, PEER_DISCONNECTED, MESSAGE,
     * TOPIC_PEER_JOINED, TOPIC_PEER_LEFT, MEMBER_MESSAGE (sender's member
     * id), GOSSIP_VALIDATE, INCOMING_REQUEST, PEER_STATUS, PEER_GOODBYE,
     * PEER_BANNED, SYNC_PROGRESS */
    const char *peer_id;
    const char *direction;   /* PEER_CONNECTED */
    const char *addr;        /* PEER_CONNECTED */
    const char *topic;       /* MESSAGE, TOPIC_PEER_JOINED, TOPIC_PEER_LEFT, GOSSIP_VALIDATE */
    const uint8_t *msg_id;   /* MESSAGE, GOSSIP_VALIDATE */
    size_t msg_id_len;
    /* MESSAGE, MEMBER_MESSAGE, GOSSIP_VALIDATE, RESPONSE_CHUNK,
     * INCOMING_REQUEST, PEER_STATUS, BLOCK_IMPORTED, BLOCK_INVALID,
     * HEAD_CHANGED, FINALIZED, BLOCK_DROPPED */
    const uint8_t *data;
    size_t data_len;
    /* REQUEST_DONE (on failure), ERROR, PEER_DISCONNECTED, STOPPED,
     * PEER_STATUS (on failure), PEER_BANNED, BLOCK_INVALID, SYNC_PROGRESS,
     * BLOCK_DROPPED */
    const char *text;
    const char *const *addrs; /* LISTENING */
    size_t addrs_len;
    uint64_t dropped_gossip; /* DROPS */
    uint64_t dropped_errors; /* DROPS */
    const char *protocol;    /* RESPONSE_CHUNK, INCOMING_REQUEST, PEER_STATUS */
    /* REQUEST_DONE of libp2pc_node_request: chunks delivered;
     * RESPONSE_CHUNK: result code; PEER_GOODBYE: reason; PEER_BANNED: ban
     * seconds; BLOCK_IMPORTED, BLOCK_INVALID, HEAD_CHANGED, BLOCK_DROPPED:
     * slot; FINALIZED: epoch; SYNC_PROGRESS: target slot */
    uint64_t code;
    const uint8_t *context;  /* RESPONSE_CHUNK: context bytes (fork digest), if the protocol has them */
    size_t context_len;
} libp2pc_event;

/* The event callback. ev and everything it points to are borrowed until the
 * callback returns. user_data is the pointer given in the config (callback
 * mode) or to libp2pc_node_poll (poll mode). */
typedef void (*libp2pc_event_cb)(const libp2pc_event *ev, void *user_data);

/* ----------------------------------------------------------------------- */
/* Library                                                                  */
/* ----------------------------------------------------------------------- */

/* libp2pc_abi_version: the ABI version of the loaded library, in the
 * encoding of LIBP2PC_ABI_VERSION.
 *   Returns   the version; cannot fail.
 *   Threads   any; never waits. Needs no libp2pc_init.
 *   Pointers  none.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
uint32_t libp2pc_abi_version(void);
#endif

/* libp2pc_init: checks that the host was built against a compatible ABI
 * and readies the library. Pass LIBP2PC_ABI_VERSION. Must succeed once
 * before libp2pc_node_new; calling it again is harmless.
 *   Returns   ABI_MISMATCH (the message names both versions) if the major
 *             versions differ or the host's minor is newer than the
 *             library's.
 *   Threads   any; never waits.
 *   Pointers  none.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_init(uint32_t host_abi_version);
#endif

/* libp2pc_last_error, libp2pc_strerror, libp2pc_event_type_name: declared
 * (and described) at the end of this file. */

/* Log levels: a record's level, and the filter of libp2pc_set_log_callback
 * (log/slog's values; a level between two is allowed). */
#define LIBP2PC_LOG_DEBUG (-4)
#define LIBP2PC_LOG_INFO 0
#define LIBP2PC_LOG_WARN 4
#define LIBP2PC_LOG_ERROR 8

/* One log record, borrowed for the duration of the callback (copy what
 * you keep). keys[i]/values[i] (i < attrs_len) are its key/values, values
 * formatted as text. logger: "libp2pc/<package>" for the library's own
 * records, the go-libp2p subsystem name ("swarm2", "pubsub", ...) for
 * go-libp2p's. dropped: records dropped so far because the log queue was
 * full (a jump since the previous record shows where). */
typedef struct libp2pc_log_record {
    int32_t level;
    uint32_t attrs_len;
    int64_t time_unix_ns;
    const char *logger;
    const char *message;
    const char *const *keys;
    const char *const *values;
    uint64_t dropped;
} libp2pc_log_record;

typedef void (*libp2pc_log_cb)(const libp2pc_log_record *rec, void *user_data);

/* libp2pc_set_log_callback: sends the library's log records at min_level
 * and above (process-wide: every node's, and go-libp2p's) to cb, called
 * with user_data on one library-owned thread, one record at a time, in
 * order. cb NULL turns logging off (the default): then nothing is logged
 * anywhere — the library never writes to the host's stdout or stderr.
 * Logging never waits for cb: records wait in a queue of 1024 and those
 * that find it full are dropped and counted (libp2pc_log_record.dropped),
 * so a slow or blocked cb costs records, never progress. cb may call any
 * libp2pc function, including this one. After a change, a record already
 * in the old cb may still be finishing; the old cb is called for no
 * further record.
 *   Returns   OK. Callable before libp2pc_init.
 *   Threads   any, also inside a callback; never blocks.
 *   Pointers  user_data: passed to cb, never dereferenced. The record cb
 *             receives is borrowed until cb returns.
 *   Since     ABI 2.1. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_set_log_callback(int32_t min_level, libp2pc_log_cb cb, void *user_data);
#endif

/* ----------------------------------------------------------------------- */
/* Node configuration                                                       */
/* ----------------------------------------------------------------------- */

/* A node's configuration (libp2pc_node_new). Read as THE GROWTH RULE says:
 * the first struct_size bytes; fields past them take their defaults. ABI 2.0
 * layout: up to and including user_data, 80 bytes on 64-bit platforms. */
typedef struct libp2pc_config {
    /* sizeof(libp2pc_config); set by libp2pc_config_init. */
    uint32_t struct_size;
    uint32_t reserved0;              /* 0 */
    /* Multiaddrs to listen on, e.g. "/ip4/127.0.0.1/tcp/9000" and
     * "/ip4/127.0.0.1/udp/9000/quic-v1". May be empty (dial-only node). */
    const char *const *listen_addrs;
    size_t listen_addrs_len;
    /* Path of the secp256k1 identity key (64 hex characters). Loaded if the
     * file exists; otherwise a key is generated and saved there (mode 0600).
     * NULL: a fresh ephemeral key. */
    const char *identity_key_path;
    /* Limits; 0 selects the default shown. */
    uint32_t max_peers;              /* 64 */
    uint32_t gossip_queue_capacity;  /* 4096 gossip events */
    uint32_t control_queue_capacity; /* 1024 control events (minimum 4) */
    uint32_t error_queue_capacity;   /* 64 error events */
    /* 10485760 bytes (10 MiB): the largest payload of libp2pc_node_publish,
     * of a received gossip message on a plain topic, of a membership message
     * and of libp2pc_node_chain_submit_block. (Eth2 topics have the spec's
     * limits; see "Eth2 gossip".) */
    uint32_t max_message_size;
    uint32_t dial_timeout_ms;        /* 10000 */
    uint32_t stop_grace_ms;          /* 5000: in-flight requests' time to finish on stop */
    uint32_t reserved1;              /* 0 */
    /* Callback mode: called on the node's delivery thread for every event.
     * NULL: poll mode (libp2pc_node_event_fd + libp2pc_node_poll). */
    libp2pc_event_cb on_event;
    void *user_data;                 /* passed back to on_event; never read by the library */
} libp2pc_config;

/* libp2pc_config_init(cfg) (a macro over libp2pc_config_init_sized(cfg,
 * sizeof(libp2pc_config))): zeroes the struct_size bytes at cfg, which
 * selects every default, and sets cfg->struct_size.
 *   Returns   INVALID_ARGUMENT if cfg is NULL or struct_size is below the
 *             ABI 2.0 layout or above 65536.
 *   Threads   any; never waits. Needs no libp2pc_init.
 *   Pointers  cfg: written (struct_size bytes).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_config_init_sized(libp2pc_config *cfg, size_t struct_size);
#endif
#define libp2pc_config_init(cfg) libp2pc_config_init_sized((cfg), sizeof(libp2pc_config))

/* ----------------------------------------------------------------------- */
/* Node lifecycle                                                           */
/* ----------------------------------------------------------------------- */

/* Opaque node handle. 0 is never a valid handle. Handles are never reused. */
typedef uint64_t libp2pc_node;

/* libp2pc_node_new: creates a node from cfg and stores its handle in *out.
 * Loads or creates the identity key; opens no sockets. In callback mode the
 * delivery thread starts here.
 *   Returns   NOT_INITIALIZED (no successful libp2pc_init); INVALID_ARGUMENT
 *             (NULL, bad struct_size, a bad value: the message names it);
 *             IO (identity key file).
 *   Threads   any; reads or writes the key file on the calling thread
 *             (small, local disk I/O); never waits on the network.
 *   Pointers  cfg and every string it points to: read. out: written on OK.
 *             cfg->user_data: kept and passed back to on_event, never
 *             dereferenced; it must stay valid until STOPPED is delivered.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_new(const libp2pc_config *cfg, libp2pc_node *out);
#endif

/* libp2pc_node_start: starts listening, asynchronously. Completes after
 * the LISTENING event, or with an error (then STOPPED follows: the node is
 * done).
 *   Returns   BAD_STATE if the node was already started; INVALID_ARGUMENT
 *             if request_id is NULL; QUEUE_FULL (no room for the
 *             completion). Completes with OK, or NETWORK (a listen address
 *             cannot be bound).
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  request_id: written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_start(libp2pc_node node, uint64_t *request_id);
#endif

/* libp2pc_node_stop: stops gracefully, asynchronously. New calls fail
 * with BAD_STATE; in-flight requests get stop_grace_ms to finish, then
 * complete with STOPPED; every connected peer gets its PEER_DISCONNECTED;
 * the request completes; STOPPED is the last event. Always accepted once
 * (its events are reserved at creation).
 *   Returns   BAD_STATE the second time (or for a node never started);
 *             INVALID_ARGUMENT if request_id is NULL. Completes with OK.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  request_id: written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_stop(libp2pc_node node, uint64_t *request_id);
#endif

/* libp2pc_node_destroy: releases the handle. A started node that is not
 * stopped is stopped first (STOPPED still comes, and ends delivery). Poll
 * mode: the event fd is closed here.
 *   Returns   IN_CALLBACK when called from the node's own callback;
 *             BAD_HANDLE the second time.
 *   Threads   any thread but the node's own callback; never waits.
 *   Pointers  none.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_destroy(libp2pc_node node);
#endif

/* libp2pc_node_peer_id: writes the node's peer id, NUL-terminated (at most
 * 128 bytes with the NUL), into buf.
 *   Returns   INVALID_ARGUMENT if buf is NULL or buf_len too small.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  buf: written (buf_len bytes at most).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_peer_id(libp2pc_node node, char *buf, size_t buf_len);
#endif

/* ----------------------------------------------------------------------- */
/* Peers                                                                    */
/* ----------------------------------------------------------------------- */

/* libp2pc_node_dial: connects to a multiaddr ending in /p2p/<peer id>.
 * Dialling a connected peer completes at once with OK.
 *   Returns   INVALID_ARGUMENT (NULL, a malformed multiaddr or one without
 *             /p2p/, this node's own id); BAD_STATE (not running);
 *             QUEUE_FULL. Completes with OK after the peer's
 *             PEER_CONNECTED, or with NETWORK, TIMEOUT (dial_timeout_ms),
 *             STOPPED.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  multiaddr: read. request_id: written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_dial(libp2pc_node node, const char *multiaddr, uint64_t *request_id);
#endif

/* libp2pc_node_disconnect: closes every connection to peer_id.
 *   Returns   INVALID_ARGUMENT (NULL); BAD_STATE (not running); QUEUE_FULL.
 *             Completes with OK once closed (its PEER_DISCONNECTED comes),
 *             or NOT_FOUND if the peer is not connected.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  peer_id: read. request_id: written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_disconnect(libp2pc_node node, const char *peer_id, uint64_t *request_id);
#endif

/* A connected peer, as libp2pc_node_peers reports it (an element of an array:
 * THE GROWTH RULE's element size applies). ABI 2.0 layout: up to and
 * including addr, 24 bytes on 64-bit platforms. */
typedef struct libp2pc_peer {
    const char *peer_id;
    const char *direction; /* "inbound" or "outbound" */
    const char *addr;      /* remote multiaddr */
} libp2pc_peer;

/* libp2pc_node_peers(node, out, count) (a macro over
 * libp2pc_node_peers_sized(..., sizeof(libp2pc_peer))): lists the connected
 * peers as the host sees them. A peer appears when its PEER_CONNECTED event
 * is taken for delivery (at the latest as its callback runs) and disappears
 * likewise with its PEER_DISCONNECTED: the list never runs ahead of the
 * events queued for the host. Elements are elem_size bytes apart.
 *   Returns   INVALID_ARGUMENT if out or count is NULL, or elem_size is
 *             outside the growth rule's bounds. Works in every state until
 *             destroy.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  *out: an array of *count elements (NULL when 0) and the
 *             strings they point to, in one allocation owned by the caller:
 *             free it with libp2pc_peers_free. count: written.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_peers_sized(libp2pc_node node, libp2pc_peer **out, size_t *count, size_t elem_size);
#endif
#define libp2pc_node_peers(node, out, count) libp2pc_node_peers_sized((node), (out), (count), sizeof(libp2pc_peer))

/* libp2pc_peers_free: frees a list from libp2pc_node_peers.
 *   Returns   nothing; NULL is ignored.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  peers: owned by the library again (invalid) after the call.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
void libp2pc_peers_free(libp2pc_peer *peers);
#endif

/* ----------------------------------------------------------------------- */
/* Gossip                                                                   */
/* ----------------------------------------------------------------------- */

/* libp2pc_node_subscribe: joins a gossipsub topic. Its messages then
 * arrive as MESSAGE events and its members as TOPIC_PEER_* events. Messages
 * are unsigned and carry no author (StrictNoSign); the message id is the
 * first 20 bytes of SHA-256(topic || 0x00 || data).
 *   Returns   INVALID_ARGUMENT (NULL; on an eth2 node, an "/eth2/..."
 *             topic: use libp2pc_node_eth2_subscribe); BAD_STATE (not
 *             running); QUEUE_FULL. Completes with OK once joined, or
 *             BAD_STATE if already subscribed.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  topic: read. request_id: written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_subscribe(libp2pc_node node, const char *topic, uint64_t *request_id);
#endif

/* libp2pc_node_unsubscribe: leaves a topic.
 *   Returns   INVALID_ARGUMENT (NULL); BAD_STATE (not running, or a topic of
 *             an eth2 subscription); QUEUE_FULL. Completes with OK, or
 *             NOT_FOUND if not subscribed.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  topic: read. request_id: written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_unsubscribe(libp2pc_node node, const char *topic, uint64_t *request_id);
#endif

/* libp2pc_node_publish: publishes data on a subscribed topic.
 *   Returns   INVALID_ARGUMENT (NULL topic, NULL data with len > 0);
 *             TOO_LARGE above max_message_size; BAD_STATE (not running);
 *             QUEUE_FULL. Completes with OK once handed to gossipsub, or
 *             NOT_FOUND if not subscribed.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  topic, data (len bytes): read. request_id: written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_publish(libp2pc_node node, const char *topic, const uint8_t *data,
                         size_t len, uint64_t *request_id);
#endif

/* ----------------------------------------------------------------------- */
/* Poll mode                                                                */
/* ----------------------------------------------------------------------- */

/* libp2pc_node_event_fd: poll mode only. *fd receives a descriptor that
 * is readable exactly while events are waiting. Wait on it with poll/epoll/
 * driver_select, then call libp2pc_node_poll. Do not read or close it.
 *   Returns   UNSUPPORTED in callback mode; INVALID_ARGUMENT if fd is NULL.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  fd: written. The descriptor stays owned by the library, open
 *             until libp2pc_node_destroy.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_event_fd(libp2pc_node node, int *fd);
#endif

/* libp2pc_node_poll: poll mode only. Invokes cb(ev, user_data) on the
 * calling thread for up to max waiting events, in order, and stores how
 * many in *delivered. Returns 0 with *delivered == 0 when nothing waits.
 *   Returns   UNSUPPORTED in callback mode; INVALID_ARGUMENT if cb is NULL;
 *             BAD_STATE when another thread is polling the node, or from
 *             inside cb; STOPPED after STOPPED has been delivered.
 *   Threads   one thread at a time per node; never waits for events (cb
 *             runs on the calling thread, so the call lasts as long as the
 *             host's callbacks).
 *   Pointers  cb, user_data: used during the call only (user_data is passed
 *             to cb, never dereferenced). delivered: written; may be NULL.
 *             Each ev is borrowed until cb returns.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_poll(libp2pc_node node, libp2pc_event_cb cb, void *user_data,
                      size_t max, size_t *delivered);
#endif

/* ----------------------------------------------------------------------- */
/* Counters                                                                 */
/* ----------------------------------------------------------------------- */

/* The node's counters (libp2pc_node_counters). Written as THE GROWTH RULE
 * says: the first struct_size bytes. ABI 2.0 layout: up to and including
 * reserved1, 160 bytes on 64-bit platforms. */
typedef struct libp2pc_counters {
    uint32_t struct_size;         /* set to sizeof(libp2pc_counters) before the call */
    uint32_t reserved0;
    uint64_t events_delivered;    /* events handed to the host */
    uint64_t dropped_gossip;      /* gossip events dropped (queue full, oldest first) */
    uint64_t dropped_errors;      /* error events dropped (queue full) */
    uint64_t dropped_subscription; /* messages gossipsub could not hand to our subscription */
    uint64_t dropped_outbound_rpcs; /* RPCs gossipsub dropped: a peer's send queue was full */
    uint64_t stale_gossip;        /* gossip from a peer already reported disconnected: not delivered */
    uint64_t peers_refused_limit; /* connections closed at max_peers */
    uint64_t peers_refused_queue; /* connections closed for lack of event room */
    uint64_t calls_refused_busy;  /* calls that returned QUEUE_FULL */
    uint64_t messages_received;   /* gossip messages queued for the host */
    uint64_t messages_published;  /* publish requests that succeeded */
    uint64_t connected_peers;     /* peers currently connected (node's view) */
    uint64_t duplicate_connections; /* extra connections to an already connected peer */
    uint64_t recovered_panics;    /* Go panics caught inside the node */
    uint32_t gossip_queue_len, gossip_queue_capacity, gossip_queue_high_water;
    uint32_t control_queue_len, control_queue_capacity, control_queue_high_water;
    uint32_t error_queue_len, error_queue_capacity, error_queue_high_water;
    uint32_t reserved1;
} libp2pc_counters;

/* libp2pc_node_counters: fills *out with the node's counters.
 *   Returns   INVALID_ARGUMENT if out is NULL or its struct_size is out of
 *             bounds. Works in every state until destroy.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  out: struct_size read, then written (struct_size bytes at
 *             most).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_counters(libp2pc_node node, libp2pc_counters *out);
#endif

/* libp2pc_node_metrics_text: writes the node's metrics in the Prometheus text exposition format
 * (version 0.0.4) into a buffer the library allocates: *out (NUL-terminated)
 * and *len (without the NUL) are set on success, and the caller owns *out
 * and releases it with libp2pc_free. For hosts that export metrics their
 * own way. The metrics are read from the node's counters and state when
 * called: ethereum/beacon-metrics names where libp2pc can fill them
 * (libp2p_peers, gossipsub_mesh_peers_per_main_topic{topic}; once the chain
 * runs: beacon_head_slot, beacon_finalized_epoch,
 * beacon_current_justified_epoch, beacon_reorgs_total, beacon_sync_state
 * 0 behind and not syncing / 1 synced / 2 syncing) and libp2pc's own
 * (libp2pc_event_queue_depth{class}, libp2pc_event_queue_dropped_total
 * {class,cause}, libp2pc_gossip_validation_total{topic,outcome},
 * libp2pc_gossip_validation_reasons_total{source,reason},
 * libp2pc_reqresp_requests_total{protocol,direction,outcome},
 * libp2pc_reqresp_outgoing_total{outcome}, libp2pc_reqresp_incoming_total
 * {outcome}, libp2pc_block_import_seconds histogram, ...), plus the Go
 * runtime's and the process's (process_cpu_seconds_total, ...). Counter
 * values equal those of libp2pc_node_counters and the other counter calls.
 *   Returns   INVALID_ARGUMENT if out or len is NULL; BAD_HANDLE. Works in
 *             every state until destroy.
 *   Threads   any, also inside the callback; never blocks: reads counters
 *             and takes short locks on the calling thread.
 *   Pointers  out: written with a library allocation (free it with
 *             libp2pc_free); len: written.
 *   Since     ABI 2.1. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_metrics_text(libp2pc_node node, char **out, size_t *len);
#endif

/* libp2pc_node_metrics_serve: serves the same metrics as
 * libp2pc_node_metrics_text over HTTP at http://ADDR/metrics (text format,
 * or OpenMetrics when the scraper asks for it), on the library's threads,
 * until libp2pc_node_destroy. Off unless called. addr is "IP:PORT" with an
 * IP literal ("127.0.0.1:9100", "[::1]:9100", "0.0.0.0:8008"; port 0 picks
 * a free port): a host name is refused, since resolving it could block.
 * The socket is bound before the call returns. At most 4 scrapes are
 * served at once.
 *   Returns   INVALID_ARGUMENT for a NULL or malformed addr, or a bound
 *             buffer too small (nothing is served then); BAD_STATE if this
 *             node already serves its metrics; NETWORK if the address
 *             cannot be bound (in use, not local); BAD_HANDLE.
 *   Threads   any, also inside the callback; never blocks beyond the bind.
 *   Pointers  addr: read. bound (bound_len bytes): written with the bound
 *             address, NUL-terminated (64 bytes always suffice), if not
 *             NULL.
 *   Since     ABI 2.1. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_metrics_serve(libp2pc_node node, const char *addr, char *bound, size_t bound_len);
#endif

/* ----------------------------------------------------------------------- */
/* Membership transport                                                     */
/* ----------------------------------------------------------------------- */

/* Direct messages between the members of a known membership (for example the
 * replicas of a BFT protocol): send to one member or broadcast to all, at
 * most once, in order per sender, with gaps (a full per-member send queue
 * drops its OLDEST message, counted; a broken connection loses what it
 * carried, counted). Received messages arrive as LIBP2PC_EVENT_MEMBER_MESSAGE
 * (peer_id: sender's member id, data/data_len: payload), through the gossip
 * class of the event queue. Every call here returns at once: nothing waits
 * for the network (connections are made and remade in the background with
 * backoff), so these calls return 0 or an error, never a request id.
 *
 * Two transports, chosen at start:
 *   "libp2p": streams (protocol /libp2pc/membership/1) on the node's own
 *     libp2p host; member ids are peer ids, authenticated by libp2p. A
 *     member's addr is a multiaddr, optionally ending in /p2p/<its id>
 *     (e.g. the addr libp2pc_node_membership_addr returns), or "" when the
 *     host can already reach it.
 *   "tcp": raw TCP, NOT AUTHENTICATED (a connecting node just claims its
 *     id): trusted networks and tests only. Member ids are any 1..255-byte
 *     strings; a member's addr is "host:port".
 *
 * Messages from a node that is not (yet) a member are kept (the newest 64 per
 * sender, for at most 16 senders; older ones dropped and counted) and
 * delivered, in order and before its later messages, when
 * libp2pc_node_membership_set makes it a member. Payloads up to the node's
 * max_message_size (TOO_LARGE above). The module closes when the node stops
 * (before its host); after that these calls return LIBP2PC_ERR_STOPPED, and
 * the counters calls the final totals. MEMBER_MESSAGE events stop with
 * libp2pc_node_stop. */

/* libp2pc_node_membership_start: starts the node's membership transport,
 * with an empty membership. transport: "libp2p" or "tcp".
 * tcp_listen_addr: "127.0.0.1:0" style (NULL: "127.0.0.1:0"); tcp_node_id:
 * this node's member id (1..255 bytes; NULL: its peer id); both must be NULL
 * for "libp2p". The local member id (the peer id for "libp2p", the given or
 * derived id for "tcp"), NUL-terminated, is written to local_id_out (256
 * bytes always suffice).
 *   Returns   BAD_STATE unless running (after start's REQUEST_DONE), or
 *             when already started; INVALID_ARGUMENT (unknown transport, an
 *             empty or misplaced tcp argument, local_id_len too small: the
 *             transport is started anyway); NETWORK if it cannot listen.
 *   Threads   any; opens its listener on the calling thread, never waits on
 *             a peer.
 *   Pointers  transport, tcp_listen_addr, tcp_node_id: read. local_id_out:
 *             written (local_id_len bytes at most).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_membership_start(libp2pc_node node, const char *transport,
                                  const char *tcp_listen_addr, const char *tcp_node_id,
                                  char *local_id_out, size_t local_id_len);
#endif

/* libp2pc_node_membership_addr: writes into buf (NUL-terminated) the
 * address other members list for this node: "host:port" (tcp, the real
 * port when 0 was asked) or the node's first listen multiaddr with
 * /p2p/<peer id> appended (libp2p; "" for a node without listen addresses).
 *   Returns   BAD_STATE before membership_start; INVALID_ARGUMENT if buf is
 *             NULL or buf_len too small (512 bytes always suffice).
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  buf: written (buf_len bytes at most).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_membership_addr(libp2pc_node node, char *buf, size_t buf_len);
#endif

/* One membership entry: the member id and how to reach it (see above). An
 * element of an array: THE GROWTH RULE's element size applies. ABI 2.0 layout: up to and including addr, 16 bytes on 64-bit platforms. */
typedef struct libp2pc_member {
    const char *id;
    const char *addr;
} libp2pc_member;

/* libp2pc_node_membership_set(node, members, n) (a macro over
 * libp2pc_node_membership_set_sized(..., sizeof(libp2pc_member))): replaces
 * the membership with members[0..n) (n == 0 empties it; elements are
 * elem_size bytes apart). The local node may be listed (it is skipped). New
 * members get a send queue and are connected in the background; removed
 * members lose theirs (queued messages discarded, counted) and their
 * incoming stream; a member whose addr changed keeps its queue and
 * reconnects. All or nothing.
 *   Returns   INVALID_ARGUMENT (members NULL with n > 0, elem_size out of
 *             bounds, a NULL id or addr, a malformed entry, a duplicate id:
 *             then nothing changes); BAD_STATE before membership_start;
 *             STOPPED after stop.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  members and every string in them: read.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_membership_set_sized(libp2pc_node node, const libp2pc_member *members, size_t n,
                                      size_t elem_size);
#endif
#define libp2pc_node_membership_set(node, members, n) \
    libp2pc_node_membership_set_sized((node), (members), (n), sizeof(libp2pc_member))

/* libp2pc_node_member_send: queues data for member id. OK means queued,
 * not delivered (see above for what may lose it).
 *   Returns   NOT_FOUND if id is not a member; INVALID_ARGUMENT (NULL id,
 *             NULL data with len > 0, the local node's own id); TOO_LARGE
 *             above max_message_size; BAD_STATE before membership_start;
 *             STOPPED after stop.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  id, data (len bytes): read.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_member_send(libp2pc_node node, const char *id, const uint8_t *data, size_t len);
#endif

/* libp2pc_node_member_broadcast: queues data for every member but this
 * node (none: OK, nothing queued).
 *   Returns   as libp2pc_node_member_send, without NOT_FOUND.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  data (len bytes): read.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_member_broadcast(libp2pc_node node, const uint8_t *data, size_t len);
#endif

/* Membership totals (libp2pc_node_membership_counters). Written as THE
 * GROWTH RULE says. ABI 2.0 layout: up to and including tentative, 176 bytes on 64-bit platforms. */
typedef struct libp2pc_membership_counters {
    uint32_t struct_size;          /* set to sizeof(libp2pc_membership_counters) before the call */
    uint32_t reserved0;
    /* Outgoing, all members ever: each payload queued (once per member) ends
     * in exactly one of sent, dropped, write_failed, discarded, or is still
     * queued or being written. */
    uint64_t enqueued;             /* messages queued by send/broadcast */
    uint64_t sent;                 /* completely written to a connection */
    uint64_t sent_bytes;           /* payload bytes of sent */
    uint64_t dropped;              /* dropped from a full send queue (oldest first) */
    uint64_t write_failed;         /* lost with a failed write */
    uint64_t discarded;            /* still queued when the member was removed or the module closed */
    uint64_t reconnects;           /* connections re-established after the first, per member */
    uint64_t dial_failures;        /* failed connection attempts */
    uint64_t send_too_large;       /* send/broadcast calls refused with TOO_LARGE */
    /* Incoming. */
    uint64_t received;             /* messages from members handed to the node */
    uint64_t received_bytes;       /* payload bytes of received */
    uint64_t oversized_frames;     /* streams closed: a frame above max_message_size */
    uint64_t bad_streams;          /* streams closed: bad/late preamble, stale, or too many pending */
    uint64_t tentative_received;   /* messages buffered from non-members */
    uint64_t tentative_evictions;  /* non-member buffers evicted (more than 16 senders) */
    uint64_t tentative_dropped;    /* buffered non-member messages lost */
    uint64_t tentative_flushed;    /* buffered messages delivered when their sender became a member */
    uint64_t events_queued;        /* MEMBER_MESSAGE events queued for the host (the queue may
                                      still drop them: dropped_gossip in libp2pc_counters) */
    uint64_t events_not_queued;    /* messages arriving after stop began: not queued */
    /* Gauges. */
    uint32_t members;              /* size of the membership (with this node if listed) */
    uint32_t connected;            /* members with an established outgoing connection */
    uint32_t receivers;            /* members with a live incoming stream */
    uint32_t tentative;            /* non-members with a live incoming stream */
} libp2pc_membership_counters;

/* libp2pc_node_membership_counters: fills *out with the membership totals
 * (after stop: the final values).
 *   Returns   INVALID_ARGUMENT if out is NULL or its struct_size is out of
 *             bounds; BAD_STATE before membership_start.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  out: struct_size read, then written (struct_size bytes at
 *             most).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_membership_counters(libp2pc_node node, libp2pc_membership_counters *out);
#endif

/* One member's counters (libp2pc_node_member_counters). Written as THE
 * GROWTH RULE says. ABI 2.0 layout: up to and including in_flight, 104 bytes on 64-bit platforms. */
typedef struct libp2pc_member_counters {
    uint32_t struct_size;          /* set to sizeof(libp2pc_member_counters) before the call */
    uint32_t connected;            /* 1: an outgoing connection is established */
    uint64_t enqueued;
    uint64_t sent;
    uint64_t sent_bytes;
    uint64_t dropped;              /* dropped from its full send queue (oldest first) */
    uint64_t write_failed;
    uint64_t reconnects;
    uint64_t dial_failures;
    uint64_t received;             /* messages from it handed to the node */
    uint64_t received_bytes;
    uint64_t queue_len;            /* messages waiting in its send queue */
    uint64_t queue_bytes;          /* their framed bytes */
    uint64_t in_flight;            /* messages being written */
} libp2pc_member_counters;

/* libp2pc_node_member_counters: fills *out with the counters of current
 * member id (counted since it became a member).
 *   Returns   INVALID_ARGUMENT (NULL id, NULL out or its struct_size out of
 *             bounds); NOT_FOUND if id is not a current member other than
 *             this node; BAD_STATE before membership_start; STOPPED after
 *             stop.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  id: read. out: struct_size read, then written (struct_size
 *             bytes at most).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_member_counters(libp2pc_node node, const char *id, libp2pc_member_counters *out);
#endif

/* ----------------------------------------------------------------------- */
/* Eth2 gossip                                                              */
/* ----------------------------------------------------------------------- */

/* An eth2 node speaks the Ethereum consensus gossip of consensus-specs
 * p2p-interface.md (phase0 through Fulu): gossipsub /meshsub/1.2.0 (with
 * IDONTWANT) and /meshsub/1.1.0, D=8, D_low=6, D_high=12, D_lazy=6,
 * heartbeat 700 ms, fanout_ttl 60 s, mcache_len 6, mcache_gossip 3,
 * seen_ttl = 2 epochs (768 s on mainnet), StrictNoSign, RPC frames up to
 * the spec's max_message_size() = max(max_compressed_len(MAX_PAYLOAD_SIZE)
 * + 1024, 1 MiB) (a consensus-specs function, not a libp2pc call; on an eth2
 * node it replaces libp2pc_config.max_message_size as gossipsub's frame
 * limit); the consensus message-id (phase0 form under the phase0
 * fork digest, Altair form under every later one); peer scoring with the
 * topic weights and thresholds production Go clients use (Prysm's), derived
 * from the slot duration and the active validator count.
 *
 * Topics are named as in the spec ("beacon_block", "beacon_attestation_5",
 * "data_column_sidecar_17", ...). The node is in a name's topic
 * /eth2/<fork digest>/<name>/ssz_snappy under the digest of the wall-clock
 * epoch (slot clock: genesis_time + slot duration), joins the next fork's
 * digest fork_lead_slots before the fork and leaves the old one
 * fork_tail_slots after it, by itself (BPO forks of Fulu included). Peers'
 * subscriptions to topics that are not eth2 topics of this chain are
 * ignored.
 *
 * Every message received on an eth2 topic is checked first: compressed size
 * within max_compressed_len(MAX_PAYLOAD_SIZE), a valid snappy block,
 * decompressed size within MAX_PAYLOAD_SIZE (checked from the header before
 * anything is allocated); failing that it is REJECTed and counted. Then the
 * topic's validation mode decides:
 *   HOST: two-phase. The node queues LIBP2PC_EVENT_GOSSIP_VALIDATE
 *     (request_id: validation id; peer_id: propagation source; topic; msg_id;
 *     data: the decompressed SSZ) and holds the message until the host calls
 *     libp2pc_node_report_validation with that id, from any thread, also
 *     inside the callback. No answer within validation_timeout_ms: IGNORE,
 *     never REJECT (the peer is not penalised). At most
 *     max_pending_validations wait at a time; a message beyond that is
 *     IGNOREd at once and counted (pending_full). A waiting validation holds
 *     only its own message: other messages and topics keep flowing. The
 *     GOSSIP_VALIDATE event is in the gossip class of the queue: if it is
 *     dropped (oldest first) the deadline answers.
 *   GO: a validator written in Go and registered in the library (the block
 *     pipeline's); NOT_FOUND at subscribe if none is registered.
 *   NONE: the checks above only. The node then forwards what nobody
 *     validated: tests and trusted networks only.
 * ACCEPTed messages are forwarded and delivered as LIBP2PC_EVENT_MESSAGE
 * whose data is the DECOMPRESSED SSZ (not the wire bytes) and topic the full
 * topic string; REJECTed ones are dropped and their sender penalised;
 * IGNOREd ones dropped. Every message received on a subscribed eth2 topic
 * ends in exactly one of accepted, rejected, ignored, timed_out of its
 * topic family (libp2pc_node_eth2_counters). Messages on topics the node is
 * not in are dropped by gossipsub and counted (unknown_topic,
 * not_subscribed).
 *
 * Lifecycle: libp2pc_node_new -> libp2pc_node_eth2_configure ->
 * libp2pc_node_start -> eth2 subscribe / publish / report ... Plain
 * libp2pc_node_subscribe keeps working for non-eth2 topics; on an eth2 node
 * it refuses "/eth2/..." topics (INVALID_ARGUMENT) and
 * libp2pc_node_unsubscribe refuses topics of an eth2 subscription
 * (BAD_STATE). Without eth2_configure every call below returns BAD_STATE. */

/* Validation modes (libp2pc_node_eth2_subscribe's uint32_t validation_mode). */
#define LIBP2PC_ETH2_VALIDATE_HOST 1 /* two-phase, GOSSIP_VALIDATE events */
#define LIBP2PC_ETH2_VALIDATE_GO   2 /* the Go validator registered in the library */
#define LIBP2PC_ETH2_VALIDATE_NONE 3 /* size and snappy checks only */

/* Validation results (libp2pc_node_report_validation's uint32_t result). */
#define LIBP2PC_VALIDATION_ACCEPT 1 /* valid: forward and deliver */
#define LIBP2PC_VALIDATION_REJECT 2 /* invalid: drop, penalise the sender */
#define LIBP2PC_VALIDATION_IGNORE 3 /* drop without penalty */

/* The eth2 configuration (libp2pc_node_eth2_configure). Read as THE GROWTH
 * RULE says. ABI 2.0 layout: up to and including fork_tail_slots, 104 bytes on 64-bit platforms. */
typedef struct libp2pc_eth2_config {
    /* sizeof(libp2pc_eth2_config); set by libp2pc_eth2_config_init. */
    uint32_t struct_size;
    uint32_t reserved0;               /* 0 */
    /* Genesis time, Unix seconds: slot 0 starts then. */
    uint64_t genesis_time;
    /* genesis_validators_root: with the fork versions it gives the digests. */
    uint8_t genesis_validators_root[32];
    /* The consensus config (a consensus-specs configs/<network>.yaml: fork
     * versions and epochs, BLOB_SCHEDULE, SLOT_DURATION_MS or
     * SECONDS_PER_SLOT, subnet counts, PRESET_BASE), either as text
     * (config_yaml, config_yaml_len bytes) or as a file path (config_path);
     * exactly one of the two. Copied / read during the call. */
    const char *config_yaml;
    size_t config_yaml_len;
    const char *config_path;
    /* 0 selects the default shown. */
    uint64_t slots_per_epoch;         /* SLOTS_PER_EPOCH of PRESET_BASE: 32 (minimal: 8) */
    uint64_t active_validators;       /* expected message rates for scoring: 1000000 (minimal: 64) */
    uint32_t validation_timeout_ms;   /* 4000: host validation deadline (then IGNORE) */
    uint32_t max_pending_validations; /* 1024: host validations waiting at once */
    uint32_t fork_lead_slots;         /* 2 epochs: join the next fork's topics this early */
    uint32_t fork_tail_slots;         /* 2 epochs: leave the previous fork's topics this late */
} libp2pc_eth2_config;

/* libp2pc_eth2_config_init(cfg) (a macro over
 * libp2pc_eth2_config_init_sized(cfg, sizeof(libp2pc_eth2_config))):
 * zeroes the struct_size bytes at cfg (every default; no consensus config
 * yet) and sets cfg->struct_size.
 *   Returns   INVALID_ARGUMENT if cfg is NULL or struct_size is out of
 *             bounds.
 *   Threads   any; never waits. Needs no libp2pc_init.
 *   Pointers  cfg: written (struct_size bytes).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_eth2_config_init_sized(libp2pc_eth2_config *cfg, size_t struct_size);
#endif
#define libp2pc_eth2_config_init(cfg) libp2pc_eth2_config_init_sized((cfg), sizeof(libp2pc_eth2_config))

/* libp2pc_node_eth2_configure: makes node an eth2 gossip node. Nothing is
 * sent yet.
 *   Returns   BAD_STATE unless between libp2pc_node_new and
 *             libp2pc_node_start, and when called twice; INVALID_ARGUMENT
 *             (NULL, struct_size out of bounds, none or both of config_yaml
 *             and config_path, an unusable config: the message names the
 *             key); IO when config_path cannot be read.
 *   Threads   any; reads config_path on the calling thread (a small local
 *             file), never waits on the network.
 *   Pointers  cfg, config_yaml (config_yaml_len bytes), config_path: read.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_eth2_configure(libp2pc_node node, const libp2pc_eth2_config *cfg);
#endif

/* libp2pc_node_eth2_subscribe: subscribes to an eth2 topic name (e.g.
 * "beacon_block", "beacon_attestation_5"), validated per validation_mode
 * (LIBP2PC_ETH2_VALIDATE_*), for as long as the node runs, across forks. A
 * name the current fork lacks (e.g. "sync_committee_0" before Altair)
 * completes at once and is joined when a fork that has it comes within
 * fork_lead_slots.
 *   Returns   INVALID_ARGUMENT (NULL, a name no fork up to Fulu defines, a
 *             subnet out of range, another mode); NOT_FOUND for
 *             LIBP2PC_ETH2_VALIDATE_GO without a Go validator; BAD_STATE
 *             (no eth2_configure, not running); QUEUE_FULL. Completes with
 *             OK when the topic under the current digest is joined, or
 *             BAD_STATE if the name is already subscribed.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  topic_name: read. request_id: written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_eth2_subscribe(libp2pc_node node, const char *topic_name, uint32_t validation_mode,
                                uint64_t *request_id);
#endif

/* libp2pc_node_eth2_unsubscribe: ends an eth2 subscription: its topics
 * under every digest are left.
 *   Returns   INVALID_ARGUMENT (NULL); BAD_STATE (no eth2_configure, not
 *             running); QUEUE_FULL. Completes with OK when they are left,
 *             or NOT_FOUND if the name is not subscribed.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  topic_name: read. request_id: written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_eth2_unsubscribe(libp2pc_node node, const char *topic_name, uint64_t *request_id);
#endif

/* libp2pc_node_eth2_publish: publishes the SSZ bytes ssz, snappy-
 * compressed before the call returns, on topic: a topic name, under the
 * current fork digest, or a full "/eth2/<digest>/<name>/ssz_snappy" topic
 * of this chain (e.g. to publish under the next digest right at a fork).
 *   Returns   TOO_LARGE above MAX_PAYLOAD_SIZE (10 MiB); INVALID_ARGUMENT
 *             (NULL, an unknown topic, a name the current fork lacks);
 *             BAD_STATE (no eth2_configure, not running); QUEUE_FULL.
 *             Completes with OK, or NOT_FOUND if the node is not in the
 *             topic (libp2pc_node_eth2_subscribe).
 *   Threads   any; compresses on the calling thread (time linear in len,
 *             at most 10 MiB), never waits on the network.
 *   Pointers  topic, ssz (len bytes): read. request_id: written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_eth2_publish(libp2pc_node node, const char *topic, const uint8_t *ssz, size_t len,
                              uint64_t *request_id);
#endif

/* libp2pc_node_report_validation: answers the GOSSIP_VALIDATE event whose
 * request_id is validation_id with result (LIBP2PC_VALIDATION_*).
 *   Returns   NOT_FOUND when the id is not pending (answered already, past
 *             its deadline, or never issued; counted in late_reports): the
 *             message was already decided, nothing changes;
 *             INVALID_ARGUMENT for another result value.
 *   Threads   any, any time, including inside the callback; never waits.
 *   Pointers  none.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_report_validation(libp2pc_node node, uint64_t validation_id, uint32_t result);
#endif

/* Topic families, indices into libp2pc_eth2_counters.topics. */
#define LIBP2PC_ETH2_TOPIC_BEACON_BLOCK                 0
#define LIBP2PC_ETH2_TOPIC_BEACON_AGGREGATE_AND_PROOF   1
#define LIBP2PC_ETH2_TOPIC_BEACON_ATTESTATION           2 /* all subnets */
#define LIBP2PC_ETH2_TOPIC_VOLUNTARY_EXIT               3
#define LIBP2PC_ETH2_TOPIC_PROPOSER_SLASHING            4
#define LIBP2PC_ETH2_TOPIC_ATTESTER_SLASHING            5
#define LIBP2PC_ETH2_TOPIC_SYNC_CONTRIBUTION_AND_PROOF  6
#define LIBP2PC_ETH2_TOPIC_SYNC_COMMITTEE               7 /* all subnets */
#define LIBP2PC_ETH2_TOPIC_BLS_TO_EXECUTION_CHANGE      8
#define LIBP2PC_ETH2_TOPIC_BLOB_SIDECAR                 9 /* all subnets */
#define LIBP2PC_ETH2_TOPIC_DATA_COLUMN_SIDECAR          10 /* all subnets */
#define LIBP2PC_ETH2_TOPIC_KINDS                        16 /* array size (room to grow) */

typedef struct libp2pc_eth2_topic_counters {
    uint64_t accepted;
    uint64_t rejected;  /* by the validator, or failing the size / snappy checks */
    uint64_t ignored;   /* by the validator, or by the node (pending_full, peer_gone, stop) */
    uint64_t timed_out; /* host validations unanswered at the deadline: ignored, not rejected */
} libp2pc_eth2_topic_counters;

/* Eth2 gossip counters (libp2pc_node_eth2_counters). Written as THE GROWTH
 * RULE says. ABI 2.0 layout: up to and including topics, 608 bytes on 64-bit platforms. */
typedef struct libp2pc_eth2_counters {
    uint32_t struct_size;          /* set to sizeof(libp2pc_eth2_counters) before the call */
    uint32_t pending_validations;  /* host validations awaiting an answer now */
    uint64_t invalid_snappy;       /* rejected: not a valid snappy block */
    uint64_t compressed_too_large; /* rejected: data over max_compressed_len(MAX_PAYLOAD_SIZE) */
    uint64_t decoded_too_large;    /* rejected: decompressed size over MAX_PAYLOAD_SIZE */
    uint64_t pending_full;         /* ignored: max_pending_validations reached */
    uint64_t peer_gone;            /* ignored: source disconnected before the host was asked */
    uint64_t unknown_topic;        /* dropped: not an eth2 topic of this chain */
    uint64_t not_subscribed;       /* dropped: an eth2 topic the node is not in */
    uint64_t late_reports;         /* report_validation calls for ids no longer pending */
    uint64_t pubsub_rejected;      /* gossipsub's view: messages rejected (senders penalised) */
    uint64_t pubsub_ignored;       /* ... ignored */
    uint64_t pubsub_throttled;     /* ... dropped for lack of validation capacity */
    libp2pc_eth2_topic_counters topics[LIBP2PC_ETH2_TOPIC_KINDS];
} libp2pc_eth2_counters;

/* libp2pc_node_eth2_counters: fills *out with the eth2 gossip counters
 * (zeros before eth2_configure).
 *   Returns   INVALID_ARGUMENT if out is NULL or its struct_size is out of
 *             bounds. Works in every state until destroy.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  out: struct_size read, then written (struct_size bytes at
 *             most).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_eth2_counters(libp2pc_node node, libp2pc_eth2_counters *out);
#endif

/* libp2pc_node_eth2_publish_nowait: libp2pc_node_eth2_publish without a
 * completion: returns 0 once the message is queued on the topic's publish
 * worker, and no REQUEST_DONE ever follows. Gossip is fire-and-forget
 * (gossipsub reports nothing about delivery; a completion would only say
 * the message left this node), and at attestation rates one completion
 * event per message costs as much as the publish itself. Messages published
 * with it leave in call order. Failures after queuing (the node stopping, a
 * gossipsub error) are counted as failed
 * (libp2pc_node_eth2_publish_nowait_counters).
 *   Returns   (nothing queued) NOT_FOUND when the node is not in the topic;
 *             QUEUE_FULL when the topic already has control-queue-capacity
 *             of these waiting (counted as dropped; retry later); BAD_STATE
 *             when not running; as libp2pc_node_eth2_publish for bad
 *             arguments.
 *   Threads   any, also inside the callback; never waits: snappy runs on
 *             the topic's publish worker.
 *   Pointers  topic (NUL-terminated), ssz (len bytes): read and copied
 *             during the call.
 *   Since     ABI 2.1. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_eth2_publish_nowait(libp2pc_node node, const char *topic, const uint8_t *ssz, size_t len);
#endif

/* libp2pc_node_eth2_publish_nowait_counters: the fire-and-forget publish
 * counters of libp2pc_node_eth2_publish_nowait: *dropped (refused with
 * QUEUE_FULL) and *failed (queued, then failed).
 *   Returns   BAD_HANDLE for an unknown node. Works in every state until
 *             destroy.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  dropped, failed: written; either may be NULL.
 *   Since     ABI 2.1. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_eth2_publish_nowait_counters(libp2pc_node node, uint64_t *dropped, uint64_t *failed);
#endif

/* ----------------------------------------------------------------------- */
/* Eth2 req/resp                                                            */
/* ----------------------------------------------------------------------- */

/* The Ethereum consensus req/resp protocols (phase0..Fulu p2p-interface.md)
 * over libp2p streams, ssz_snappy encoded:
 *   /eth2/beacon_chain/req/status/1 and /2, goodbye/1, ping/1, metadata/1, /2
 *   and /3 (answered by the library itself from the values set below), and
 *   beacon_blocks_by_range/2, beacon_blocks_by_root/2,
 *   blob_sidecars_by_range/1, blob_sidecars_by_root/1,
 *   data_column_sidecars_by_range/1, data_column_sidecars_by_root/1
 *   (served by the host once libp2pc_node_serve selects it; not negotiated
 *   before). Protocol arguments are full protocol IDs, e.g.
 *   "/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy".
 *
 * Bodies are SSZ bytes: the library compresses, frames and checks sizes;
 * it does not decode blocks or sidecars.
 *
 * Status handshake.  When this node dials a peer (outbound PEER_CONNECTED),
 *   it sends its status (status/2 if the peer speaks it, else status/1) and
 *   reports the answer as LIBP2PC_EVENT_PEER_STATUS (data: the peer's Status
 *   SSZ, 84 or 92 bytes; protocol: the status protocol used; status 0, or a
 *   negative code and text: e.g. BAD_STATE when no local status was set,
 *   TIMEOUT, NETWORK). A status request a peer sends is answered and also
 *   reported as PEER_STATUS (data: the Status it sent). The library does not
 *   disconnect on a fork-digest mismatch: the host decides.
 *
 * Outgoing requests (libp2pc_node_request).  Asynchronous: the call returns
 *   a request id; each response chunk arrives as
 *   LIBP2PC_EVENT_RESPONSE_CHUNK (request_id, protocol, code: result code,
 *   context/context_len: the 4-byte fork digest for protocols with context
 *   bytes, data: SSZ payload for code 0 or the ErrorMessage for codes 1..255);
 *   then exactly one LIBP2PC_EVENT_REQUEST_DONE ends the request, after all
 *   its chunks: status 0 when the response stream ended normally (also after
 *   an error chunk, which is always the last chunk), code = the number of
 *   RESPONSE_CHUNK events delivered for it; or a negative status with text:
 *   TIMEOUT (no first byte within the TTFB timeout, no next chunk within the
 *   RESP timeout, or the request's own timeout_ms passed), NETWORK (stream
 *   failed, malformed response), STOPPED (node stopping).
 *   At most 2 requests per peer and protocol are on the wire at once
 *   (MAX_CONCURRENT_REQUESTS); further ones wait in order (at most 64 per
 *   peer and protocol; QUEUE_FULL beyond), and timeout_ms counts from the
 *   call, waiting included. The library stops reading after the most chunks
 *   the request allows (e.g. count for blocks_by_range).
 *
 * Queue policy.  None of these events is ever dropped: REQUEST_DONE is
 *   reserved when the call is accepted (QUEUE_FULL at once otherwise);
 *   RESPONSE_CHUNK, INCOMING_REQUEST, PEER_STATUS and PEER_GOODBYE are
 *   control-class events too. Response chunks waiting for the host are
 *   bounded (a quarter of control_queue_capacity events, 64 MiB): when the
 *   bound is reached, the request stops reading its stream until the host
 *   drains events (the peer is slowed by flow control; the request's
 *   timeouts still run). An INCOMING_REQUEST that cannot be queued is
 *   answered to the peer at once with ServerError "server busy" and counted
 *   (incoming_refused); a PEER_STATUS / PEER_GOODBYE that cannot be queued,
 *   or whose peer already disconnected, is counted (status_events_dropped,
 *   goodbye_events_dropped). PEER_STATUS, PEER_GOODBYE and INCOMING_REQUEST
 *   of a peer come between its PEER_CONNECTED and PEER_DISCONNECTED.
 *
 * Incoming requests.  For a protocol served by the host, each request
 *   arrives as LIBP2PC_EVENT_INCOMING_REQUEST (request_id: the incoming id,
 *   its own number space; peer_id; protocol; data: the SSZ request, already
 *   checked for its SSZ shape). Answer it from any thread with
 *   libp2pc_node_respond_chunk (any number, up to what the request allows),
 *   then libp2pc_node_respond_end, or libp2pc_node_respond_error. The host
 *   has serve_timeout_ms (default 10000) to send the first chunk and then
 *   each further one: when it passes, the library sends ServerError
 *   "response deadline passed", closes the stream and forgets the id. After
 *   the end, an error, the deadline, or a failed stream (the peer reset it),
 *   calls with the id return LIBP2PC_ERR_NOT_FOUND: stop answering then.
 *
 * Rate limits.  Incoming requests are limited per peer with leaky buckets,
 *   Prysm's defaults (beacon-chain/sync/rate_limiter.go): every stream 10/s
 *   (burst 20); status, ping, metadata 1/s each (burst 5); goodbye 1/s
 *   (burst 1); blocks by range + by root 64 blocks per 30 s (burst 128);
 *   blob sidecars 384 per 30 s (burst 1152); data column sidecars 4096 per
 *   30 s (burst 16384). A request costs the items it asks for (blocks_by_range:
 *   min(count, 128)). Over the limit the peer gets InvalidRequest
 *   "rate limited" (as Prysm answers; consensus-specs now suggests
 *   withholding the response instead). More than 4 concurrent streams of a
 *   peer on one protocol get InvalidRequest "too many concurrent requests".
 */

/* Who serves a data protocol (libp2pc_node_serve's uint32_t mode). */
#define LIBP2PC_SERVE_NONE    0 /* not served: the protocol is not negotiated */
#define LIBP2PC_SERVE_BY_HOST 1 /* INCOMING_REQUEST events, answered by the host */

/* The node's Status (status/1 sends all but earliest_available_slot). Read as
 * THE GROWTH RULE says. ABI 2.0 layout: up to and including
 * earliest_available_slot, 96 bytes on 64-bit platforms. */
typedef struct libp2pc_eth2_status {
    uint32_t struct_size;              /* set to sizeof(libp2pc_eth2_status) */
    uint8_t fork_digest[4];
    uint8_t finalized_root[32];
    uint64_t finalized_epoch;
    uint8_t head_root[32];
    uint64_t head_slot;
    uint64_t earliest_available_slot;  /* status/2 (Fulu) */
} libp2pc_eth2_status;

/* The node's MetaData (metadata/2 sends all but custody_group_count). Read as
 * THE GROWTH RULE says. ABI 2.0 layout: up to and including
 * custody_group_count, 32 bytes on 64-bit platforms. */
typedef struct libp2pc_eth2_metadata {
    uint32_t struct_size;              /* set to sizeof(libp2pc_eth2_metadata) */
    uint8_t syncnets;                  /* Bitvector[4]: low 4 bits only */
    uint8_t reserved[3];               /* 0 */
    uint64_t seq_number;               /* also the answer to ping */
    uint8_t attnets[8];                /* Bitvector[64], SSZ bit order */
    uint64_t custody_group_count;      /* metadata/3 (Fulu) */
} libp2pc_eth2_metadata;

/* libp2pc_node_set_reqresp_timeouts: sets the req/resp timeouts, in
 * milliseconds (0: the default). ttfb_ms: an outgoing request's time to its
 * first response byte (5000, the former TTFB_TIMEOUT); resp_ms: to each
 * further chunk, and to read an incoming request (10000, the former
 * RESP_TIMEOUT); serve_timeout_ms: the host's time to answer an
 * INCOMING_REQUEST, and between its chunks (10000).
 *   Returns   BAD_STATE after libp2pc_node_start.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  none.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_set_reqresp_timeouts(libp2pc_node node, uint32_t ttfb_ms, uint32_t resp_ms,
                                      uint32_t serve_timeout_ms);
#endif

/* libp2pc_node_set_status: sets the Status the node sends when it dials
 * and answers with. Call it before connecting to peers (without it the
 * handshake reports BAD_STATE and status requests get ServerError), and
 * again whenever the head or finalized checkpoint moves (the chain does
 * that itself once libp2pc_node_chain_start ran).
 *   Returns   INVALID_ARGUMENT (NULL, struct_size out of bounds); STOPPED
 *             after stop. Works in any state before that.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  status: read.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_set_status(libp2pc_node node, const libp2pc_eth2_status *status);
#endif

/* libp2pc_node_set_metadata: sets the MetaData the node answers
 * metadata/1, /2 and /3 with, and whose seq_number answers ping (zero until
 * set).
 *   Returns   INVALID_ARGUMENT (NULL, struct_size out of bounds, syncnets
 *             above 0x0f); STOPPED after stop. Works in any state before.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  md: read.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_set_metadata(libp2pc_node node, const libp2pc_eth2_metadata *md);
#endif

/* libp2pc_node_serve: selects who serves a data protocol:
 * LIBP2PC_SERVE_BY_HOST registers it (INCOMING_REQUEST events),
 * LIBP2PC_SERVE_NONE unregisters it. Applied at start when called before.
 * (Go programs can also plug a Go responder: node.Node.Serve.)
 *   Returns   INVALID_ARGUMENT (NULL, an unknown protocol,
 *             status/goodbye/ping/metadata, which the library serves,
 *             another mode); STOPPED after stop.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  protocol: read.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_serve(libp2pc_node node, const char *protocol, uint32_t mode);
#endif

/* libp2pc_node_request: sends req (SSZ; NULL/0 for metadata, which has no
 * body) on protocol to the connected peer peer_id; see "Outgoing requests"
 * above for the RESPONSE_CHUNK events and the completion. timeout_ms: a
 * deadline for the whole request, waiting for a slot included (0: only the
 * TTFB and RESP timeouts).
 *   Returns   INVALID_ARGUMENT (NULL, unknown protocol, a body of the wrong
 *             SSZ shape); NOT_FOUND (peer not connected, or this node);
 *             QUEUE_FULL (no room for REQUEST_DONE, or 64 requests already
 *             waiting for that peer and protocol); BAD_STATE (not running).
 *             Completes with OK (code: chunks delivered), TIMEOUT, NETWORK
 *             or STOPPED.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  peer_id, protocol, req (len bytes): read. request_id:
 *             written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_request(libp2pc_node node, const char *peer_id, const char *protocol,
                         const uint8_t *req, size_t len, uint32_t timeout_ms,
                         uint64_t *request_id);
#endif

/* libp2pc_node_respond_chunk: queues one Success chunk of the response to
 * incoming request incoming_id; the library writes it in the background.
 * context: exactly 4 bytes (the fork digest of the payload's fork) for
 * protocols with context bytes (all served data protocols), else NULL/0.
 *   Returns   NOT_FOUND (unknown id, already ended, deadline passed, stream
 *             failed); INVALID_ARGUMENT (context of the wrong length, data
 *             above 10 MiB, more chunks than the request allows);
 *             QUEUE_FULL (32 MiB of this response are still waiting for the
 *             peer to read: retry later).
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  context (context_len bytes), data (len bytes): read.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_respond_chunk(libp2pc_node node, uint64_t incoming_id, const uint8_t *context,
                               size_t context_len, const uint8_t *data, size_t len);
#endif

/* libp2pc_node_respond_end: ends the response to incoming_id after its
 * queued chunks (zero chunks is an empty response). The id is gone
 * afterwards.
 *   Returns   NOT_FOUND as for libp2pc_node_respond_chunk.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  none.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_respond_end(libp2pc_node node, uint64_t incoming_id);
#endif

/* libp2pc_node_respond_error: ends the response to incoming_id, after its
 * queued chunks, with an error chunk: code 1 InvalidRequest, 2
 * ServerError, 3 ResourceUnavailable, or 128..255; msg is cut to 256 bytes.
 * The id is gone afterwards.
 *   Returns   INVALID_ARGUMENT for code 0; NOT_FOUND as for
 *             libp2pc_node_respond_chunk.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  msg: read; may be NULL.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_respond_error(libp2pc_node node, uint64_t incoming_id, uint8_t code, const char *msg);
#endif

/* libp2pc_node_goodbye: sends goodbye(reason) to peer_id (1 client shut
 * down, 2 irrelevant network, 3 fault/error, 128+ custom), then closes its
 * connections. A goodbye received arrives as LIBP2PC_EVENT_PEER_GOODBYE
 * (peer_id, code: reason) before that peer's PEER_DISCONNECTED.
 *   Returns   INVALID_ARGUMENT (NULL); BAD_STATE (not running); QUEUE_FULL.
 *             Completes with OK once sent and closed, or NOT_FOUND if the
 *             peer is not connected.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  peer_id: read. request_id: written on OK.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_goodbye(libp2pc_node node, const char *peer_id, uint64_t reason, uint64_t *request_id);
#endif

/* Req/resp counters (libp2pc_node_reqresp_counters). Written as THE GROWTH
 * RULE says. ABI 2.0 layout: up to and including goodbye_events_dropped, 184 bytes on 64-bit platforms. */
typedef struct libp2pc_reqresp_counters {
    uint32_t struct_size;            /* set to sizeof(libp2pc_reqresp_counters) before the call */
    uint32_t reserved0;
    uint64_t requests_sent;          /* outgoing streams opened (requests and status handshakes) */
    uint64_t requests_failed;        /* requests done with an error */
    uint64_t requests_timed_out;     /* ... of which timed out */
    uint64_t chunks_received;
    uint64_t chunk_events_queued;    /* RESPONSE_CHUNK events queued */
    uint64_t chunk_waits;            /* times a request paused reading: chunk room full */
    uint64_t incoming_requests;      /* incoming requests read and well-formed */
    uint64_t incoming_invalid;       /* answered InvalidRequest: malformed */
    uint64_t incoming_rate_limited;  /* answered InvalidRequest "rate limited" */
    uint64_t incoming_concurrency;   /* answered: too many concurrent streams */
    uint64_t incoming_refused;       /* INCOMING_REQUEST not queued: ServerError "server busy" */
    uint64_t incoming_stale;         /* ... of which the peer was not (or no longer) connected */
    uint64_t incoming_timed_out;     /* the host did not answer in time */
    uint64_t incoming_not_served;    /* ResourceUnavailable: protocol no longer served */
    uint64_t incoming_stream_errors; /* incoming streams that failed (reset, write error) */
    uint64_t chunks_served;          /* Success chunks written to peers */
    uint64_t status_served;
    uint64_t pings_served;
    uint64_t metadata_served;
    uint64_t goodbyes_received;
    uint64_t status_events_dropped;  /* PEER_STATUS not queued (no room, or peer gone) */
    uint64_t goodbye_events_dropped; /* PEER_GOODBYE not queued (no room, or peer gone) */
} libp2pc_reqresp_counters;

/* libp2pc_node_reqresp_counters: fills *out with the req/resp counters
 * (after stop: the final values).
 *   Returns   INVALID_ARGUMENT if out is NULL or its struct_size is out of
 *             bounds. Works in every state until destroy.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  out: struct_size read, then written (struct_size bytes at
 *             most).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_reqresp_counters(libp2pc_node node, libp2pc_reqresp_counters *out);
#endif

/* ----------------------------------------------------------------------- */
/* Chain                                                                    */
/* ----------------------------------------------------------------------- */

/* The block pipeline on the node: an embedded store of blocks and states,
 * the state transition of every fork from phase0 to fulu (the fork in force
 * at each slot under the config; no execution engine: payloads that pass
 * the consensus checks are imported optimistically) and fork choice in Go,
 * beacon_block gossip validated by the pipeline (IGNORE/REJECT per
 * p2p-interface.md) and imported when ACCEPTed, beacon_blocks_by_range/2
 * and by_root/2 served from the store, the node's Status kept at the
 * chain's head and finalized checkpoint, and range sync from a peer whose
 * status is ahead (handshake, and a status poll every 30 s).
 *
 * Attestations: the votes of every imported block's attestations reach
 * fork choice. Gossip attestations do too once the host joins their topics
 * with Go validation: libp2pc_node_eth2_subscribe(node,
 * "beacon_aggregate_and_proof", LIBP2PC_ETH2_VALIDATE_GO, ...) (what a
 * beacon node always does) and "beacon_attestation_<n>" for the subnets it
 * is assigned. The chain validates them per p2p-interface.md (window,
 * committee, aggregator selection, BLS signatures, known and consistent
 * blocks; IGNORE/REJECT with a reason) and applies the accepted votes from
 * the slot after the attestation's. Without libp2pc_node_chain_start these
 * subscriptions fail with NOT_FOUND (no Go validator).
 *
 * Order: libp2pc_node_eth2_configure (before start), libp2pc_node_start,
 * libp2pc_node_chain_start, then dial peers. The node's stop closes the
 * chain (pipeline, then store).
 *
 * Events (the control class; an event that finds the queue full is not
 * queued and is counted; the pipeline never waits for the host):
 *   LIBP2PC_EVENT_BLOCK_IMPORTED  code: slot; data (96 bytes): root ||
 *                                 parent_root || state_root. Sent after the
 *                                 block and its post-state are synced to disk.
 *   LIBP2PC_EVENT_BLOCK_INVALID   code: slot; data: root (32); text: rule.
 *   LIBP2PC_EVENT_HEAD_CHANGED    code: slot; data: root (32).
 *   LIBP2PC_EVENT_FINALIZED       code: epoch; data: root (32).
 *   LIBP2PC_EVENT_SYNC_PROGRESS   peer_id; code: target slot; text:
 *                                 "started A..B" / "finished N blocks" /
 *                                 "failed: ...", around each range sync.
 *   LIBP2PC_EVENT_BLOCK_DROPPED   code: slot; data: root (32); text: why the
 *                                 pipeline gave it up without a verdict.
 *   LIBP2PC_EVENT_DATA_WAITING, LIBP2PC_EVENT_DATA_AVAILABLE,
 *   LIBP2PC_EVENT_DATA_UNAVAILABLE (since ABI 2.2): data availability, see
 *                                 "Data availability" below.
 *   With an execution client (engine_endpoint, since ABI 2.2): BLOCK_IMPORTED
 *   and HEAD_CHANGED carry the execution status in text; an imported block
 *   found INVALID later is a BLOCK_INVALID (with each descendant);
 *   LIBP2PC_EVENT_BLOCK_EXECUTION  code: slot; data: root (32); text "valid":
 *                                 an optimistic block confirmed;
 *   LIBP2PC_EVENT_ENGINE_STATE    code: the execution client's new health
 *                                 state; status, text: see the event type. */

/* The chain's configuration (libp2pc_node_chain_start). Read as THE GROWTH
 * RULE says. ABI 2.0 layout: up to and including config_yaml_len, 48 bytes on 64-bit platforms;
 * ABI 2.1: up to and including ws_checkpoint, 104 bytes; ABI 2.2: 176 bytes. */
typedef struct libp2pc_chain_config {
    uint32_t struct_size;      /* sizeof(libp2pc_chain_config); set by libp2pc_chain_config_init */
    uint32_t reserved0;        /* 0 */
    const char *data_dir;      /* store directory, created if missing */
    /* SSZ BeaconState (any fork) to anchor a new store at: the genesis state
     * or a trusted checkpoint state. May be NULL/0 for a store that is
     * already anchored (it is reopened; unimported blocks resume). */
    const uint8_t *anchor_state;
    size_t anchor_state_len;
    /* The chain's config YAML (configs/<network>.yaml, or /eth/v1/config/spec
     * rendered as YAML), for the state transition. */
    const uint8_t *config_yaml;
    size_t config_yaml_len;
    /* Checkpoint sync (since ABI 2.1; a 2.0 host's struct ends before these
     * fields, which then read as NULL/0). For a new store only: ignored
     * when data_dir already holds an anchored store. Instead of
     * anchor_state, the chain starts from a finalized checkpoint state of
     * any fork, downloaded from a beacon node's standard REST API
     * (checkpoint_sync_url: GET /eth/v2/debug/beacon/states/{id} and
     * /eth/v2/beacon/blocks/{id}, SSZ asked for, a JSON block accepted) or
     * given (checkpoint_state with checkpoint_block). The library checks
     * that the block's state_root is the state's hash_tree_root, that the
     * state is on the node's network (eth2 config: genesis validators
     * root and time; fork versions of config_yaml), and ws_checkpoint if
     * set; a state below an epoch boundary is advanced to it. Each step is
     * a LIBP2PC_EVENT_SYNC_PROGRESS ("checkpoint: ..."). A refused anchor
     * makes chain_start's REQUEST_DONE carry INVALID_ARGUMENT (NETWORK
     * for a failed download) with a text naming the check. The download,
     * decoding and hashing run after the call returns, like the rest of
     * chain_start's work. Strings and bytes are copied during the call.
     * NULL/0: not used. */
    const char *checkpoint_sync_url; /* REST API base, e.g. "http://127.0.0.1:5052" */
    const char *checkpoint_id;       /* NULL: "finalized"; a slot, or a block root "0x..." */
    const uint8_t *checkpoint_state; /* SSZ BeaconState */
    size_t checkpoint_state_len;
    const uint8_t *checkpoint_block; /* its SignedBeaconBlock: SSZ, or the API's JSON */
    size_t checkpoint_block_len;
    const char *ws_checkpoint;       /* weak subjectivity checkpoint "0x<root>:<epoch>" */
    /* Since ABI 2.2 (a 2.1 host's struct ends before these fields, which
     * then read as 0).
     * backfill_epochs: the backfill of a checkpoint-anchored store stops
     * after the last N epochs behind the anchor (e.g. 33024, mainnet's
     * MIN_EPOCHS_FOR_BLOCK_REQUESTS: what peers must serve) instead of
     * going down to genesis; earliest_slot in the sync status says where
     * it stopped. 0: down to genesis.
     * allow_stale_checkpoint: the library refuses a checkpoint whose
     * epoch plus its weak subjectivity period (specs/phase0 and
     * specs/electra/weak-subjectivity.md: compute_weak_subjectivity_period
     * of the checkpoint state, e.g. 256 epochs + the validator set's churn
     * allowance) is behind the wall-clock epoch: chain_start's REQUEST_DONE
     * carries INVALID_ARGUMENT, text "checkpoint: anchor outside the weak
     * subjectivity period: ..." with the numbers. 1 accepts it (the host
     * trusts that checkpoint anyway); the "checkpoint: anchored" progress
     * text then says it is outside. Always written in the progress text:
     * the period in epochs. */
    uint64_t backfill_epochs;
    uint32_t allow_stale_checkpoint; /* 0 or 1 */
    uint32_t reserved1;              /* 0 */
    /* ABI 2.2: data availability */
    /* PeerDAS custody groups the node keeps and serves (fulu das-core.md):
     * 0 selects CUSTODY_REQUIREMENT (4); 128 makes a supernode, which also
     * reconstructs a block's columns from any 64 of them. A fulu block
     * imports once its sampled columns (max(SAMPLES_PER_SLOT, this) groups)
     * are verified. Since ABI 2.2 (an older host's struct reads as 0). */
    uint64_t custody_group_count;
    /* ABI 2.2: execution engine */
    /* The execution client's authenticated Engine API (since ABI 2.2; a
     * 2.0 or 2.1 host's struct ends before these fields, which then read
     * as NULL/0: no execution client). With engine_endpoint set, every
     * block with an execution payload is sent to it (newPayload, during
     * the state transition) and imports when both agree; forkchoiceUpdated
     * follows every head, safe and finalized change (consensus-specs
     * sync/optimistic.md: SYNCING/ACCEPTED import optimistically, marked
     * so on disk; INVALID removes the block and its descendants). The JWT
     * secret is jwt_secret when not all zero, else the file
     * jwt_secret_path (64 hex digits, as execution clients write it); one
     * of them is required with an endpoint. An unreadable secret file or a
     * malformed endpoint makes chain_start's REQUEST_DONE carry
     * INVALID_ARGUMENT; an execution client that is down or refuses the
     * secret does not: it is reported by LIBP2PC_EVENT_ENGINE_STATE. Strings
     * are copied during the call. NULL: not used. */
    const char *engine_endpoint;     /* e.g. "http://127.0.0.1:8551" */
    const char *jwt_secret_path;     /* file of the hex secret */
    uint8_t jwt_secret[32];          /* the secret's bytes; all zero: not given */
} libp2pc_chain_config;

/* libp2pc_chain_config_init(cfg) (a macro over
 * libp2pc_chain_config_init_sized(cfg, sizeof(libp2pc_chain_config))):
 * zeroes the struct_size bytes at cfg and sets cfg->struct_size.
 *   Returns   INVALID_ARGUMENT if cfg is NULL or struct_size is out of
 *             bounds.
 *   Threads   any; never waits. Needs no libp2pc_init.
 *   Pointers  cfg: written (struct_size bytes).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_chain_config_init_sized(libp2pc_chain_config *cfg, size_t struct_size);
#endif
#define libp2pc_chain_config_init(cfg) libp2pc_chain_config_init_sized((cfg), sizeof(libp2pc_chain_config))

/* libp2pc_node_chain_start: starts the chain on a running node with eth2
 * configured. Asynchronous: the call checks its arguments, copies the
 * anchor state and config (a memory copy: the caller may free them at once)
 * and returns a request id; it never decodes, hashes or touches the disk.
 * After it returns, off the caller's thread, the library parses the config,
 * opens the store, checks and decodes the anchor state and hashes it
 * (seconds for a mainnet-size state), starts the pipeline, and joins
 * beacon_block with the Go validator. Then *request_id completes with
 * LIBP2PC_EVENT_REQUEST_DONE:
 *   status 0: the chain runs (chain_head gives the anchor, or the stored
 *     head of a reopened store); dial peers now, so that the status
 *     handshake carries the chain's head;
 *   status < 0, text saying why: INVALID_ARGUMENT for a config that does
 *     not parse, an anchor state that is not an SSZ BeaconState of the fork
 *     the config has in force at its slot ("wrong fork": another fork or
 *     another chain), or an empty store without an anchor state; INTERNAL
 *     for a store that cannot be opened; BAD_STATE if the host itself is
 *     subscribed to beacon_block; STOPPED if the node stopped meanwhile.
 *     Nothing of the chain remains: chain_start may be called again.
 * While the chain starts (from the call until its REQUEST_DONE is queued;
 * a host that waits for that event never sees this), chain_head,
 * chain_finalized, get_block, get_state, chain_submit_block and
 * chain_sync_status return LIBP2PC_ERR_BAD_STATE ("chain starting"), and
 * the Go validators for attestations are not registered yet.
 *   Returns   (nothing started) INVALID_ARGUMENT for a NULL config, a
 *             struct_size out of bounds, an empty data_dir or a NULL buffer
 *             with a length; BAD_HANDLE; BAD_STATE if the node is not
 *             running (including while it starts), eth2 is not configured,
 *             or the chain is starting or started; QUEUE_FULL (no room for
 *             the completion).
 *   Threads   any; never waits: decoding, hashing and disk I/O run after it
 *             returns.
 *   Pointers  config, data_dir, anchor_state (anchor_state_len bytes),
 *             config_yaml (config_yaml_len bytes): read and copied during
 *             the call. request_id: written on OK, before the completion
 *             can be delivered.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_chain_start(libp2pc_node node, const libp2pc_chain_config *config,
                             uint64_t *request_id);
#endif

/* libp2pc_node_chain_head: the fork choice head: its root and slot.
 *   Returns   BAD_STATE before libp2pc_node_chain_start; STOPPED once the
 *             node stops.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  root_out (32 bytes), slot: written; either may be NULL.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_chain_head(libp2pc_node node, uint8_t *root_out, uint64_t *slot);
#endif

/* libp2pc_node_chain_finalized: the finalized checkpoint: root and epoch
 * (the anchor's until finality advances).
 *   Returns   BAD_STATE before libp2pc_node_chain_start; STOPPED once the
 *             node stops.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  root_out (32 bytes), epoch: written; either may be NULL.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_chain_finalized(libp2pc_node node, uint8_t *root_out, uint64_t *epoch);
#endif

/* libp2pc_node_get_block: copies the SSZ SignedBeaconBlock of root from
 * the store into a buffer the library allocates.
 *   Returns   INVALID_ARGUMENT if root, out or len is NULL; NOT_FOUND if the
 *             block is not stored (the anchor's signed block is not kept);
 *             BAD_STATE before libp2pc_node_chain_start; STOPPED once the
 *             node stops.
 *   Threads   any; reads the store on the calling thread (disk I/O, no
 *             waiting on the network or the pipeline).
 *   Pointers  root (32 bytes): read. *out, *len: written on OK; the caller
 *             owns *out and releases it with libp2pc_free.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_get_block(libp2pc_node node, const uint8_t *root, uint8_t **out, size_t *len);
#endif

/* libp2pc_node_get_state: copies the SSZ BeaconState after the block root
 * (the anchor's root gives the anchor state, byte for byte as given to
 * libp2pc_node_chain_start) into a buffer the library allocates. root is a
 * block root (BLOCK_IMPORTED's first 32 bytes, the head, a checkpoint), not
 * a state root.
 *   Returns   INVALID_ARGUMENT if root, out or len is NULL; BAD_STATE before
 *             libp2pc_node_chain_start; STOPPED once the node stops;
 *             NOT_FOUND if no imported block has that root, or if its state
 *             was pruned (the store keeps the post-states of the last 64
 *             slots, the anchor, checkpoint blocks and fork tips; older
 *             ones are not regenerated here).
 *   Threads   any; reads the store on the calling thread (disk I/O, no
 *             waiting on the network or the pipeline).
 *   Pointers  root (32 bytes): read. *out, *len: written on OK; the caller
 *             owns *out and releases it with libp2pc_free (a mainnet state
 *             is several MB: free it soon).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_get_state(libp2pc_node node, const uint8_t *root, uint8_t **out, size_t *len);
#endif

/* libp2pc_node_chain_submit_block: hands a block the host obtained itself
 * (its validator proposed it, or it came from outside gossip) to the block
 * pipeline, as if it had arrived by gossip and passed validation. ssz/len:
 * an SSZ SignedBeaconBlock of the fork in force at its slot.
 *
 * Asynchronous: the call decodes the block (to reject bytes that are not
 * a block at once, and to give its root) and returns; it never waits on
 * the state transition or on the event callback. The outcome comes later
 * as exactly one event for root:
 *   LIBP2PC_EVENT_BLOCK_IMPORTED (then HEAD_CHANGED if it became the head,
 *     FINALIZED if finality advanced), or
 *   LIBP2PC_EVENT_BLOCK_INVALID (text: the consensus rule it broke, e.g.
 *     a state root mismatch or a bad proposer signature), or
 *   LIBP2PC_EVENT_BLOCK_DROPPED (text: why the pipeline gave it up without
 *     a verdict: its parent cannot be obtained, its slot is more than a few
 *     slots ahead of the wall clock, a bound, or the node stopping).
 * The block is not published: to propagate it, also call
 * libp2pc_node_eth2_publish on "beacon_block". A block whose parent is not
 * imported waits for it (the pipeline asks connected peers for it).
 *
 * No event comes for a block that is already imported (the call succeeds:
 * its BLOCK_IMPORTED was sent when it was imported; libp2pc_node_get_block
 * finds it), that is being processed already (e.g. gossip delivered it
 * first: that process's one outcome stands), or that the pipeline found
 * invalid recently. Like every control event without a reservation, an
 * outcome event that finds the queue full is not queued (counted).
 *   Returns   (nothing is submitted on an error) INVALID_ARGUMENT if ssz is
 *             NULL, len is 0, or the bytes are not a SignedBeaconBlock;
 *             TOO_LARGE above libp2pc_config.max_message_size; BAD_STATE
 *             before libp2pc_node_chain_start; STOPPED once the node stops.
 *   Threads   any, also inside the callback; decodes and hashes the block
 *             on the calling thread (linear in len), never waits.
 *   Pointers  ssz (len bytes): read. root_out (32 bytes): written; may be
 *             NULL.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_chain_submit_block(libp2pc_node node, const uint8_t *ssz, size_t len,
                                    uint8_t *root_out);
#endif

/* The chain's sync progress (compare the beacon API's /eth/v1/node/syncing;
 * libp2pc_node_chain_sync_status). Written as THE GROWTH RULE says. ABI 2.0 layout: up to and including blocks_in_flight, 240 bytes on 64-bit platforms. */
typedef struct libp2pc_chain_sync_status {
    uint32_t struct_size;        /* set to sizeof(libp2pc_chain_sync_status) before the call */
    uint32_t syncing;            /* 1 while a range sync from a peer runs */
    uint64_t head_slot;          /* the fork choice head's slot */
    uint64_t current_slot;       /* the wall-clock slot (eth2 genesis_time; 0 before genesis) */
    uint64_t sync_distance;      /* current_slot - head_slot (0 if the head is not behind) */
    uint64_t finalized_epoch;
    /* The running range sync, else the last one (zeros and "" if none ran):
     * its first slot, the head slot of the peer synced from, and its id. */
    uint64_t sync_start_slot;
    uint64_t sync_target_slot;
    char sync_peer[128];         /* NUL-terminated */
    uint64_t syncs;              /* range syncs started (a peer's status was ahead) */
    uint64_t synced_blocks;      /* blocks received by finished range syncs */
    uint64_t sync_failures;
    /* Block pipeline (every source: gossip, sync, downloads, submit): */
    uint64_t blocks_imported;
    uint64_t blocks_invalid;     /* BLOCK_INVALID verdicts */
    uint64_t blocks_dropped;     /* given up without a verdict (BLOCK_DROPPED) */
    uint64_t blocks_in_flight;   /* block processes running now */
    /* Backfill (since ABI 2.1; a 2.0 host's struct ends before these fields
     * and gets the fields it has): a chain anchored at a checkpoint fetches the
     * blocks behind its anchor from peers, backwards down to genesis,
     * separately from the head sync above (SYNC_PROGRESS events with text
     * "backfill: slot <s> (<n> blocks)", "backfill: done at slot 0"). */
    uint32_t backfilling;        /* 1 while the backfill runs */
    uint32_t backfill_done;      /* 1 once it reached genesis (or its limit) */
    uint64_t earliest_slot;      /* every block from this slot up is stored (status earliest_available_slot) */
    uint64_t backfilled_blocks;  /* blocks stored by the backfill */
} libp2pc_chain_sync_status;

/* libp2pc_node_chain_sync_status: fills *out with the sync progress.
 *   Returns   INVALID_ARGUMENT if out is NULL or its struct_size is out of
 *             bounds; BAD_STATE before libp2pc_node_chain_start; STOPPED
 *             once the node stops.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  out: struct_size read, then written (struct_size bytes at
 *             most).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_chain_sync_status(libp2pc_node node, libp2pc_chain_sync_status *out);
#endif

/* ----------------------------------------------------------------------- */
/* Data availability (since ABI 2.2)                                        */
/* ----------------------------------------------------------------------- */

/* A deneb or electra block with blob commitments imports only once all of
 * its blob sidecars are verified; a fulu block once every column it samples
 * is (consensus-specs is_data_available). Until then it waits, bounded in
 * time (4 slots from its arrival) and in count (64 blocks): its data comes
 * from gossip and from requests to peers the library makes itself. The
 * host sees LIBP2PC_EVENT_DATA_WAITING, then DATA_AVAILABLE and the
 * import, or DATA_UNAVAILABLE and BLOCK_DROPPED (its descendants are
 * dropped with it). The verified sidecars the node keeps (every blob; its
 * custody columns) are stored with the block and pruned after
 * MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS /
 * MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS (4096 epochs). */

/* Data availability counters (libp2pc_node_chain_da_counters). Written as
 * THE GROWTH RULE says. First layout (ABI 2.2): up to and including
 * tracker_evicted, 176 bytes on 64-bit platforms. */
typedef struct libp2pc_chain_da_counters {
    uint32_t struct_size;            /* set to sizeof(libp2pc_chain_da_counters) before the call */
    uint32_t reserved0;              /* 0 */
    uint64_t sidecars_received;      /* blob and column sidecars handed to the pipeline (gossip, requests) */
    uint64_t sidecars_verified;      /* of those, verified and filed */
    uint64_t sidecars_rejected;      /* failed verification or did not match their block */
    uint64_t sidecars_late;          /* for a block already imported or given up */
    uint64_t sidecars_requested;     /* indices asked of peers */
    uint64_t fetch_requests;         /* requests made for missing sidecars */
    uint64_t fetch_failures;
    uint64_t reconstructions;        /* fulu blocks whose columns were recovered from >= 64 */
    uint64_t columns_recovered;
    uint64_t blocks_waited;          /* blocks that waited for data (DATA_WAITING) */
    uint64_t blocks_available;       /* blocks whose data became available */
    uint64_t blocks_unavailable;     /* given up for missing data (DATA_UNAVAILABLE) */
    uint64_t dropped_waiting_full;   /* dropped: too many blocks waiting for data */
    uint64_t sidecars_stored;
    uint64_t sidecars_pruned;        /* blocks whose sidecars retention deleted */
    uint64_t sidecars_published;     /* by this node (proposer, reconstruction) */
    uint64_t publish_failures;
    uint64_t custody_group_count;    /* in effect */
    uint64_t earliest_sidecar_slot;  /* sidecars are kept from this slot up */
    uint64_t waiting;                /* blocks waiting for data now */
    uint64_t tracker_evicted;        /* held sidecars of unseen blocks evicted by the bound */
} libp2pc_chain_da_counters;

/* libp2pc_node_chain_da_counters: fills *out with the data availability
 * counters.
 *   Returns   INVALID_ARGUMENT if out is NULL or its struct_size is out of
 *             bounds; BAD_STATE before libp2pc_node_chain_start; STOPPED
 *             once the node stops.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  out: struct_size read, then written (struct_size bytes at
 *             most).
 *   Since     ABI 2.2. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_chain_da_counters(libp2pc_node node, libp2pc_chain_da_counters *out);
#endif

/* libp2pc_node_get_sidecars: copies the stored sidecars of the block root
 * into one buffer the library allocates: for each sidecar, by index, a
 * uint32_t little-endian length and then that many bytes of SSZ
 * (BlobSidecar for deneb and electra blocks, DataColumnSidecar for fulu:
 * the node's custody columns). *kind is 1 for blob sidecars, 2 for data
 * column sidecars; *count the number of sidecars.
 *   Returns   INVALID_ARGUMENT if root, out, len, kind or count is NULL;
 *             NOT_FOUND if no sidecars of root are stored (a block without
 *             blobs, not imported, or pruned); BAD_STATE before
 *             libp2pc_node_chain_start; STOPPED once the node stops.
 *   Threads   any; reads the store on the calling thread (disk I/O, no
 *             waiting on the network or the pipeline), like get_block.
 *   Pointers  root (32 bytes): read. *out, *len, *kind, *count: written on
 *             OK; the caller owns *out and releases it with libp2pc_free.
 *   Since     ABI 2.2. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_get_sidecars(libp2pc_node node, const uint8_t *root, uint8_t **out, size_t *len,
                              uint32_t *kind, uint32_t *count);
#endif

/* libp2pc_node_chain_propose_blobs: a proposing host hands over its
 * block's blobs. block/block_len: the SSZ SignedBeaconBlock (deneb or
 * later) it proposed; blobs: blob_count blobs of 131072 bytes each,
 * concatenated, in the order of the block's commitments. Asynchronous:
 * the call copies its inputs and returns a request id; then, off the
 * caller's thread, the library builds the sidecars the proposer publishes
 * (blob sidecars with their inclusion proofs; from fulu the 128 data
 * column sidecars, computing every blob's cells and KZG proofs: seconds of
 * CPU for many blobs), files them with its own pipeline (so that the block,
 * submitted with libp2pc_node_chain_submit_block, becomes available) and
 * publishes each on its subnet's topic ("blob_sidecar_<n>",
 * "data_column_sidecar_<n>") where the node is in that topic (others are
 * counted in publish_failures). REQUEST_DONE: status 0, code: the number
 * of sidecars built; or INVALID_ARGUMENT with a text (not a deneb+ block,
 * blobs that do not match its commitments).
 *   Returns   INVALID_ARGUMENT for a NULL or empty block, NULL blobs with a
 *             count, or a blob_count above 4096; BAD_HANDLE; BAD_STATE
 *             before libp2pc_node_chain_start; QUEUE_FULL (no room for the
 *             completion).
 *   Threads   any; never waits (the KZG work runs after it returns).
 *   Pointers  block (block_len bytes), blobs (blob_count * 131072 bytes):
 *             read and copied during the call. request_id: written on OK,
 *             before the completion can be delivered.
 *   Since     ABI 2.2. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_chain_propose_blobs(libp2pc_node node, const uint8_t *block, size_t block_len,
                                     const uint8_t *blobs, size_t blob_count, uint64_t *request_id);
#endif

/* libp2pc_free: releases a buffer the library allocated for the caller
 * (libp2pc_node_get_block, libp2pc_node_get_state, libp2pc_node_get_sidecars,
 * libp2pc_node_metrics_text).
 *   Returns   nothing; NULL is ignored.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  p: owned by the library again (invalid) after the call.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
void libp2pc_free(void *p);
#endif

/* ----------------------------------------------------------------------- */
/* Discovery and peer management                                            */
/* ----------------------------------------------------------------------- */

/* An eth2 node can find and keep its peers by itself: discv5 on its own UDP
 * port, bootstrapped from ENR bootnodes, and a peer manager.
 *
 * The node's ENR is signed with the node's identity key (so its secp256k1
 * entry names the libp2p peer id) and carries ip, udp, tcp and quic (the
 * libp2p ports actually bound), eth2 (the ENRForkID at the wall-clock epoch,
 * from the fork schedule of libp2pc_node_eth2_configure; updated by itself
 * at fork boundaries), attnets, syncnets, and, once Fulu is scheduled (or
 * when custody_group_count is set), cgc and nfd. Every change signs a new
 * record with a higher sequence number.
 *
 * Only peers whose ENR eth2 fork digest equals the node's are dialled. The
 * peer manager, every tick_ms:
 *   - dials discovered peers (static peers first) until target_peers are
 *     connected, at least a fifth of them (outbound_percent) outbound;
 *   - refuses connections beyond max_peers, inbound ones beyond max_peers
 *     minus the outbound minimum (goodbye 129);
 *   - prunes the worst-scored peers above prune_above (goodbye 129);
 *   - checks every Status (the dialer's handshake, or the peer's request):
 *     another fork digest, a finalized checkpoint not on our chain, or a
 *     head beyond the wall clock: goodbye 2 and a ban; finalized more than
 *     max_finalized_lag epochs behind (if set): goodbye 2. The local view is
 *     the Status set with libp2pc_node_set_status (before one is set: the
 *     current fork digest at genesis). No Status within status_timeout_ms:
 *     goodbye 128;
 *   - scores peers: each gossip message the node REJECTs (-5), a malformed
 *     req/resp response or status (-10), a response timeout (-1), decaying
 *     with a 10-minute half-life; at -20 goodbye 250, at -50 a ban (goodbye
 *     251);
 *   - bans for ban_seconds, doubling for each further ban of the same peer
 *     up to max_ban_seconds. A banned peer is refused (at dial time and
 *     after the security handshake, before PEER_CONNECTED) and never
 *     dialled until the ban ends; bans are not persisted;
 *   - keeps static and trusted peers (redialled, never pruned); trusted
 *     peers are never penalised, disconnected or banned by the manager.
 * Before disconnecting a peer it sends goodbye with the reason, then closes
 * the connection; PEER_DISCONNECTED's text names the code.
 *
 * Lifecycle: libp2pc_node_new -> libp2pc_node_eth2_configure ->
 * libp2pc_node_discovery_configure -> libp2pc_node_start. Nothing here
 * blocks: the manager runs beside the node's event loop. */

/* Discovery and peer management configuration
 * (libp2pc_node_discovery_configure). Read as THE GROWTH RULE says. ABI 2.0 layout: up to and including custody_group_count, 136 bytes on 64-bit platforms. */
typedef struct libp2pc_discovery_config {
    /* sizeof(libp2pc_discovery_config); set by libp2pc_discovery_config_init. */
    uint32_t struct_size;
    uint32_t reserved0;           /* 0 */
    /* discv5 UDP listen address "ip:port" (NULL: "0.0.0.0:9000"; port 0
     * picks a free one, readable from the ENR). */
    const char *listen_udp;
    /* The ENR's ip (NULL: the UDP listen IP if specific, else the first
     * specific libp2p listen IP, else as peers report it). */
    const char *advertise_ip;
    /* ENR strings "enr:-..." of the bootnodes. */
    const char *const *bootnodes;
    size_t bootnodes_len;
    /* Multiaddrs ending in /p2p/<peer id>. */
    const char *const *static_peers;
    size_t static_peers_len;
    const char *const *trusted_peers;
    size_t trusted_peers_len;
    /* 0 selects the default shown. */
    uint32_t target_peers;        /* 64, at most max_peers */
    uint32_t max_peers;           /* the node's max_peers (a larger value is INVALID_ARGUMENT) */
    uint32_t prune_above;         /* halfway between target_peers and max_peers */
    uint32_t outbound_percent;    /* 20 (% of target_peers dialled by us) */
    uint32_t ban_seconds;         /* 1800: first ban */
    uint32_t max_ban_seconds;     /* 86400: longest ban */
    uint32_t status_timeout_ms;   /* 30000 */
    uint32_t tick_ms;             /* 1000 */
    uint64_t max_finalized_lag;   /* 0: off (epochs) */
    /* The ENR's subnet entries (also changeable with libp2pc_node_update_enr). */
    uint8_t attnets[8];           /* Bitvector[64], SSZ bit order */
    uint8_t syncnets;             /* Bitvector[4]: low 4 bits only */
    uint8_t reserved1[7];         /* 0 */
    uint64_t custody_group_count; /* cgc; 0: CUSTODY_REQUIREMENT (4) once Fulu is scheduled */
} libp2pc_discovery_config;

/* libp2pc_discovery_config_init(cfg) (a macro over
 * libp2pc_discovery_config_init_sized(cfg,
 * sizeof(libp2pc_discovery_config))): zeroes the struct_size bytes at cfg
 * (every default) and sets cfg->struct_size.
 *   Returns   INVALID_ARGUMENT if cfg is NULL or struct_size is out of
 *             bounds.
 *   Threads   any; never waits. Needs no libp2pc_init.
 *   Pointers  cfg: written (struct_size bytes).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_discovery_config_init_sized(libp2pc_discovery_config *cfg, size_t struct_size);
#endif
#define libp2pc_discovery_config_init(cfg) \
    libp2pc_discovery_config_init_sized((cfg), sizeof(libp2pc_discovery_config))

/* libp2pc_node_discovery_configure: enables discovery and peer
 * management. The UDP port is opened at start: a port in use fails start
 * (NETWORK).
 *   Returns   BAD_STATE unless after libp2pc_node_eth2_configure and before
 *             libp2pc_node_start, and when called twice; INVALID_ARGUMENT
 *             (NULL, struct_size out of bounds, a malformed bootnode ENR,
 *             peer multiaddr, UDP address or advertise_ip, target_peers >
 *             max_peers, max_peers above the node's, prune_above outside
 *             [target_peers, max_peers], outbound_percent above 100).
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  cfg and every string and array it points to: read.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_discovery_configure(libp2pc_node node, const libp2pc_discovery_config *cfg);
#endif

/* libp2pc_node_fork_digest: writes the fork digest of the wall-clock epoch
 * (the one the ENR's eth2 entry and the node's gossip topics carry, and the
 * one the Status set with libp2pc_node_set_status must carry).
 *   Returns   INVALID_ARGUMENT if digest is NULL; BAD_STATE before
 *             libp2pc_node_eth2_configure.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  digest (4 bytes): written.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_fork_digest(libp2pc_node node, uint8_t *digest);
#endif

/* libp2pc_node_enr: writes the node's current ENR ("enr:-...",
 * NUL-terminated; 512 bytes always suffice) into buf.
 *   Returns   BAD_STATE unless running with discovery; INVALID_ARGUMENT if
 *             buf is NULL or buf_len too small.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  buf: written (buf_len bytes at most).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_enr(libp2pc_node node, char *buf, size_t buf_len);
#endif

/* libp2pc_node_update_enr: changes the ENR's attnets (NULL: unchanged),
 * syncnets (low 4 bits; 0xff: unchanged) and custody group count (0:
 * unchanged) in one signed update. Other nodes see the new record at their
 * next contact (discv5 pings every few seconds). Keep the MetaData
 * (libp2pc_node_set_metadata) in step: the library does not change it.
 *   Returns   BAD_STATE unless running with discovery; INVALID_ARGUMENT for
 *             syncnets with bits above the 4th set (other than 0xff).
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  attnets (8 bytes): read; may be NULL. seq_out: written (the
 *             record's sequence number: one more than before, or the same
 *             if nothing changed); may be NULL.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_update_enr(libp2pc_node node, const uint8_t *attnets, uint8_t syncnets,
                            uint64_t custody_group_count, uint64_t *seq_out);
#endif

/* Flags of libp2pc_peer_info. */
#define LIBP2PC_PEER_CONNECTED  1u /* connected (else only banned) */
#define LIBP2PC_PEER_STATIC     2u
#define LIBP2PC_PEER_TRUSTED    4u
#define LIBP2PC_PEER_HAS_ENR    8u /* discovery found its record: enr_seq, attnets, syncnets, cgc valid */
#define LIBP2PC_PEER_HAS_STATUS 16u /* a Status was received: the status fields are valid */

/* One row of the peer table (an element of an array: THE GROWTH RULE's
 * element size applies). ABI 2.0 layout: up to and including
 * earliest_available_slot, 200 bytes on 64-bit platforms. */
typedef struct libp2pc_peer_info {
    const char *peer_id;
    const char *direction;       /* "inbound" / "outbound"; "" when not connected */
    const char *addr;            /* remote multiaddr; "" when not connected */
    const char *agent;           /* identify agent version; "" until known */
    const char *ban_reason;      /* "" when not banned */
    double score;                /* behaviour score (0 = clean) + gossipsub score */
    uint32_t flags;              /* LIBP2PC_PEER_* */
    uint32_t reserved0;          /* 0 */
    uint64_t connected_since_ms; /* Unix ms when the manager saw it connect; 0 if not connected */
    uint64_t banned_until_ms;    /* Unix ms; 0 when not banned */
    uint64_t enr_seq;
    uint8_t attnets[8];
    uint8_t syncnets;
    uint8_t reserved1[7];        /* 0 */
    uint64_t custody_group_count; /* cgc, or CUSTODY_REQUIREMENT when its ENR has none */
    /* Its last Status. */
    uint8_t fork_digest[4];
    uint32_t reserved2;          /* 0 */
    uint8_t finalized_root[32];
    uint64_t finalized_epoch;
    uint8_t head_root[32];
    uint64_t head_slot;
    uint64_t earliest_available_slot;
} libp2pc_peer_info;

/* libp2pc_node_peer_table(node, out, count) (a macro over
 * libp2pc_node_peer_table_sized(..., sizeof(libp2pc_peer_info))): the peer
 * table: the connected peers (the same set libp2pc_node_peers lists), then
 * the banned peers that are not connected, each sorted by peer id.
 * Elements are elem_size bytes apart.
 *   Returns   INVALID_ARGUMENT if out or count is NULL, or elem_size is
 *             out of bounds; BAD_STATE without discovery.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  *out: an array of *count elements (NULL when 0) and the
 *             strings they point to, in one allocation owned by the caller:
 *             free it with libp2pc_peer_table_free. count: written.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_peer_table_sized(libp2pc_node node, libp2pc_peer_info **out, size_t *count,
                                  size_t elem_size);
#endif
#define libp2pc_node_peer_table(node, out, count) \
    libp2pc_node_peer_table_sized((node), (out), (count), sizeof(libp2pc_peer_info))

/* libp2pc_peer_table_free: frees a table from libp2pc_node_peer_table.
 *   Returns   nothing; NULL is ignored.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  table: owned by the library again (invalid) after the call.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
void libp2pc_peer_table_free(libp2pc_peer_info *table);
#endif

/* libp2pc_node_ban: bans peer_id for at least seconds (0: the configured
 * policy, ban_seconds doubling per repeat ban), whether connected or not:
 * PEER_BANNED (text: "banned: " and the reason's name) follows, and a
 * connected peer gets goodbye 251 and is disconnected. reason: a goodbye
 * code naming why (0: 251 banned).
 *   Returns   INVALID_ARGUMENT (NULL or malformed id, this node, a trusted
 *             peer); BAD_STATE unless running with discovery; QUEUE_FULL if
 *             the node's inbox is full.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  peer_id: read.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_ban(libp2pc_node node, const char *peer_id, uint32_t seconds, uint64_t reason);
#endif

/* Discovery and peer management counters (libp2pc_node_discovery_counters).
 * Written as THE GROWTH RULE says. ABI 2.0 layout: up to and including
 * reserved1, 144 bytes on 64-bit platforms. */
typedef struct libp2pc_discovery_counters {
    uint32_t struct_size;          /* set to sizeof(libp2pc_discovery_counters) before the call */
    uint32_t reserved0;
    uint64_t discovered;           /* records found (same fork digest, dialable) */
    uint64_t address_book;         /* gauge: peers known for dialling (at most 2048) */
    uint64_t dials;                /* dials started by the peer manager */
    uint64_t dials_failed;
    uint64_t goodbyes_sent;        /* disconnects decided by the manager */
    uint64_t bans;
    uint64_t banned;               /* gauge: peers banned now */
    uint64_t refused_banned;       /* connections refused: peer banned */
    uint64_t ban_events_dropped;   /* PEER_BANNED not queued (no room) */
    uint64_t gossip_rejects;       /* REJECTed gossip counted against peers */
    uint64_t reqresp_faults;       /* malformed responses and timeouts counted against peers */
    uint64_t faults_dropped;
    uint64_t status_checked;
    uint64_t subnet_searches;      /* discv5 searches for peers of a subnet with too few */
    uint64_t enr_seq;              /* the local ENR's sequence number */
    uint32_t connected, inbound, outbound; /* the manager's view */
    uint32_t reserved1;
} libp2pc_discovery_counters;

/* libp2pc_node_discovery_counters: fills *out with the discovery and peer
 * management counters.
 *   Returns   INVALID_ARGUMENT if out is NULL or its struct_size is out of
 *             bounds; BAD_STATE without discovery. Works in every state
 *             until destroy.
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  out: struct_size read, then written (struct_size bytes at
 *             most).
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_node_discovery_counters(libp2pc_node node, libp2pc_discovery_counters *out);
#endif

/* ----------------------------------------------------------------------- */
/* Diagnostics                                                              */
/* ----------------------------------------------------------------------- */

/* libp2pc_debug_panic: raises a Go panic inside the library and returns
 * what the panic guard made of it. For host test suites that check a
 * library fault surfaces as an error and not as a crash.
 *   Returns   always INTERNAL, with the panic's text in libp2pc_last_error().
 *   Threads   any, also inside the callback; never waits.
 *   Pointers  none.
 *   Since     ABI 2.0. */
#ifndef LIBP2PC_NO_PROTOTYPES
int libp2pc_debug_panic(void);
#endif

/* The three functions below are implemented in C (no Go involved), so they
 * are declared for every build and work even before libp2pc_init. */

/* libp2pc_last_error: the message of the last failed libp2pc_* call on the
 * calling thread, or "" if none failed yet.
 *   Returns   never NULL.
 *   Threads   any; per thread.
 *   Pointers  the result: owned by the library, valid on this thread until
 *             its next failing call overwrites it (copy it to keep it).
 *   Since     ABI 2.0. */
const char *libp2pc_last_error(void);

/* libp2pc_strerror: the fixed name of an error code ("unknown" for any
 * other value).
 *   Returns   a static string, never NULL.
 *   Threads   any; never waits. Needs no libp2pc_init.
 *   Pointers  the result: static, owned by the library.
 *   Since     ABI 2.0. */
const char *libp2pc_strerror(int code);

/* libp2pc_event_type_name: the fixed name of an event type ("message",
 * "peer_connected", ...; "unknown" for any other value).
 *   Returns   a static string, never NULL.
 *   Threads   any; never waits. Needs no libp2pc_init.
 *   Pointers  the result: static, owned by the library.
 *   Since     ABI 2.0. */
const char *libp2pc_event_type_name(uint32_t type);

#ifdef __cplusplus
}
#endif

#endif /* LIBP2PC_H */
