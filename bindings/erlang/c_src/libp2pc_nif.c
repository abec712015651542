/* libp2pc_nif: the whole libp2pc C API as Erlang NIFs (module libp2pc_nif),
 * used by the OTP application's per-node gen_server (libp2pc_node).
 *
 * A node runs in libp2pc's callback mode: the library's delivery thread
 * (never a scheduler) copies each event into a map and enif_send()s it to
 * the node's owner process as {libp2pc_nif_event, Handle, Event}. No NIF
 * waits: every libp2pc call returns at once. The calls that touch files or
 * do work linear in a large input run on dirty schedulers: node_new (the
 * identity key file), eth2_configure (config_path), get_block / get_state
 * (the store), metrics_serve and membership_start (bind a socket) on dirty
 * I/O; eth2_publish (snappy) and chain_submit_block / chain_start (decode,
 * hash, copy states of megabytes) on dirty CPU.
 *
 * Event maps carry every field of libp2pc_event; type is an atom for the
 * kinds of ABI 2.2 and the raw integer for a kind a newer library adds, so
 * nothing is dropped. Errors are {error, Code, Message}: Code an atom
 * (invalid_argument, bad_state, ...), Message libp2pc_last_error(). */
#include <erl_nif.h>
#include <stdlib.h>
#include <string.h>

#include "libp2pc.h"
#include "p2p_common.h"

/* ------------------------------------------------------------- resources */

/* What the delivery thread needs: where to send. Owned by the library from
 * start until STOPPED is delivered (the callback frees it then), by the
 * resource before start. */
typedef struct sink {
    ErlNifPid pid;
    uint64_t handle;
} sink;

typedef struct node_res {
    ErlNifMutex *mu;
    libp2pc_node handle;
    sink *sink;
    int started;
    int destroyed;
} node_res;

static ErlNifResourceType *NODE_RES;

/* Destroys the node once. A node that never started delivers nothing, so
 * its sink is freed here; a started one frees it with its STOPPED. */
static int node_destroy_locked(node_res *r) {
    if (r->destroyed) return LIBP2PC_ERR_BAD_HANDLE;
    int rc = libp2pc_node_destroy(r->handle);
    if (rc == LIBP2PC_OK) {
        r->destroyed = 1;
        if (!r->started) free(r->sink);
        r->sink = NULL;
    }
    return rc;
}

static void node_dtor(ErlNifEnv *env, void *obj) {
    (void)env;
    node_res *r = obj;
    enif_mutex_lock(r->mu);
    if (r->handle != 0) node_destroy_locked(r);
    enif_mutex_unlock(r->mu);
    enif_mutex_destroy(r->mu);
}

/* ----------------------------------------------------------------- terms */

static ERL_NIF_TERM atom(ErlNifEnv *env, const char *name) {
    ERL_NIF_TERM a;
    if (enif_make_existing_atom(env, name, &a, ERL_NIF_LATIN1)) return a;
    return enif_make_atom(env, name);
}

static ERL_NIF_TERM ok(ErlNifEnv *env, ERL_NIF_TERM v) {
    return enif_make_tuple2(env, atom(env, "ok"), v);
}

static ERL_NIF_TERM bin(ErlNifEnv *env, const void *p, size_t n) {
    ERL_NIF_TERM t;
    unsigned char *d = enif_make_new_binary(env, n, &t);
    if (n > 0) memcpy(d, p, n);
    return t;
}

static ERL_NIF_TERM str(ErlNifEnv *env, const char *s) {
    return s ? bin(env, s, strlen(s)) : bin(env, "", 0);
}

static ERL_NIF_TERM error_rc(ErlNifEnv *env, int rc) {
    return enif_make_tuple3(env, atom(env, "error"), atom(env, p2p_err_atom(rc)), str(env, libp2pc_last_error()));
}

static ERL_NIF_TERM result(ErlNifEnv *env, int rc) {
    return rc == LIBP2PC_OK ? atom(env, "ok") : error_rc(env, rc);
}

static ERL_NIF_TERM result_id(ErlNifEnv *env, int rc, uint64_t id) {
    return rc == LIBP2PC_OK ? ok(env, enif_make_uint64(env, id)) : error_rc(env, rc);
}

static ERL_NIF_TERM bad_arg(ErlNifEnv *env, const char *what) {
    return enif_make_tuple3(env, atom(env, "error"), atom(env, "invalid_argument"), str(env, what));
}

static void put(ErlNifEnv *env, ERL_NIF_TERM *map, const char *key, ERL_NIF_TERM v) {
    enif_make_map_put(env, *map, atom(env, key), v, map);
}

#define PUT_U64(env, m, s, f) put(env, &(m), #f, enif_make_uint64(env, (uint64_t)(s).f))

/* An owned NUL-terminated copy of an iodata term (NULL on failure). */
static char *cstr_of(ErlNifEnv *env, ERL_NIF_TERM t) {
    ErlNifBinary b;
    if (!enif_inspect_iolist_as_binary(env, t, &b)) return NULL;
    char *s = malloc(b.size + 1);
    if (!s) return NULL;
    memcpy(s, b.data, b.size);
    s[b.size] = 0;
    return s;
}

/* 'undefined' -> NULL with *ok = 1; iodata -> copy. */
static char *opt_cstr(ErlNifEnv *env, ERL_NIF_TERM t, int *okp) {
    if (enif_is_identical(t, atom(env, "undefined"))) {
        *okp = 1;
        return NULL;
    }
    char *s = cstr_of(env, t);
    *okp = s != NULL;
    return s;
}

static int get_bin(ErlNifEnv *env, ERL_NIF_TERM t, ErlNifBinary *b) {
    return enif_inspect_iolist_as_binary(env, t, b);
}

static int get_node(ErlNifEnv *env, ERL_NIF_TERM t, node_res **r) {
    return enif_get_resource(env, t, NODE_RES, (void **)r);
}

/* Handle of the resource, 0 when destroyed (every call then returns
 * BAD_HANDLE, as the library does for a destroyed handle). */
static libp2pc_node H(node_res *r) {
    return r->destroyed ? 0 : r->handle;
}

/* Map lookups with defaults. */
static int map_get(ErlNifEnv *env, ERL_NIF_TERM map, const char *key, ERL_NIF_TERM *v) {
    return enif_get_map_value(env, map, atom(env, key), v);
}

static int map_u64(ErlNifEnv *env, ERL_NIF_TERM map, const char *key, uint64_t *out) {
    ERL_NIF_TERM v;
    if (!map_get(env, map, key, &v)) return 1; /* absent: keep the default */
    ErlNifUInt64 x;
    if (!enif_get_uint64(env, v, &x)) return 0;
    *out = x;
    return 1;
}

static int map_u32(ErlNifEnv *env, ERL_NIF_TERM map, const char *key, uint32_t *out) {
    uint64_t x = *out;
    if (!map_u64(env, map, key, &x) || x > UINT32_MAX) return 0;
    *out = (uint32_t)x;
    return 1;
}

/* Fixed-size byte field: the binary must have exactly n bytes. */
static int map_bytes(ErlNifEnv *env, ERL_NIF_TERM map, const char *key, uint8_t *out, size_t n) {
    ERL_NIF_TERM v;
    if (!map_get(env, map, key, &v)) return 1;
    ErlNifBinary b;
    if (!get_bin(env, v, &b) || b.size != n) return 0;
    memcpy(out, b.data, n);
    return 1;
}

/* A list of iodata as a NULL-free array of owned strings. */
typedef struct strlist {
    char **items;
    size_t n;
} strlist;

static void strlist_free(strlist *l) {
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static int map_strlist(ErlNifEnv *env, ERL_NIF_TERM map, const char *key, strlist *out) {
    out->items = NULL;
    out->n = 0;
    ERL_NIF_TERM v, head;
    if (!map_get(env, map, key, &v)) return 1;
    unsigned len;
    if (!enif_get_list_length(env, v, &len)) return 0;
    out->items = calloc(len ? len : 1, sizeof(char *));
    if (!out->items) return 0;
    while (enif_get_list_cell(env, v, &head, &v)) {
        char *s = cstr_of(env, head);
        if (!s) {
            strlist_free(out);
            return 0;
        }
        out->items[out->n++] = s;
    }
    return 1;
}

/* ---------------------------------------------------------------- events */

static ERL_NIF_TERM event_type(ErlNifEnv *env, uint32_t t) {
    switch (t) {
    case LIBP2PC_EVENT_LISTENING: return atom(env, "listening");
    case LIBP2PC_EVENT_PEER_CONNECTED: return atom(env, "peer_connected");
    case LIBP2PC_EVENT_PEER_DISCONNECTED: return atom(env, "peer_disconnected");
    case LIBP2PC_EVENT_MESSAGE: return atom(env, "message");
    case LIBP2PC_EVENT_REQUEST_DONE: return atom(env, "request_done");
    case LIBP2PC_EVENT_ERROR: return atom(env, "error");
    case LIBP2PC_EVENT_DROPS: return atom(env, "drops");
    case LIBP2PC_EVENT_STOPPED: return atom(env, "stopped");
    case LIBP2PC_EVENT_TOPIC_PEER_JOINED: return atom(env, "topic_peer_joined");
    case LIBP2PC_EVENT_TOPIC_PEER_LEFT: return atom(env, "topic_peer_left");
    case LIBP2PC_EVENT_MEMBER_MESSAGE: return atom(env, "member_message");
    case LIBP2PC_EVENT_GOSSIP_VALIDATE: return atom(env, "gossip_validate");
    case LIBP2PC_EVENT_RESPONSE_CHUNK: return atom(env, "response_chunk");
    case LIBP2PC_EVENT_INCOMING_REQUEST: return atom(env, "incoming_request");
    case LIBP2PC_EVENT_PEER_STATUS: return atom(env, "peer_status");
    case LIBP2PC_EVENT_PEER_GOODBYE: return atom(env, "peer_goodbye");
    case LIBP2PC_EVENT_PEER_BANNED: return atom(env, "peer_banned");
    case LIBP2PC_EVENT_BLOCK_IMPORTED: return atom(env, "block_imported");
    case LIBP2PC_EVENT_BLOCK_INVALID: return atom(env, "block_invalid");
    case LIBP2PC_EVENT_HEAD_CHANGED: return atom(env, "head_changed");
    case LIBP2PC_EVENT_FINALIZED: return atom(env, "finalized");
    case LIBP2PC_EVENT_SYNC_PROGRESS: return atom(env, "sync_progress");
    case LIBP2PC_EVENT_BLOCK_DROPPED: return atom(env, "block_dropped");
    case LIBP2PC_EVENT_DATA_WAITING: return atom(env, "data_waiting");
    case LIBP2PC_EVENT_DATA_AVAILABLE: return atom(env, "data_available");
    case LIBP2PC_EVENT_DATA_UNAVAILABLE: return atom(env, "data_unavailable");
    case LIBP2PC_EVENT_ENGINE_STATE: return atom(env, "engine_state");
    case LIBP2PC_EVENT_BLOCK_EXECUTION: return atom(env, "block_execution");
    default: return enif_make_uint(env, t); /* a newer kind: kept, raw */
    }
}

static ERL_NIF_TERM event_map(ErlNifEnv *env, const libp2pc_event *ev) {
    ERL_NIF_TERM m = enif_make_new_map(env);
    put(env, &m, "type", event_type(env, ev->type));
    put(env, &m, "status", ev->status == 0 ? atom(env, "ok") : atom(env, p2p_err_atom(ev->status)));
    put(env, &m, "seq", enif_make_uint64(env, ev->seq));
    put(env, &m, "request_id", enif_make_uint64(env, ev->request_id));
    put(env, &m, "peer_id", str(env, ev->peer_id));
    put(env, &m, "direction", str(env, ev->direction));
    put(env, &m, "addr", str(env, ev->addr));
    put(env, &m, "topic", str(env, ev->topic));
    put(env, &m, "msg_id", bin(env, ev->msg_id, ev->msg_id ? ev->msg_id_len : 0));
    put(env, &m, "data", bin(env, ev->data, ev->data ? ev->data_len : 0));
    put(env, &m, "text", str(env, ev->text));
    ERL_NIF_TERM addrs = enif_make_list(env, 0);
    for (size_t i = ev->addrs ? ev->addrs_len : 0; i > 0; i--)
        addrs = enif_make_list_cell(env, str(env, ev->addrs[i - 1]), addrs);
    put(env, &m, "addrs", addrs);
    put(env, &m, "dropped_gossip", enif_make_uint64(env, ev->dropped_gossip));
    put(env, &m, "dropped_errors", enif_make_uint64(env, ev->dropped_errors));
    put(env, &m, "protocol", str(env, ev->protocol));
    put(env, &m, "code", enif_make_uint64(env, ev->code));
    put(env, &m, "context", bin(env, ev->context, ev->context ? ev->context_len : 0));
    return m;
}

/* The delivery thread (not a scheduler): enif_send with a NULL caller env. */
static void on_event(const libp2pc_event *ev, void *user_data) {
    sink *s = user_data;
    ErlNifEnv *env = enif_alloc_env();
    ERL_NIF_TERM msg = enif_make_tuple3(env, atom(env, "libp2pc_nif_event"), enif_make_uint64(env, s->handle),
                                        event_map(env, ev));
    enif_send(NULL, &s->pid, env, msg);
    enif_free_env(env);
    if (ev->type == LIBP2PC_EVENT_STOPPED) free(s); /* the node's last event */
}

/* ------------------------------------------------------------------- log */

static ErlNifMutex *LOG_MU;
static ErlNifPid LOG_PID;
static int LOG_ON;

static void on_log(const libp2pc_log_record *r, void *user_data) {
    (void)user_data;
    enif_mutex_lock(LOG_MU);
    int on = LOG_ON;
    ErlNifPid pid = LOG_PID;
    enif_mutex_unlock(LOG_MU);
    if (!on) return;
    ErlNifEnv *env = enif_alloc_env();
    ERL_NIF_TERM m = enif_make_new_map(env);
    put(env, &m, "level", enif_make_int(env, r->level));
    put(env, &m, "time_unix_ns", enif_make_int64(env, r->time_unix_ns));
    put(env, &m, "logger", str(env, r->logger));
    put(env, &m, "message", str(env, r->message));
    put(env, &m, "dropped", enif_make_uint64(env, r->dropped));
    ERL_NIF_TERM attrs = enif_make_list(env, 0);
    for (uint32_t i = r->attrs_len; i > 0; i--)
        attrs = enif_make_list_cell(env, enif_make_tuple2(env, str(env, r->keys[i - 1]), str(env, r->values[i - 1])),
                                    attrs);
    put(env, &m, "attrs", attrs);
    enif_send(NULL, &pid, env, enif_make_tuple2(env, atom(env, "libp2pc_log"), m));
    enif_free_env(env);
}

/* ------------------------------------------------------------ library */

static ERL_NIF_TERM nif_abi_version(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    (void)argv;
    uint32_t v = libp2pc_abi_version();
    return enif_make_tuple2(env, enif_make_uint(env, v >> 16), enif_make_uint(env, v & 0xffff));
}

static ERL_NIF_TERM nif_event_type_name(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    unsigned t;
    if (!enif_get_uint(env, argv[0], &t)) return enif_make_badarg(env);
    return str(env, libp2pc_event_type_name(t));
}

static ERL_NIF_TERM nif_strerror(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    int c;
    if (!enif_get_int(env, argv[0], &c)) return enif_make_badarg(env);
    return str(env, libp2pc_strerror(c));
}

static ERL_NIF_TERM nif_debug_panic(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    (void)argv;
    return result(env, libp2pc_debug_panic());
}

/* set_log_callback(MinLevel, Pid | undefined) */
static ERL_NIF_TERM nif_set_log_callback(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    int level;
    ErlNifPid pid;
    if (!enif_get_int(env, argv[0], &level)) return enif_make_badarg(env);
    int on = enif_get_local_pid(env, argv[1], &pid);
    if (!on && !enif_is_identical(argv[1], atom(env, "undefined"))) return enif_make_badarg(env);
    enif_mutex_lock(LOG_MU);
    LOG_ON = on;
    if (on) LOG_PID = pid;
    enif_mutex_unlock(LOG_MU);
    return result(env, libp2pc_set_log_callback(level, on ? on_log : NULL, NULL));
}

/* ---------------------------------------------------------------- nodes */

/* node_new(Opts, OwnerPid): Opts a map: listen => [iodata], key_file =>
 * iodata, max_peers, gossip_queue_capacity, control_queue_capacity,
 * error_queue_capacity, max_message_size, dial_timeout_ms, stop_grace_ms.
 * Dirty I/O: reads or writes the key file. */
static ERL_NIF_TERM nif_node_new(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    ErlNifPid pid;
    if (!enif_is_map(env, argv[0]) || !enif_get_local_pid(env, argv[1], &pid)) return enif_make_badarg(env);
    libp2pc_config cfg;
    int rc = libp2pc_config_init_sized(&cfg, sizeof cfg);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    strlist listen;
    if (!map_strlist(env, argv[0], "listen", &listen)) return bad_arg(env, "listen: a list of multiaddrs");
    char *key = NULL;
    ERL_NIF_TERM v;
    if (map_get(env, argv[0], "key_file", &v) && !(key = cstr_of(env, v))) {
        strlist_free(&listen);
        return bad_arg(env, "key_file: a path");
    }
    if (!map_u32(env, argv[0], "max_peers", &cfg.max_peers) ||
        !map_u32(env, argv[0], "gossip_queue_capacity", &cfg.gossip_queue_capacity) ||
        !map_u32(env, argv[0], "control_queue_capacity", &cfg.control_queue_capacity) ||
        !map_u32(env, argv[0], "error_queue_capacity", &cfg.error_queue_capacity) ||
        !map_u32(env, argv[0], "max_message_size", &cfg.max_message_size) ||
        !map_u32(env, argv[0], "dial_timeout_ms", &cfg.dial_timeout_ms) ||
        !map_u32(env, argv[0], "stop_grace_ms", &cfg.stop_grace_ms)) {
        strlist_free(&listen);
        free(key);
        return bad_arg(env, "a limit is not a 32-bit unsigned integer");
    }
    sink *s = calloc(1, sizeof *s);
    if (!s) {
        strlist_free(&listen);
        free(key);
        return enif_make_tuple3(env, atom(env, "error"), atom(env, "internal"), str(env, "out of memory"));
    }
    node_res *r = enif_alloc_resource(NODE_RES, sizeof *r);
    memset(r, 0, sizeof *r);
    r->mu = enif_mutex_create("libp2pc_node");
    s->pid = pid;
    cfg.listen_addrs = (const char *const *)listen.items;
    cfg.listen_addrs_len = listen.n;
    cfg.identity_key_path = key;
    cfg.on_event = on_event;
    cfg.user_data = s;
    rc = libp2pc_node_new(&cfg, &r->handle);
    strlist_free(&listen);
    free(key);
    if (rc != LIBP2PC_OK) {
        ERL_NIF_TERM e = error_rc(env, rc);
        free(s);
        r->destroyed = 1;
        enif_release_resource(r);
        return e;
    }
    s->handle = r->handle;
    r->sink = s;
    ERL_NIF_TERM t = enif_make_resource(env, r);
    enif_release_resource(r);
    return enif_make_tuple3(env, atom(env, "ok"), t, enif_make_uint64(env, r->handle));
}

static ERL_NIF_TERM nif_start(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    node_res *r;
    if (!get_node(env, argv[0], &r)) return enif_make_badarg(env);
    uint64_t id = 0;
    /* Under the lock: destroy must see `started` as the library does. */
    enif_mutex_lock(r->mu);
    int rc = libp2pc_node_start(H(r), &id);
    if (rc == LIBP2PC_OK) r->started = 1;
    enif_mutex_unlock(r->mu);
    return result_id(env, rc, id);
}

static ERL_NIF_TERM nif_destroy(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    node_res *r;
    if (!get_node(env, argv[0], &r)) return enif_make_badarg(env);
    enif_mutex_lock(r->mu);
    int rc = node_destroy_locked(r);
    enif_mutex_unlock(r->mu);
    return result(env, rc);
}

#define NODE_ARG(r)                                                                                                    \
    node_res *r;                                                                                                       \
    if (!get_node(env, argv[0], &r)) return enif_make_badarg(env)

/* Calls taking (Node) and returning a request id. */
#define ID_CALL0(name, fn)                                                                                             \
    static ERL_NIF_TERM name(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {                                    \
        (void)argc;                                                                                                    \
        NODE_ARG(r);                                                                                                   \
        uint64_t id = 0;                                                                                               \
        int rc = fn(H(r), &id); /* before reading id: argument order is unspecified */                                 \
        return result_id(env, rc, id);                                                                                 \
    }
ID_CALL0(nif_stop, libp2pc_node_stop)

/* Calls taking (Node, String) and returning a request id. */
#define ID_CALL1(name, fn)                                                                                             \
    static ERL_NIF_TERM name(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {                                    \
        (void)argc;                                                                                                    \
        NODE_ARG(r);                                                                                                   \
        char *s = cstr_of(env, argv[1]);                                                                               \
        if (!s) return enif_make_badarg(env);                                                                          \
        uint64_t id = 0;                                                                                               \
        int rc = fn(H(r), s, &id);                                                                                     \
        free(s);                                                                                                       \
        return result_id(env, rc, id);                                                                                 \
    }
ID_CALL1(nif_dial, libp2pc_node_dial)
ID_CALL1(nif_disconnect, libp2pc_node_disconnect)
ID_CALL1(nif_subscribe, libp2pc_node_subscribe)
ID_CALL1(nif_unsubscribe, libp2pc_node_unsubscribe)
ID_CALL1(nif_eth2_unsubscribe, libp2pc_node_eth2_unsubscribe)

/* (Node, Topic, Data) -> {ok, Id}. */
#define ID_CALL_DATA(name, fn)                                                                                         \
    static ERL_NIF_TERM name(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {                                    \
        (void)argc;                                                                                                    \
        NODE_ARG(r);                                                                                                   \
        ErlNifBinary d;                                                                                                \
        char *t = cstr_of(env, argv[1]);                                                                               \
        if (!t || !get_bin(env, argv[2], &d)) {                                                                        \
            free(t);                                                                                                   \
            return enif_make_badarg(env);                                                                              \
        }                                                                                                              \
        uint64_t id = 0;                                                                                               \
        int rc = fn(H(r), t, d.data, d.size, &id);                                                                     \
        free(t);                                                                                                       \
        return result_id(env, rc, id);                                                                                 \
    }
ID_CALL_DATA(nif_publish, libp2pc_node_publish)
ID_CALL_DATA(nif_eth2_publish, libp2pc_node_eth2_publish)

static ERL_NIF_TERM nif_peer_id(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    char buf[128];
    int rc = libp2pc_node_peer_id(H(r), buf, sizeof buf);
    return rc == LIBP2PC_OK ? ok(env, str(env, buf)) : error_rc(env, rc);
}

static ERL_NIF_TERM nif_peers(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    libp2pc_peer *p = NULL;
    size_t n = 0;
    int rc = libp2pc_node_peers_sized(H(r), &p, &n, sizeof(libp2pc_peer));
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM l = enif_make_list(env, 0);
    for (size_t i = n; i > 0; i--) {
        ERL_NIF_TERM m = enif_make_new_map(env);
        put(env, &m, "peer_id", str(env, p[i - 1].peer_id));
        put(env, &m, "direction", str(env, p[i - 1].direction));
        put(env, &m, "addr", str(env, p[i - 1].addr));
        l = enif_make_list_cell(env, m, l);
    }
    libp2pc_peers_free(p);
    return ok(env, l);
}

static ERL_NIF_TERM nif_counters(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    libp2pc_counters c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    int rc = libp2pc_node_counters(H(r), &c);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM m = enif_make_new_map(env);
    PUT_U64(env, m, c, events_delivered);
    PUT_U64(env, m, c, dropped_gossip);
    PUT_U64(env, m, c, dropped_errors);
    PUT_U64(env, m, c, dropped_subscription);
    PUT_U64(env, m, c, dropped_outbound_rpcs);
    PUT_U64(env, m, c, stale_gossip);
    PUT_U64(env, m, c, peers_refused_limit);
    PUT_U64(env, m, c, peers_refused_queue);
    PUT_U64(env, m, c, calls_refused_busy);
    PUT_U64(env, m, c, messages_received);
    PUT_U64(env, m, c, messages_published);
    PUT_U64(env, m, c, connected_peers);
    PUT_U64(env, m, c, duplicate_connections);
    PUT_U64(env, m, c, recovered_panics);
    PUT_U64(env, m, c, gossip_queue_len);
    PUT_U64(env, m, c, gossip_queue_capacity);
    PUT_U64(env, m, c, gossip_queue_high_water);
    PUT_U64(env, m, c, control_queue_len);
    PUT_U64(env, m, c, control_queue_capacity);
    PUT_U64(env, m, c, control_queue_high_water);
    PUT_U64(env, m, c, error_queue_len);
    PUT_U64(env, m, c, error_queue_capacity);
    PUT_U64(env, m, c, error_queue_high_water);
    return ok(env, m);
}

/* ------------------------------------------------------------ metrics */

static ERL_NIF_TERM nif_metrics_text(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    char *p = NULL;
    size_t n = 0;
    int rc = libp2pc_node_metrics_text(H(r), &p, &n);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM t = bin(env, p, n);
    libp2pc_free(p);
    return ok(env, t);
}

static ERL_NIF_TERM nif_metrics_serve(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    char *a = cstr_of(env, argv[1]);
    if (!a) return enif_make_badarg(env);
    char bound[128];
    int rc = libp2pc_node_metrics_serve(H(r), a, bound, sizeof bound);
    free(a);
    return rc == LIBP2PC_OK ? ok(env, str(env, bound)) : error_rc(env, rc);
}

/* ---------------------------------------------------------- membership */

/* membership_start(Node, libp2p | tcp, TcpListen | undefined, TcpId | undefined) */
static ERL_NIF_TERM nif_membership_start(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    char transport[16];
    if (!enif_get_atom(env, argv[1], transport, sizeof transport, ERL_NIF_LATIN1)) return enif_make_badarg(env);
    int ok1, ok2;
    char *listen = opt_cstr(env, argv[2], &ok1);
    char *id = opt_cstr(env, argv[3], &ok2);
    if (!ok1 || !ok2) {
        free(listen);
        free(id);
        return enif_make_badarg(env);
    }
    char local[256];
    int rc = libp2pc_node_membership_start(H(r), transport, listen, id, local, sizeof local);
    free(listen);
    free(id);
    return rc == LIBP2PC_OK ? ok(env, str(env, local)) : error_rc(env, rc);
}

static ERL_NIF_TERM nif_membership_addr(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    char buf[512];
    int rc = libp2pc_node_membership_addr(H(r), buf, sizeof buf);
    return rc == LIBP2PC_OK ? ok(env, str(env, buf)) : error_rc(env, rc);
}

/* membership_set(Node, [{Id, Addr}]) */
static ERL_NIF_TERM nif_membership_set(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    unsigned len;
    if (!enif_get_list_length(env, argv[1], &len)) return enif_make_badarg(env);
    libp2pc_member *m = calloc(len ? len : 1, sizeof *m);
    ERL_NIF_TERM list = argv[1], head;
    unsigned n = 0;
    int good = m != NULL;
    while (good && enif_get_list_cell(env, list, &head, &list)) {
        const ERL_NIF_TERM *tup;
        int arity;
        if (!enif_get_tuple(env, head, &arity, &tup) || arity != 2) {
            good = 0;
            break;
        }
        m[n].id = cstr_of(env, tup[0]);
        m[n].addr = cstr_of(env, tup[1]);
        n++;
        good = m[n - 1].id && m[n - 1].addr;
    }
    int rc = good ? libp2pc_node_membership_set_sized(H(r), m, n, sizeof *m) : LIBP2PC_ERR_INVALID_ARGUMENT;
    for (unsigned i = 0; i < n; i++) {
        free((char *)m[i].id);
        free((char *)m[i].addr);
    }
    free(m);
    return good ? result(env, rc) : bad_arg(env, "members: a list of {Id, Addr}");
}

static ERL_NIF_TERM nif_member_send(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifBinary d;
    char *id = cstr_of(env, argv[1]);
    if (!id || !get_bin(env, argv[2], &d)) {
        free(id);
        return enif_make_badarg(env);
    }
    int rc = libp2pc_node_member_send(H(r), id, d.data, d.size);
    free(id);
    return result(env, rc);
}

static ERL_NIF_TERM nif_member_broadcast(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifBinary d;
    if (!get_bin(env, argv[1], &d)) return enif_make_badarg(env);
    return result(env, libp2pc_node_member_broadcast(H(r), d.data, d.size));
}

static ERL_NIF_TERM nif_membership_counters(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    libp2pc_membership_counters c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    int rc = libp2pc_node_membership_counters(H(r), &c);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM m = enif_make_new_map(env);
    PUT_U64(env, m, c, enqueued);
    PUT_U64(env, m, c, sent);
    PUT_U64(env, m, c, sent_bytes);
    PUT_U64(env, m, c, dropped);
    PUT_U64(env, m, c, write_failed);
    PUT_U64(env, m, c, discarded);
    PUT_U64(env, m, c, reconnects);
    PUT_U64(env, m, c, dial_failures);
    PUT_U64(env, m, c, send_too_large);
    PUT_U64(env, m, c, received);
    PUT_U64(env, m, c, received_bytes);
    PUT_U64(env, m, c, oversized_frames);
    PUT_U64(env, m, c, bad_streams);
    PUT_U64(env, m, c, tentative_received);
    PUT_U64(env, m, c, tentative_evictions);
    PUT_U64(env, m, c, tentative_dropped);
    PUT_U64(env, m, c, tentative_flushed);
    PUT_U64(env, m, c, events_queued);
    PUT_U64(env, m, c, events_not_queued);
    PUT_U64(env, m, c, members);
    PUT_U64(env, m, c, connected);
    PUT_U64(env, m, c, receivers);
    PUT_U64(env, m, c, tentative);
    return ok(env, m);
}

static ERL_NIF_TERM nif_member_counters(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    char *id = cstr_of(env, argv[1]);
    if (!id) return enif_make_badarg(env);
    libp2pc_member_counters c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    int rc = libp2pc_node_member_counters(H(r), id, &c);
    free(id);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM m = enif_make_new_map(env);
    PUT_U64(env, m, c, connected);
    PUT_U64(env, m, c, enqueued);
    PUT_U64(env, m, c, sent);
    PUT_U64(env, m, c, sent_bytes);
    PUT_U64(env, m, c, dropped);
    PUT_U64(env, m, c, write_failed);
    PUT_U64(env, m, c, reconnects);
    PUT_U64(env, m, c, dial_failures);
    PUT_U64(env, m, c, received);
    PUT_U64(env, m, c, received_bytes);
    PUT_U64(env, m, c, queue_len);
    PUT_U64(env, m, c, queue_bytes);
    PUT_U64(env, m, c, in_flight);
    return ok(env, m);
}

/* --------------------------------------------------------- eth2 gossip */

/* eth2_configure(Node, #{genesis_time, genesis_validators_root (32 bytes),
 * config_yaml | config_path, slots_per_epoch, active_validators,
 * validation_timeout_ms, max_pending_validations, fork_lead_slots,
 * fork_tail_slots}). Dirty I/O (config_path is read here). */
static ERL_NIF_TERM nif_eth2_configure(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ERL_NIF_TERM map = argv[1], v;
    if (!enif_is_map(env, map)) return enif_make_badarg(env);
    libp2pc_eth2_config c;
    int rc = libp2pc_eth2_config_init_sized(&c, sizeof c);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ErlNifBinary yaml;
    char *path = NULL;
    if (map_get(env, map, "config_yaml", &v)) {
        if (!get_bin(env, v, &yaml)) return bad_arg(env, "config_yaml: iodata");
        c.config_yaml = (const char *)yaml.data;
        c.config_yaml_len = yaml.size;
    }
    if (map_get(env, map, "config_path", &v) && !(path = cstr_of(env, v))) return bad_arg(env, "config_path: a path");
    c.config_path = path;
    if (!map_u64(env, map, "genesis_time", &c.genesis_time) ||
        !map_bytes(env, map, "genesis_validators_root", c.genesis_validators_root, 32) ||
        !map_u64(env, map, "slots_per_epoch", &c.slots_per_epoch) ||
        !map_u64(env, map, "active_validators", &c.active_validators) ||
        !map_u32(env, map, "validation_timeout_ms", &c.validation_timeout_ms) ||
        !map_u32(env, map, "max_pending_validations", &c.max_pending_validations) ||
        !map_u32(env, map, "fork_lead_slots", &c.fork_lead_slots) ||
        !map_u32(env, map, "fork_tail_slots", &c.fork_tail_slots)) {
        free(path);
        return bad_arg(env, "eth2 config: a field has the wrong type or size");
    }
    rc = libp2pc_node_eth2_configure(H(r), &c);
    free(path);
    return result(env, rc);
}

static int mode_of(ErlNifEnv *env, ERL_NIF_TERM t, uint32_t *mode) {
    if (enif_is_identical(t, atom(env, "host"))) *mode = LIBP2PC_ETH2_VALIDATE_HOST;
    else if (enif_is_identical(t, atom(env, "go"))) *mode = LIBP2PC_ETH2_VALIDATE_GO;
    else if (enif_is_identical(t, atom(env, "none"))) *mode = LIBP2PC_ETH2_VALIDATE_NONE;
    else return 0;
    return 1;
}

/* eth2_subscribe(Node, Name, host | go | none) */
static ERL_NIF_TERM nif_eth2_subscribe(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    uint32_t mode;
    if (!mode_of(env, argv[2], &mode)) return bad_arg(env, "validation mode: host, go or none");
    char *t = cstr_of(env, argv[1]);
    if (!t) return enif_make_badarg(env);
    uint64_t id = 0;
    int rc = libp2pc_node_eth2_subscribe(H(r), t, mode, &id);
    free(t);
    return result_id(env, rc, id);
}

static ERL_NIF_TERM nif_eth2_publish_nowait(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifBinary d;
    char *t = cstr_of(env, argv[1]);
    if (!t || !get_bin(env, argv[2], &d)) {
        free(t);
        return enif_make_badarg(env);
    }
    int rc = libp2pc_node_eth2_publish_nowait(H(r), t, d.data, d.size);
    free(t);
    return result(env, rc);
}

static ERL_NIF_TERM nif_eth2_publish_nowait_counters(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    uint64_t dropped = 0, failed = 0;
    int rc = libp2pc_node_eth2_publish_nowait_counters(H(r), &dropped, &failed);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM m = enif_make_new_map(env);
    put(env, &m, "dropped", enif_make_uint64(env, dropped));
    put(env, &m, "failed", enif_make_uint64(env, failed));
    return ok(env, m);
}

/* report_validation(Node, Id, accept | reject | ignore) */
static ERL_NIF_TERM nif_report_validation(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifUInt64 id;
    uint32_t res;
    if (!enif_get_uint64(env, argv[1], &id)) return enif_make_badarg(env);
    if (enif_is_identical(argv[2], atom(env, "accept"))) res = LIBP2PC_VALIDATION_ACCEPT;
    else if (enif_is_identical(argv[2], atom(env, "reject"))) res = LIBP2PC_VALIDATION_REJECT;
    else if (enif_is_identical(argv[2], atom(env, "ignore"))) res = LIBP2PC_VALIDATION_IGNORE;
    else return bad_arg(env, "verdict: accept, reject or ignore");
    return result(env, libp2pc_node_report_validation(H(r), id, res));
}

static ERL_NIF_TERM nif_eth2_counters(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    libp2pc_eth2_counters c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    int rc = libp2pc_node_eth2_counters(H(r), &c);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM m = enif_make_new_map(env);
    PUT_U64(env, m, c, pending_validations);
    PUT_U64(env, m, c, invalid_snappy);
    PUT_U64(env, m, c, compressed_too_large);
    PUT_U64(env, m, c, decoded_too_large);
    PUT_U64(env, m, c, pending_full);
    PUT_U64(env, m, c, peer_gone);
    PUT_U64(env, m, c, unknown_topic);
    PUT_U64(env, m, c, not_subscribed);
    PUT_U64(env, m, c, late_reports);
    PUT_U64(env, m, c, pubsub_rejected);
    PUT_U64(env, m, c, pubsub_ignored);
    PUT_U64(env, m, c, pubsub_throttled);
    ERL_NIF_TERM topics = enif_make_list(env, 0);
    for (int i = LIBP2PC_ETH2_TOPIC_KINDS; i > 0; i--) {
        ERL_NIF_TERM t = enif_make_new_map(env);
        PUT_U64(env, t, c.topics[i - 1], accepted);
        PUT_U64(env, t, c.topics[i - 1], rejected);
        PUT_U64(env, t, c.topics[i - 1], ignored);
        PUT_U64(env, t, c.topics[i - 1], timed_out);
        topics = enif_make_list_cell(env, t, topics);
    }
    put(env, &m, "topics", topics); /* index + 1 = LIBP2PC_ETH2_TOPIC_* + 1 */
    return ok(env, m);
}

/* ------------------------------------------------------------ req/resp */

static ERL_NIF_TERM nif_set_reqresp_timeouts(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    unsigned a, b, c;
    if (!enif_get_uint(env, argv[1], &a) || !enif_get_uint(env, argv[2], &b) || !enif_get_uint(env, argv[3], &c))
        return enif_make_badarg(env);
    return result(env, libp2pc_node_set_reqresp_timeouts(H(r), a, b, c));
}

/* set_status(Node, #{fork_digest (4), finalized_root (32), finalized_epoch,
 * head_root (32), head_slot, earliest_available_slot}) */
static ERL_NIF_TERM nif_set_status(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    libp2pc_eth2_status s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    ERL_NIF_TERM m = argv[1];
    if (!enif_is_map(env, m) || !map_bytes(env, m, "fork_digest", s.fork_digest, 4) ||
        !map_bytes(env, m, "finalized_root", s.finalized_root, 32) ||
        !map_u64(env, m, "finalized_epoch", &s.finalized_epoch) || !map_bytes(env, m, "head_root", s.head_root, 32) ||
        !map_u64(env, m, "head_slot", &s.head_slot) ||
        !map_u64(env, m, "earliest_available_slot", &s.earliest_available_slot))
        return bad_arg(env, "status: a field has the wrong type or size");
    return result(env, libp2pc_node_set_status(H(r), &s));
}

/* set_metadata(Node, #{seq_number, attnets (8), syncnets, custody_group_count}) */
static ERL_NIF_TERM nif_set_metadata(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    libp2pc_eth2_metadata md;
    memset(&md, 0, sizeof md);
    md.struct_size = sizeof md;
    ERL_NIF_TERM m = argv[1];
    uint32_t syncnets = 0;
    if (!enif_is_map(env, m) || !map_u64(env, m, "seq_number", &md.seq_number) ||
        !map_bytes(env, m, "attnets", md.attnets, 8) || !map_u32(env, m, "syncnets", &syncnets) || syncnets > 0xff ||
        !map_u64(env, m, "custody_group_count", &md.custody_group_count))
        return bad_arg(env, "metadata: a field has the wrong type or size");
    md.syncnets = (uint8_t)syncnets;
    return result(env, libp2pc_node_set_metadata(H(r), &md));
}

/* serve(Node, Protocol, by_host | none) */
static ERL_NIF_TERM nif_serve(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    uint32_t mode;
    if (enif_is_identical(argv[2], atom(env, "by_host"))) mode = LIBP2PC_SERVE_BY_HOST;
    else if (enif_is_identical(argv[2], atom(env, "none"))) mode = LIBP2PC_SERVE_NONE;
    else return bad_arg(env, "serve mode: by_host or none");
    char *p = cstr_of(env, argv[1]);
    if (!p) return enif_make_badarg(env);
    int rc = libp2pc_node_serve(H(r), p, mode);
    free(p);
    return result(env, rc);
}

/* request(Node, PeerId, Protocol, Body, TimeoutMs) */
static ERL_NIF_TERM nif_request(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifBinary body;
    unsigned timeout;
    char *peer = cstr_of(env, argv[1]);
    char *proto = cstr_of(env, argv[2]);
    if (!peer || !proto || !get_bin(env, argv[3], &body) || !enif_get_uint(env, argv[4], &timeout)) {
        free(peer);
        free(proto);
        return enif_make_badarg(env);
    }
    uint64_t id = 0;
    int rc = libp2pc_node_request(H(r), peer, proto, body.size ? body.data : NULL, body.size, timeout, &id);
    free(peer);
    free(proto);
    return result_id(env, rc, id);
}

/* respond_chunk(Node, IncomingId, Context (4 bytes) | undefined, Data) */
static ERL_NIF_TERM nif_respond_chunk(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifUInt64 id;
    ErlNifBinary ctx = {0}, d;
    int no_ctx = enif_is_identical(argv[2], atom(env, "undefined"));
    if (!enif_get_uint64(env, argv[1], &id) || (!no_ctx && !get_bin(env, argv[2], &ctx)) || !get_bin(env, argv[3], &d))
        return enif_make_badarg(env);
    return result(env, libp2pc_node_respond_chunk(H(r), id, no_ctx ? NULL : ctx.data, no_ctx ? 0 : ctx.size, d.data,
                                                  d.size));
}

static ERL_NIF_TERM nif_respond_end(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifUInt64 id;
    if (!enif_get_uint64(env, argv[1], &id)) return enif_make_badarg(env);
    return result(env, libp2pc_node_respond_end(H(r), id));
}

/* respond_error(Node, IncomingId, Code, Message) */
static ERL_NIF_TERM nif_respond_error(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifUInt64 id;
    unsigned code;
    if (!enif_get_uint64(env, argv[1], &id) || !enif_get_uint(env, argv[2], &code) || code > 255)
        return enif_make_badarg(env);
    char *msg = cstr_of(env, argv[3]);
    if (!msg) return enif_make_badarg(env);
    int rc = libp2pc_node_respond_error(H(r), id, (uint8_t)code, msg);
    free(msg);
    return result(env, rc);
}

/* goodbye(Node, PeerId, Reason) */
static ERL_NIF_TERM nif_goodbye(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifUInt64 reason;
    char *peer = cstr_of(env, argv[1]);
    if (!peer || !enif_get_uint64(env, argv[2], &reason)) {
        free(peer);
        return enif_make_badarg(env);
    }
    uint64_t id = 0;
    int rc = libp2pc_node_goodbye(H(r), peer, reason, &id);
    free(peer);
    return result_id(env, rc, id);
}

static ERL_NIF_TERM nif_reqresp_counters(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    libp2pc_reqresp_counters c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    int rc = libp2pc_node_reqresp_counters(H(r), &c);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM m = enif_make_new_map(env);
    PUT_U64(env, m, c, requests_sent);
    PUT_U64(env, m, c, requests_failed);
    PUT_U64(env, m, c, requests_timed_out);
    PUT_U64(env, m, c, chunks_received);
    PUT_U64(env, m, c, chunk_events_queued);
    PUT_U64(env, m, c, chunk_waits);
    PUT_U64(env, m, c, incoming_requests);
    PUT_U64(env, m, c, incoming_invalid);
    PUT_U64(env, m, c, incoming_rate_limited);
    PUT_U64(env, m, c, incoming_concurrency);
    PUT_U64(env, m, c, incoming_refused);
    PUT_U64(env, m, c, incoming_stale);
    PUT_U64(env, m, c, incoming_timed_out);
    PUT_U64(env, m, c, incoming_not_served);
    PUT_U64(env, m, c, incoming_stream_errors);
    PUT_U64(env, m, c, chunks_served);
    PUT_U64(env, m, c, status_served);
    PUT_U64(env, m, c, pings_served);
    PUT_U64(env, m, c, metadata_served);
    PUT_U64(env, m, c, goodbyes_received);
    PUT_U64(env, m, c, status_events_dropped);
    PUT_U64(env, m, c, goodbye_events_dropped);
    return ok(env, m);
}

/* ---------------------------------------------------------------- chain */

/* chain_start(Node, #{data_dir, anchor_state, config_yaml,
 * checkpoint_sync_url, checkpoint_id, checkpoint_state, checkpoint_block,
 * ws_checkpoint, backfill_epochs, allow_stale_checkpoint (boolean),
 * custody_group_count, engine_endpoint, jwt_secret_path, jwt_secret (32
 * bytes)}). Dirty CPU: the anchor state (megabytes) is copied. */
static ERL_NIF_TERM nif_chain_start(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ERL_NIF_TERM m = argv[1], v;
    if (!enif_is_map(env, m)) return enif_make_badarg(env);
    libp2pc_chain_config c;
    int rc = libp2pc_chain_config_init_sized(&c, sizeof c);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    char *dir = NULL, *url = NULL, *cid = NULL, *ws = NULL, *engine = NULL, *jwt_path = NULL;
    ErlNifBinary b;
    int good = map_u64(env, m, "backfill_epochs", &c.backfill_epochs) &&
               map_u64(env, m, "custody_group_count", &c.custody_group_count) &&
               map_bytes(env, m, "jwt_secret", c.jwt_secret, sizeof c.jwt_secret);
    if (good && map_get(env, m, "allow_stale_checkpoint", &v)) {
        good = enif_is_identical(v, atom(env, "true")) || enif_is_identical(v, atom(env, "false"));
        c.allow_stale_checkpoint = enif_is_identical(v, atom(env, "true"));
    }
    if (good && map_get(env, m, "engine_endpoint", &v)) good = (engine = cstr_of(env, v)) != NULL;
    if (good && map_get(env, m, "jwt_secret_path", &v)) good = (jwt_path = cstr_of(env, v)) != NULL;
    if (good && map_get(env, m, "data_dir", &v)) good = (dir = cstr_of(env, v)) != NULL;
    if (good && map_get(env, m, "checkpoint_sync_url", &v)) good = (url = cstr_of(env, v)) != NULL;
    if (good && map_get(env, m, "checkpoint_id", &v)) good = (cid = cstr_of(env, v)) != NULL;
    if (good && map_get(env, m, "ws_checkpoint", &v)) good = (ws = cstr_of(env, v)) != NULL;
    if (good && map_get(env, m, "anchor_state", &v) && (good = get_bin(env, v, &b))) {
        c.anchor_state = b.data;
        c.anchor_state_len = b.size;
    }
    if (good && map_get(env, m, "config_yaml", &v) && (good = get_bin(env, v, &b))) {
        c.config_yaml = b.data;
        c.config_yaml_len = b.size;
    }
    if (good && map_get(env, m, "checkpoint_state", &v) && (good = get_bin(env, v, &b))) {
        c.checkpoint_state = b.data;
        c.checkpoint_state_len = b.size;
    }
    if (good && map_get(env, m, "checkpoint_block", &v) && (good = get_bin(env, v, &b))) {
        c.checkpoint_block = b.data;
        c.checkpoint_block_len = b.size;
    }
    uint64_t id = 0;
    if (good) {
        c.data_dir = dir;
        c.checkpoint_sync_url = url;
        c.checkpoint_id = cid;
        c.ws_checkpoint = ws;
        c.engine_endpoint = engine;
        c.jwt_secret_path = jwt_path;
        rc = libp2pc_node_chain_start(H(r), &c, &id);
    }
    free(engine);
    free(jwt_path);
    free(dir);
    free(url);
    free(cid);
    free(ws);
    return good ? result_id(env, rc, id) : bad_arg(env, "chain config: a field has the wrong type");
}

static ERL_NIF_TERM nif_chain_head(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    uint8_t root[32];
    uint64_t slot = 0;
    int rc = libp2pc_node_chain_head(H(r), root, &slot);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    return enif_make_tuple3(env, atom(env, "ok"), bin(env, root, 32), enif_make_uint64(env, slot));
}

static ERL_NIF_TERM nif_chain_finalized(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    uint8_t root[32];
    uint64_t epoch = 0;
    int rc = libp2pc_node_chain_finalized(H(r), root, &epoch);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    return enif_make_tuple3(env, atom(env, "ok"), bin(env, root, 32), enif_make_uint64(env, epoch));
}

/* get_block / get_state (Node, Root): dirty I/O (the store is read here). */
static ERL_NIF_TERM store_read(ErlNifEnv *env, const ERL_NIF_TERM argv[],
                               int (*fn)(libp2pc_node, const uint8_t *, uint8_t **, size_t *)) {
    NODE_ARG(r);
    ErlNifBinary root;
    if (!get_bin(env, argv[1], &root) || root.size != 32) return bad_arg(env, "root: 32 bytes");
    uint8_t *p = NULL;
    size_t n = 0;
    int rc = fn(H(r), root.data, &p, &n);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM t = bin(env, p, n);
    libp2pc_free(p);
    return ok(env, t);
}

static ERL_NIF_TERM nif_get_block(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    return store_read(env, argv, libp2pc_node_get_block);
}

static ERL_NIF_TERM nif_get_state(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    return store_read(env, argv, libp2pc_node_get_state);
}

/* chain_submit_block(Node, Ssz) -> {ok, Root}. Dirty CPU (decodes, hashes). */
static ERL_NIF_TERM nif_chain_submit_block(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifBinary b;
    if (!get_bin(env, argv[1], &b)) return enif_make_badarg(env);
    uint8_t root[32];
    int rc = libp2pc_node_chain_submit_block(H(r), b.data, b.size, root);
    return rc == LIBP2PC_OK ? ok(env, bin(env, root, 32)) : error_rc(env, rc);
}

static ERL_NIF_TERM nif_chain_sync_status(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    libp2pc_chain_sync_status s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    int rc = libp2pc_node_chain_sync_status(H(r), &s);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    s.sync_peer[sizeof s.sync_peer - 1] = 0;
    ERL_NIF_TERM m = enif_make_new_map(env);
    put(env, &m, "syncing", atom(env, s.syncing ? "true" : "false"));
    PUT_U64(env, m, s, head_slot);
    PUT_U64(env, m, s, current_slot);
    PUT_U64(env, m, s, sync_distance);
    PUT_U64(env, m, s, finalized_epoch);
    PUT_U64(env, m, s, sync_start_slot);
    PUT_U64(env, m, s, sync_target_slot);
    put(env, &m, "sync_peer", str(env, s.sync_peer));
    PUT_U64(env, m, s, syncs);
    PUT_U64(env, m, s, synced_blocks);
    PUT_U64(env, m, s, sync_failures);
    PUT_U64(env, m, s, blocks_imported);
    PUT_U64(env, m, s, blocks_invalid);
    PUT_U64(env, m, s, blocks_dropped);
    PUT_U64(env, m, s, blocks_in_flight);
    put(env, &m, "backfilling", atom(env, s.backfilling ? "true" : "false"));
    put(env, &m, "backfill_done", atom(env, s.backfill_done ? "true" : "false"));
    PUT_U64(env, m, s, earliest_slot);
    PUT_U64(env, m, s, backfilled_blocks);
    return ok(env, m);
}

/* chain_da_counters(Node) -> {ok, #{...}}: libp2pc_chain_da_counters. */
static ERL_NIF_TERM nif_chain_da_counters(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    libp2pc_chain_da_counters s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    int rc = libp2pc_node_chain_da_counters(H(r), &s);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM m = enif_make_new_map(env);
    PUT_U64(env, m, s, sidecars_received);
    PUT_U64(env, m, s, sidecars_verified);
    PUT_U64(env, m, s, sidecars_rejected);
    PUT_U64(env, m, s, sidecars_late);
    PUT_U64(env, m, s, sidecars_requested);
    PUT_U64(env, m, s, fetch_requests);
    PUT_U64(env, m, s, fetch_failures);
    PUT_U64(env, m, s, reconstructions);
    PUT_U64(env, m, s, columns_recovered);
    PUT_U64(env, m, s, blocks_waited);
    PUT_U64(env, m, s, blocks_available);
    PUT_U64(env, m, s, blocks_unavailable);
    PUT_U64(env, m, s, dropped_waiting_full);
    PUT_U64(env, m, s, sidecars_stored);
    PUT_U64(env, m, s, sidecars_pruned);
    PUT_U64(env, m, s, sidecars_published);
    PUT_U64(env, m, s, publish_failures);
    PUT_U64(env, m, s, custody_group_count);
    PUT_U64(env, m, s, earliest_sidecar_slot);
    PUT_U64(env, m, s, waiting);
    PUT_U64(env, m, s, tracker_evicted);
    return ok(env, m);
}

/* get_sidecars(Node, Root) -> {ok, Kind, [Sidecar]}: Kind blob |
 * data_column (an integer for a kind a newer library adds), each Sidecar
 * its SSZ, in index order. Dirty I/O (the store is read here), like
 * get_block. The sidecars are sub-binaries of one copy of the buffer. */
static ERL_NIF_TERM nif_get_sidecars(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifBinary root;
    if (!get_bin(env, argv[1], &root) || root.size != 32) return bad_arg(env, "root: 32 bytes");
    uint8_t *p = NULL;
    size_t n = 0;
    uint32_t kind = 0, count = 0;
    int rc = libp2pc_node_get_sidecars(H(r), root.data, &p, &n, &kind, &count);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM all = bin(env, p, n);
    ERL_NIF_TERM *items = count ? enif_alloc(sizeof(ERL_NIF_TERM) * count) : NULL;
    size_t off = 0;
    uint32_t i = 0;
    for (; items && i < count && n - off >= 4; i++) {
        uint32_t len = (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 | (uint32_t)p[off + 2] << 16 |
                       (uint32_t)p[off + 3] << 24;
        off += 4;
        if (n - off < len) break;
        items[i] = enif_make_sub_binary(env, all, off, len);
        off += len;
    }
    libp2pc_free(p);
    int whole = i == count && off == n;
    ERL_NIF_TERM list = whole ? enif_make_list_from_array(env, items, count) : 0;
    if (items) enif_free(items);
    if (!whole) return enif_make_tuple3(env, atom(env, "error"), atom(env, "internal"),
                                        str(env, "get_sidecars: malformed sidecar buffer"));
    ERL_NIF_TERM k = kind == 1 ? atom(env, "blob") : kind == 2 ? atom(env, "data_column") : enif_make_uint(env, kind);
    return enif_make_tuple3(env, atom(env, "ok"), k, list);
}

/* chain_propose_blobs(Node, Block, Blobs) -> {ok, ReqId}: Blobs the
 * concatenated 131072-byte blobs. Dirty CPU (megabytes are copied). */
static ERL_NIF_TERM nif_chain_propose_blobs(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ErlNifBinary block, blobs;
    if (!get_bin(env, argv[1], &block) || !get_bin(env, argv[2], &blobs)) return enif_make_badarg(env);
    if (blobs.size % 131072 != 0) return bad_arg(env, "blobs: a multiple of 131072 bytes");
    uint64_t id = 0;
    int rc = libp2pc_node_chain_propose_blobs(H(r), block.data, block.size, blobs.size ? blobs.data : NULL,
                                              blobs.size / 131072, &id);
    return result_id(env, rc, id);
}

/* ------------------------------------------------------------ discovery */

/* discovery_configure(Node, #{listen_udp, advertise_ip, bootnodes,
 * static_peers, trusted_peers, target_peers, max_peers, prune_above,
 * outbound_percent, ban_seconds, max_ban_seconds, status_timeout_ms,
 * tick_ms, max_finalized_lag, attnets (8), syncnets, custody_group_count}) */
static ERL_NIF_TERM nif_discovery_configure(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ERL_NIF_TERM m = argv[1], v;
    if (!enif_is_map(env, m)) return enif_make_badarg(env);
    libp2pc_discovery_config c;
    int rc = libp2pc_discovery_config_init_sized(&c, sizeof c);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    char *udp = NULL, *ip = NULL;
    strlist boot = {0}, stat = {0}, trust = {0};
    uint32_t syncnets = 0;
    int good = 1;
    if (map_get(env, m, "listen_udp", &v)) good = (udp = cstr_of(env, v)) != NULL;
    if (good && map_get(env, m, "advertise_ip", &v)) good = (ip = cstr_of(env, v)) != NULL;
    good = good && map_strlist(env, m, "bootnodes", &boot) && map_strlist(env, m, "static_peers", &stat) &&
           map_strlist(env, m, "trusted_peers", &trust) && map_u32(env, m, "target_peers", &c.target_peers) &&
           map_u32(env, m, "max_peers", &c.max_peers) && map_u32(env, m, "prune_above", &c.prune_above) &&
           map_u32(env, m, "outbound_percent", &c.outbound_percent) &&
           map_u32(env, m, "ban_seconds", &c.ban_seconds) && map_u32(env, m, "max_ban_seconds", &c.max_ban_seconds) &&
           map_u32(env, m, "status_timeout_ms", &c.status_timeout_ms) && map_u32(env, m, "tick_ms", &c.tick_ms) &&
           map_u64(env, m, "max_finalized_lag", &c.max_finalized_lag) && map_bytes(env, m, "attnets", c.attnets, 8) &&
           map_u32(env, m, "syncnets", &syncnets) && syncnets <= 0xff &&
           map_u64(env, m, "custody_group_count", &c.custody_group_count);
    if (good) {
        c.listen_udp = udp;
        c.advertise_ip = ip;
        c.bootnodes = (const char *const *)boot.items;
        c.bootnodes_len = boot.n;
        c.static_peers = (const char *const *)stat.items;
        c.static_peers_len = stat.n;
        c.trusted_peers = (const char *const *)trust.items;
        c.trusted_peers_len = trust.n;
        c.syncnets = (uint8_t)syncnets;
        rc = libp2pc_node_discovery_configure(H(r), &c);
    }
    free(udp);
    free(ip);
    strlist_free(&boot);
    strlist_free(&stat);
    strlist_free(&trust);
    return good ? result(env, rc) : bad_arg(env, "discovery config: a field has the wrong type or size");
}

static ERL_NIF_TERM nif_fork_digest(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    uint8_t d[4];
    int rc = libp2pc_node_fork_digest(H(r), d);
    return rc == LIBP2PC_OK ? ok(env, bin(env, d, 4)) : error_rc(env, rc);
}

static ERL_NIF_TERM nif_enr(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    char buf[1024];
    int rc = libp2pc_node_enr(H(r), buf, sizeof buf);
    return rc == LIBP2PC_OK ? ok(env, str(env, buf)) : error_rc(env, rc);
}

/* update_enr(Node, Attnets (8 bytes) | undefined, Syncnets | undefined, Cgc | undefined) -> {ok, Seq} */
static ERL_NIF_TERM nif_update_enr(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    ERL_NIF_TERM undef = atom(env, "undefined");
    ErlNifBinary att;
    unsigned syncnets = 0xff;
    ErlNifUInt64 cgc = 0;
    const uint8_t *a = NULL;
    if (!enif_is_identical(argv[1], undef)) {
        if (!get_bin(env, argv[1], &att) || att.size != 8) return bad_arg(env, "attnets: 8 bytes");
        a = att.data;
    }
    if (!enif_is_identical(argv[2], undef) && (!enif_get_uint(env, argv[2], &syncnets) || syncnets > 0xff))
        return bad_arg(env, "syncnets: 0..15");
    if (!enif_is_identical(argv[3], undef) && !enif_get_uint64(env, argv[3], &cgc))
        return bad_arg(env, "custody group count: an integer");
    uint64_t seq = 0;
    int rc = libp2pc_node_update_enr(H(r), a, (uint8_t)syncnets, cgc, &seq);
    return rc == LIBP2PC_OK ? ok(env, enif_make_uint64(env, seq)) : error_rc(env, rc);
}

static ERL_NIF_TERM nif_peer_table(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    libp2pc_peer_info *t = NULL;
    size_t n = 0;
    int rc = libp2pc_node_peer_table_sized(H(r), &t, &n, sizeof(libp2pc_peer_info));
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM l = enif_make_list(env, 0);
    for (size_t i = n; i > 0; i--) {
        const libp2pc_peer_info *p = &t[i - 1];
        ERL_NIF_TERM m = enif_make_new_map(env);
        put(env, &m, "peer_id", str(env, p->peer_id));
        put(env, &m, "direction", str(env, p->direction));
        put(env, &m, "addr", str(env, p->addr));
        put(env, &m, "agent", str(env, p->agent));
        put(env, &m, "ban_reason", str(env, p->ban_reason));
        put(env, &m, "score", enif_make_double(env, p->score));
        PUT_U64(env, m, *p, flags);
        put(env, &m, "connected", atom(env, p->flags & LIBP2PC_PEER_CONNECTED ? "true" : "false"));
        put(env, &m, "has_status", atom(env, p->flags & LIBP2PC_PEER_HAS_STATUS ? "true" : "false"));
        PUT_U64(env, m, *p, connected_since_ms);
        PUT_U64(env, m, *p, banned_until_ms);
        PUT_U64(env, m, *p, enr_seq);
        put(env, &m, "attnets", bin(env, p->attnets, 8));
        PUT_U64(env, m, *p, syncnets);
        PUT_U64(env, m, *p, custody_group_count);
        put(env, &m, "fork_digest", bin(env, p->fork_digest, 4));
        put(env, &m, "finalized_root", bin(env, p->finalized_root, 32));
        PUT_U64(env, m, *p, finalized_epoch);
        put(env, &m, "head_root", bin(env, p->head_root, 32));
        PUT_U64(env, m, *p, head_slot);
        PUT_U64(env, m, *p, earliest_available_slot);
        l = enif_make_list_cell(env, m, l);
    }
    libp2pc_peer_table_free(t);
    return ok(env, l);
}

/* ban(Node, PeerId, Seconds, Reason) */
static ERL_NIF_TERM nif_ban(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    unsigned secs;
    ErlNifUInt64 reason;
    char *peer = cstr_of(env, argv[1]);
    if (!peer || !enif_get_uint(env, argv[2], &secs) || !enif_get_uint64(env, argv[3], &reason)) {
        free(peer);
        return enif_make_badarg(env);
    }
    int rc = libp2pc_node_ban(H(r), peer, secs, reason);
    free(peer);
    return result(env, rc);
}

static ERL_NIF_TERM nif_discovery_counters(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    NODE_ARG(r);
    libp2pc_discovery_counters c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    int rc = libp2pc_node_discovery_counters(H(r), &c);
    if (rc != LIBP2PC_OK) return error_rc(env, rc);
    ERL_NIF_TERM m = enif_make_new_map(env);
    PUT_U64(env, m, c, discovered);
    PUT_U64(env, m, c, address_book);
    PUT_U64(env, m, c, dials);
    PUT_U64(env, m, c, dials_failed);
    PUT_U64(env, m, c, goodbyes_sent);
    PUT_U64(env, m, c, bans);
    PUT_U64(env, m, c, banned);
    PUT_U64(env, m, c, refused_banned);
    PUT_U64(env, m, c, ban_events_dropped);
    PUT_U64(env, m, c, gossip_rejects);
    PUT_U64(env, m, c, reqresp_faults);
    PUT_U64(env, m, c, faults_dropped);
    PUT_U64(env, m, c, status_checked);
    PUT_U64(env, m, c, subnet_searches);
    PUT_U64(env, m, c, enr_seq);
    PUT_U64(env, m, c, connected);
    PUT_U64(env, m, c, inbound);
    PUT_U64(env, m, c, outbound);
    return ok(env, m);
}

/* ---------------------------------------------------------------- load */

static int load(ErlNifEnv *env, void **priv, ERL_NIF_TERM info) {
    (void)priv;
    (void)info;
    NODE_RES = enif_open_resource_type(env, NULL, "libp2pc_node", node_dtor, ERL_NIF_RT_CREATE, NULL);
    LOG_MU = enif_mutex_create("libp2pc_log");
    if (!NODE_RES || !LOG_MU) return 1;
    /* The NIF is built against this header: refuse a library of another
     * major, or an older minor, at load time. */
    return libp2pc_init(LIBP2PC_ABI_VERSION) == LIBP2PC_OK ? 0 : 1;
}

#define IO ERL_NIF_DIRTY_JOB_IO_BOUND
#define CPU ERL_NIF_DIRTY_JOB_CPU_BOUND

static ErlNifFunc funcs[] = {
    {"abi_version", 0, nif_abi_version, 0},
    {"event_type_name", 1, nif_event_type_name, 0},
    {"strerror", 1, nif_strerror, 0},
    {"debug_panic", 0, nif_debug_panic, 0},
    {"set_log_callback", 2, nif_set_log_callback, 0},
    {"new", 2, nif_node_new, IO},
    {"start", 1, nif_start, 0},
    {"stop", 1, nif_stop, 0},
    {"destroy", 1, nif_destroy, 0},
    {"peer_id", 1, nif_peer_id, 0},
    {"dial", 2, nif_dial, 0},
    {"disconnect", 2, nif_disconnect, 0},
    {"peers", 1, nif_peers, 0},
    {"subscribe", 2, nif_subscribe, 0},
    {"unsubscribe", 2, nif_unsubscribe, 0},
    {"publish", 3, nif_publish, 0},
    {"counters", 1, nif_counters, 0},
    {"metrics_text", 1, nif_metrics_text, 0},
    {"metrics_serve", 2, nif_metrics_serve, IO},
    {"membership_start", 4, nif_membership_start, IO},
    {"membership_addr", 1, nif_membership_addr, 0},
    {"membership_set", 2, nif_membership_set, 0},
    {"member_send", 3, nif_member_send, 0},
    {"member_broadcast", 2, nif_member_broadcast, 0},
    {"membership_counters", 1, nif_membership_counters, 0},
    {"member_counters", 2, nif_member_counters, 0},
    {"eth2_configure", 2, nif_eth2_configure, IO},
    {"eth2_subscribe", 3, nif_eth2_subscribe, 0},
    {"eth2_unsubscribe", 2, nif_eth2_unsubscribe, 0},
    {"eth2_publish", 3, nif_eth2_publish, CPU},
    {"report_validation", 3, nif_report_validation, 0},
    {"eth2_counters", 1, nif_eth2_counters, 0},
    {"eth2_publish_nowait", 3, nif_eth2_publish_nowait, 0},
    {"eth2_publish_nowait_counters", 1, nif_eth2_publish_nowait_counters, 0},
    {"set_reqresp_timeouts", 4, nif_set_reqresp_timeouts, 0},
    {"set_status", 2, nif_set_status, 0},
    {"set_metadata", 2, nif_set_metadata, 0},
    {"serve", 3, nif_serve, 0},
    {"request", 5, nif_request, 0},
    {"respond_chunk", 4, nif_respond_chunk, 0},
    {"respond_end", 2, nif_respond_end, 0},
    {"respond_error", 4, nif_respond_error, 0},
    {"goodbye", 3, nif_goodbye, 0},
    {"reqresp_counters", 1, nif_reqresp_counters, 0},
    {"chain_start", 2, nif_chain_start, CPU},
    {"chain_head", 1, nif_chain_head, 0},
    {"chain_finalized", 1, nif_chain_finalized, 0},
    {"get_block", 2, nif_get_block, IO},
    {"get_state", 2, nif_get_state, IO},
    {"chain_submit_block", 2, nif_chain_submit_block, CPU},
    {"chain_sync_status", 1, nif_chain_sync_status, 0},
    {"chain_da_counters", 1, nif_chain_da_counters, 0},
    {"get_sidecars", 2, nif_get_sidecars, IO},
    {"chain_propose_blobs", 3, nif_chain_propose_blobs, CPU},
    {"discovery_configure", 2, nif_discovery_configure, 0},
    {"fork_digest", 1, nif_fork_digest, 0},
    {"enr", 1, nif_enr, 0},
    {"update_enr", 4, nif_update_enr, 0},
    {"peer_table", 1, nif_peer_table, 0},
    {"ban", 4, nif_ban, 0},
    {"discovery_counters", 1, nif_discovery_counters, 0},
};

ERL_NIF_INIT(libp2pc_nif, funcs, load, NULL, NULL, NULL)
