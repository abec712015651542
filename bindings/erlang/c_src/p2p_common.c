#include "p2p_common.h"

#include <stdlib.h>
#include <string.h>

void p2p_buf_put(p2p_buf *b, const void *data, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n) cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) abort();
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
}

void p2p_buf_u8(p2p_buf *b, uint8_t v) { p2p_buf_put(b, &v, 1); }

void p2p_buf_u32(p2p_buf *b, uint32_t v) {
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    p2p_buf_put(b, x, 4);
}

void p2p_buf_u64(p2p_buf *b, uint64_t v) {
    p2p_buf_u32(b, (uint32_t)(v >> 32));
    p2p_buf_u32(b, (uint32_t)v);
}

void p2p_buf_free(p2p_buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

const char *p2p_err_atom(int code) {
    switch (code) {
    case LIBP2PC_OK: return "ok";
    case LIBP2PC_ERR_INVALID_ARGUMENT: return "invalid_argument";
    case LIBP2PC_ERR_BAD_HANDLE: return "bad_handle";
    case LIBP2PC_ERR_BAD_STATE: return "bad_state";
    case LIBP2PC_ERR_QUEUE_FULL: return "queue_full";
    case LIBP2PC_ERR_NOT_FOUND: return "not_found";
    case LIBP2PC_ERR_NETWORK: return "network";
    case LIBP2PC_ERR_TIMEOUT: return "timeout";
    case LIBP2PC_ERR_IO: return "io";
    case LIBP2PC_ERR_ABI_MISMATCH: return "abi_mismatch";
    case LIBP2PC_ERR_NOT_INITIALIZED: return "not_initialized";
    case LIBP2PC_ERR_IN_CALLBACK: return "in_callback";
    case LIBP2PC_ERR_INTERNAL: return "internal";
    case LIBP2PC_ERR_STOPPED: return "stopped";
    case LIBP2PC_ERR_TOO_LARGE: return "too_large";
    case LIBP2PC_ERR_UNSUPPORTED: return "unsupported";
    default: return "unknown";
    }
}

static void reply_error(p2p_buf *out, int code, const char *msg) {
    out->len = 0;
    p2p_buf_u8(out, 1);
    p2p_buf_u32(out, (uint32_t)code);
    if (msg) p2p_buf_put(out, msg, strlen(msg));
}

static void reply_rc(p2p_buf *out, int rc) {
    reply_error(out, rc, libp2pc_last_error());
}

static void reply_req(p2p_buf *out, uint64_t req) {
    p2p_buf_u8(out, 0);
    p2p_buf_u64(out, req);
}

/* Reads a <<Len:32, Bytes>> field as a fresh NUL-terminated string. */
static char *take_str(const unsigned char **p, size_t *left) {
    if (*left < 4) return NULL;
    uint32_t n = ((uint32_t)(*p)[0] << 24) | ((uint32_t)(*p)[1] << 16) |
                 ((uint32_t)(*p)[2] << 8) | (uint32_t)(*p)[3];
    if (*left - 4 < n) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) abort();
    memcpy(s, *p + 4, n);
    s[n] = 0;
    *p += 4 + (size_t)n;
    *left -= 4 + (size_t)n;
    return s;
}

static uint32_t take_u32(const unsigned char **p, size_t *left, int *ok) {
    if (*left < 4) { *ok = 0; return 0; }
    uint32_t n = ((uint32_t)(*p)[0] << 24) | ((uint32_t)(*p)[1] << 16) |
                 ((uint32_t)(*p)[2] << 8) | (uint32_t)(*p)[3];
    *p += 4;
    *left -= 4;
    return n;
}

static char *dup_bytes(const unsigned char *args, size_t len) {
    char *s = malloc(len + 1);
    if (!s) abort();
    if (len) memcpy(s, args, len);
    s[len] = 0;
    return s;
}

static void put_str(p2p_buf *out, const char *s) {
    size_t n = s ? strlen(s) : 0;
    p2p_buf_u32(out, (uint32_t)n);
    p2p_buf_put(out, s, n);
}

/* NEW args: <<NListen:32, {Len:32, Addr}..., KeyLen:32, Key, MaxPeers:32>>
 * (an empty key means an ephemeral identity). */
static void exec_new(libp2pc_node *node, const unsigned char *p, size_t left, p2p_buf *out) {
    if (*node) { reply_error(out, LIBP2PC_ERR_BAD_STATE, "node already created"); return; }
    int ok = 1;
    uint32_t n = take_u32(&p, &left, &ok);
    if (!ok || n > 64) { reply_error(out, LIBP2PC_ERR_INVALID_ARGUMENT, "bad new arguments"); return; }
    char **addrs = calloc(n ? n : 1, sizeof(char *));
    char *key = NULL;
    uint32_t i, got = 0;
    for (i = 0; i < n; i++) {
        addrs[i] = take_str(&p, &left);
        if (!addrs[i]) { ok = 0; break; }
        got++;
    }
    if (ok) key = take_str(&p, &left);
    uint32_t max_peers = ok && key ? take_u32(&p, &left, &ok) : 0;
    if (!ok || !key) {
        reply_error(out, LIBP2PC_ERR_INVALID_ARGUMENT, "bad new arguments");
    } else {
        libp2pc_config cfg;
        libp2pc_config_init(&cfg);
        cfg.listen_addrs = (const char *const *)addrs;
        cfg.listen_addrs_len = n;
        cfg.identity_key_path = key[0] ? key : NULL;
        cfg.max_peers = max_peers;
        cfg.on_event = NULL; /* poll mode */
        int rc = libp2pc_node_new(&cfg, node);
        if (rc != LIBP2PC_OK) { *node = 0; reply_rc(out, rc); }
        else p2p_buf_u8(out, 0);
    }
    for (i = 0; i < got; i++) free(addrs[i]);
    free(addrs);
    free(key);
}

void p2p_exec(libp2pc_node *node, int cmd, const unsigned char *args, size_t len,
              p2p_buf *out) {
    uint64_t req = 0;
    int rc;
    char *s;
    out->len = 0;
    if (cmd == P2P_CMD_NEW) { exec_new(node, args, len, out); return; }
    if (cmd == P2P_CMD_PANIC) {
        rc = libp2pc_debug_panic();
        if (rc == LIBP2PC_OK) p2p_buf_u8(out, 0);
        else reply_rc(out, rc);
        return;
    }
    if (!*node) { reply_error(out, LIBP2PC_ERR_BAD_HANDLE, "no node (not created or already destroyed)"); return; }
    switch (cmd) {
    case P2P_CMD_START:
        rc = libp2pc_node_start(*node, &req);
        break;
    case P2P_CMD_STOP:
        rc = libp2pc_node_stop(*node, &req);
        break;
    case P2P_CMD_DIAL:
    case P2P_CMD_SUBSCRIBE:
    case P2P_CMD_UNSUBSCRIBE:
    case P2P_CMD_DISCONNECT:
        s = dup_bytes(args, len);
        if (cmd == P2P_CMD_DIAL) rc = libp2pc_node_dial(*node, s, &req);
        else if (cmd == P2P_CMD_SUBSCRIBE) rc = libp2pc_node_subscribe(*node, s, &req);
        else if (cmd == P2P_CMD_UNSUBSCRIBE) rc = libp2pc_node_unsubscribe(*node, s, &req);
        else rc = libp2pc_node_disconnect(*node, s, &req);
        free(s);
        break;
    case P2P_CMD_PUBLISH: {
        const unsigned char *p = args;
        size_t left = len;
        s = take_str(&p, &left);
        if (!s) { reply_error(out, LIBP2PC_ERR_INVALID_ARGUMENT, "bad publish arguments"); return; }
        rc = libp2pc_node_publish(*node, s, p, left, &req);
        free(s);
        break;
    }
    case P2P_CMD_PEER_ID: {
        char buf[128];
        rc = libp2pc_node_peer_id(*node, buf, sizeof buf);
        if (rc != LIBP2PC_OK) { reply_rc(out, rc); return; }
        p2p_buf_u8(out, 0);
        p2p_buf_put(out, buf, strlen(buf));
        return;
    }
    case P2P_CMD_PEERS: {
        libp2pc_peer *peers = NULL;
        size_t count = 0, i;
        rc = libp2pc_node_peers(*node, &peers, &count);
        if (rc != LIBP2PC_OK) { reply_rc(out, rc); return; }
        p2p_buf_u8(out, 0);
        p2p_buf_u32(out, (uint32_t)count);
        for (i = 0; i < count; i++) {
            put_str(out, peers[i].peer_id);
            put_str(out, peers[i].direction);
            put_str(out, peers[i].addr);
        }
        libp2pc_peers_free(peers);
        return;
    }
    case P2P_CMD_COUNTERS: {
        libp2pc_counters c;
        memset(&c, 0, sizeof c);
        c.struct_size = sizeof c;
        rc = libp2pc_node_counters(*node, &c);
        if (rc != LIBP2PC_OK) { reply_rc(out, rc); return; }
        p2p_buf_u8(out, 0);
        uint64_t v[] = {c.events_delivered, c.dropped_gossip, c.dropped_errors,
                        c.dropped_subscription, c.dropped_outbound_rpcs, c.stale_gossip,
                        c.peers_refused_limit, c.peers_refused_queue, c.calls_refused_busy,
                        c.messages_received, c.messages_published, c.connected_peers,
                        c.duplicate_connections, c.recovered_panics,
                        c.gossip_queue_len, c.gossip_queue_capacity, c.gossip_queue_high_water,
                        c.control_queue_len, c.control_queue_capacity, c.control_queue_high_water,
                        c.error_queue_len, c.error_queue_capacity, c.error_queue_high_water};
        size_t i;
        for (i = 0; i < sizeof v / sizeof v[0]; i++) p2p_buf_u64(out, v[i]);
        return;
    }
    default:
        reply_error(out, LIBP2PC_ERR_INVALID_ARGUMENT, "unknown command");
        return;
    }
    if (rc != LIBP2PC_OK) reply_rc(out, rc);
    else reply_req(out, req);
}
