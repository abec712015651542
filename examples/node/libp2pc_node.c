/*
 * libp2pc-node: a reference host program over the public C API only.
 *
 *   libp2pc-node [--listen MULTIADDR]... [--key FILE] [--peer MULTIADDR]...
 *                [--subscribe TOPIC]... [--publish TOPIC=FILE]... [--publish-on-signal]
 *                [--exit-after-s N]
 *                [eth2 mode: --eth2-config FILE --genesis-time UNIX [--genesis-validators-root HEX]
 *                 [--fork-digest HEX] [--eth2-topic NAME[:host|go|none]]...
 *                 [--validate accept|reject|ignore|none-answer] [--eth2-publish NAME:FILE]...
 *                 [--serve PROTOCOL]... [--serve-dir DIR] [--request PEER:PROTOCOL:HEXBODY]...
 *                 [--discovery-port N] [--bootnode ENR]... [--target-peers N]
 *                 [--data-dir DIR [--genesis-state FILE]]]
 *                [--metrics-addr IP:PORT] [--log-level debug|info|warn|error]
 *
 * Prints one JSON object per line on stdout for every event ("event" and
 * "seq" fields). Each --publish file is published once, when the first peer
 * joins its topic (which must also be given with --subscribe), or, with
 * --publish-on-signal, when the process receives SIGUSR1. SIGINT,
 * SIGTERM or --exit-after-s stop the node cleanly; the last line is the
 * "stopped" event with delivered and dropped counts. Errors go to stderr
 * with exit status 1.
 *
 * Eth2 mode (--eth2-config) makes the node an Ethereum consensus node
 * (libp2pc_node_eth2_configure with the config file, --genesis-time and
 * --genesis-validators-root, default all zero). The program reads the same
 * config itself to compute the fork digest of the wall-clock epoch, an
 * independent check of the library's (libp2pc_node_fork_digest): the
 * program exits with an error at "listening" if the two differ. It is
 * printed in the "listening" line ("fork_digest", "slot"), --fork-digest
 * makes the program fail when it differs, and it goes into the node's Status (zero roots, finalized epoch
 * 0, head slot = the current slot, refreshed every slot) and MetaData
 * (seq_number 1, no subnets), so the library runs the status handshake with
 * every peer it dials. Then:
 *   --eth2-topic NAME[:MODE]  subscribes to an eth2 topic name (beacon_block,
 *       beacon_attestation_3, ...); MODE is host (default: two-phase, the
 *       program answers), go (the library's Go validator) or none.
 *   --validate R  what the program answers for host validations: accept
 *       (default), reject, ignore, or none-answer (never answer: the
 *       library's deadline IGNOREs). The callback only queues the
 *       validation id; a separate worker thread answers it
 *       (libp2pc_node_report_validation) and prints a "validation" line.
 *   --eth2-publish NAME:FILE  publishes the file's bytes (SSZ) on eth2 topic
 *       NAME when the first peer joins it (or on SIGUSR1 with
 *       --publish-on-signal); the "publishing" line carries the full topic
 *       and the message id the receivers will report (computed here).
 *   --serve PROTOCOL  serves a req/resp data protocol by the host (full ID or
 *       a short name: blocks_by_range, blocks_by_root, blob_sidecars_by_range,
 *       ...). The worker thread answers each incoming request from
 *       --serve-dir: blocks_by_range with the files <slot>.ssz of the
 *       requested slots, blocks_by_root with <root hex>.ssz, as Success
 *       chunks (context: the current fork digest); when none exists (or for
 *       other protocols, or without --serve-dir) with ResourceUnavailable.
 *   --request PEER:PROTOCOL:HEXBODY  sends a request once the status
 *       handshake with PEER succeeded. PEER: an index into the --peer list
 *       (0 is the first), a peer id, or "any" (the first peer whose status
 *       arrives). HEXBODY: the SSZ request in hex (empty for metadata); a
 *       blocks_by_range body is start_slot, count, step as little-endian
 *       uint64s.
 * Discovery (eth2 mode): --discovery-port N (UDP, 0 = any free port),
 * --bootnode ENR (repeatable) or --target-peers N enable discv5 and the
 * library's peer manager (libp2pc_node_discovery_configure): the node
 * finds, dials, keeps and prunes peers itself, no --peer needed. The
 * "listening" line then carries "enr" (the node's ENR, to give other nodes
 * as --bootnode); peer_connected lines, peer_disconnected with the goodbye
 * reason, and peer_banned (reason, seconds) follow the manager's work.
 * The library validates the node's own publishes like received messages:
 * on a host topic the node's own message is IGNOREd (its source is not a
 * connected peer), so publish on topics subscribed with :none or :go.
 * Eth2 events print as: gossip_validate, validation, peer_status (decoded
 * Status, "digest_match"), incoming_request, served, requesting,
 * response_chunk (code, context, size, sha256 prefix), request_done
 * ("chunks" for requests), peer_goodbye. Message lines carry the first 8
 * bytes of the payload's SHA-256 ("sha256").
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libp2pc.h"

#define MAX_ITEMS 32
#define FAR_FUTURE UINT64_MAX

/* ------------------------------------------------------------------ */
/* SHA-256 (FIPS 180-4), for fork digests, message ids and checksums.  */
/* ------------------------------------------------------------------ */

typedef struct sha256_ctx {
    uint32_t h[8];
    uint8_t buf[64];
    size_t buf_len;
    uint64_t total;
} sha256_ctx;

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(sha256_ctx *c, const uint8_t *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
        h = g, g = f, f = e, e = d + t1, d = cc, cc = b, b = a, a = t1 + t2;
    }
    c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d;
    c->h[4] += e, c->h[5] += f, c->h[6] += g, c->h[7] += h;
}

static void sha256_init(sha256_ctx *c) {
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof iv);
    c->buf_len = 0;
    c->total = 0;
}

static void sha256_update(sha256_ctx *c, const void *data, size_t len) {
    const uint8_t *p = data;
    c->total += len;
    while (len > 0) {
        size_t n = 64 - c->buf_len < len ? 64 - c->buf_len : len;
        memcpy(c->buf + c->buf_len, p, n);
        c->buf_len += n, p += n, len -= n;
        if (c->buf_len == 64) {
            sha256_block(c, c->buf);
            c->buf_len = 0;
        }
    }
}

static void sha256_final(sha256_ctx *c, uint8_t out[32]) {
    uint64_t bits = c->total * 8;
    uint8_t pad = 0x80;
    sha256_update(c, &pad, 1);
    pad = 0;
    while (c->buf_len != 56) sha256_update(c, &pad, 1);
    uint8_t len_be[8];
    for (int i = 0; i < 8; i++) len_be[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(c, len_be, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

static void sha256(const void *data, size_t len, uint8_t out[32]) {
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, data, len);
    sha256_final(&c, out);
}

static void put_le64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void to_hex(const uint8_t *p, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

/* Parses hex (optional 0x) into a fresh buffer; -1 when malformed. */
static int from_hex(const char *s, uint8_t **out, size_t *len) {
    if (strncmp(s, "0x", 2) == 0) s += 2;
    size_t n = strlen(s);
    if (n % 2) return -1;
    uint8_t *b = malloc(n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
            !strchr("0123456789abcdefABCDEF", s[2 * i + 1])) {
            free(b);
            return -1;
        }
        b[i] = (uint8_t)v;
    }
    *out = b;
    *len = n / 2;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The chain, as far as this program needs it: the fork digest.        */
/* ------------------------------------------------------------------ */

enum { PHASE0, ALTAIR, BELLATRIX, CAPELLA, DENEB, ELECTRA, FULU, NFORKS };
static const char *const fork_keys[NFORKS] = {"GENESIS", "ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"};

typedef struct chain {
    int present[NFORKS];
    uint8_t version[NFORKS][4];
    uint64_t epoch[NFORKS];
    struct {
        uint64_t epoch, max_blobs;
    } blobs[64];
    int nblobs;
    uint64_t max_blobs_electra;
    uint64_t slot_ms;
    uint64_t slots_per_epoch;
    uint64_t genesis_time;
    uint8_t gvr[32];
} chain;

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) *--e = 0;
    return s;
}

/* Splits "KEY: value  # comment" into key and value (quotes removed). */
static int split_kv(char *line, char **key, char **val) {
    char *colon = strchr(line, ':');
    if (!colon) return 0;
    *colon = 0;
    *key = trim(line);
    char *v = colon + 1;
    for (char *h = v; (h = strchr(h, '#')) != NULL; h++)
        if (h == v || h[-1] == ' ' || h[-1] == '\t') {
            *h = 0;
            break;
        }
    v = trim(v);
    size_t n = strlen(v);
    if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0]) v[n - 1] = 0, v++;
    *val = v;
    return 1;
}

static int parse_u64(const char *s, uint64_t *out) {
    if (!*s) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || *s == '-') return -1;
    *out = (uint64_t)v;
    return 0;
}

/* Reads the fork versions and epochs, BLOB_SCHEDULE, MAX_BLOBS_PER_BLOCK_ELECTRA,
 * SLOT_DURATION_MS / SECONDS_PER_SLOT and PRESET_BASE of a consensus-specs
 * config (a flat YAML file). Returns an error message or NULL. */
static const char *chain_load(chain *c, const char *path) {
    static char err[300];
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
        return err;
    }
    char line[1024];
    int in_blobs = 0, have_genesis = 0;
    uint64_t seconds_per_slot = 0, slot_ms = 0;
    const char *preset = "mainnet";
    char preset_buf[32];
    for (int i = 0; i < NFORKS; i++) c->epoch[i] = FAR_FUTURE;
    c->max_blobs_electra = 9; /* the published configs' value, for a config that leaves it out */
    while (fgets(line, sizeof line, f)) {
        char *key, *val;
        if (line[0] == '#' || line[0] == '\n' || line[0] == '\r') continue;
        int indented = line[0] == ' ' || line[0] == '\t' || line[0] == '-';
        if (indented && in_blobs) {
            char *s = trim(line);
            if (*s == '#') continue;
            if (*s == '-') {
                if (c->nblobs == 64) continue;
                c->nblobs++;
                c->blobs[c->nblobs - 1].epoch = c->blobs[c->nblobs - 1].max_blobs = FAR_FUTURE;
                s = trim(s + 1);
            }
            if (!c->nblobs || !split_kv(s, &key, &val)) continue;
            uint64_t v;
            if (parse_u64(val, &v) != 0) continue;
            if (strcmp(key, "EPOCH") == 0) c->blobs[c->nblobs - 1].epoch = v;
            if (strcmp(key, "MAX_BLOBS_PER_BLOCK") == 0) c->blobs[c->nblobs - 1].max_blobs = v;
            continue;
        }
        if (indented) continue;
        in_blobs = 0;
        if (!split_kv(line, &key, &val)) continue;
        if (strcmp(key, "BLOB_SCHEDULE") == 0) {
            in_blobs = *val == 0;
            continue;
        }
        uint64_t v = 0;
        int num = parse_u64(val, &v) == 0;
        if (strcmp(key, "PRESET_BASE") == 0) {
            snprintf(preset_buf, sizeof preset_buf, "%s", val);
            preset = preset_buf;
        } else if (strcmp(key, "SECONDS_PER_SLOT") == 0 && num) {
            seconds_per_slot = v;
        } else if (strcmp(key, "SLOT_DURATION_MS") == 0 && num) {
            slot_ms = v;
        } else if (strcmp(key, "MAX_BLOBS_PER_BLOCK_ELECTRA") == 0 && num) {
            c->max_blobs_electra = v;
        }
        for (int i = 0; i < NFORKS; i++) {
            char kv[64], ke[64];
            snprintf(kv, sizeof kv, "%s_FORK_VERSION", fork_keys[i]);
            snprintf(ke, sizeof ke, "%s_FORK_EPOCH", fork_keys[i]);
            /* Old configs call Bellatrix MERGE. */
            int merge = i == BELLATRIX && strncmp(key, "MERGE_", 6) == 0;
            if (merge) {
                snprintf(kv, sizeof kv, "MERGE_FORK_VERSION");
                snprintf(ke, sizeof ke, "MERGE_FORK_EPOCH");
            }
            if (strcmp(key, kv) == 0) {
                uint8_t *b;
                size_t n;
                if (strncmp(val, "0x", 2) != 0 || from_hex(val, &b, &n) != 0 || n != 4) {
                    fclose(f);
                    snprintf(err, sizeof err, "%s: %s is not a 4-byte 0x version", path, key);
                    return err;
                }
                memcpy(c->version[i], b, 4);
                free(b);
                c->present[i] = 1;
                if (i == PHASE0) have_genesis = 1;
            } else if (strcmp(key, ke) == 0 && num) {
                c->epoch[i] = v;
            }
        }
    }
    fclose(f);
    if (!have_genesis) {
        snprintf(err, sizeof err, "%s: no GENESIS_FORK_VERSION", path);
        return err;
    }
    c->epoch[PHASE0] = 0;
    c->slot_ms = slot_ms ? slot_ms : seconds_per_slot * 1000;
    if (c->slot_ms == 0) {
        snprintf(err, sizeof err, "%s: no SLOT_DURATION_MS or SECONDS_PER_SLOT", path);
        return err;
    }
    c->slots_per_epoch = strcmp(preset, "minimal") == 0 ? 8 : 32;
    return NULL;
}

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The wall-clock slot, as the library computes it (0 before genesis). */
static uint64_t chain_slot(const chain *c) {
    uint64_t now = now_ms(), g = c->genesis_time * 1000;
    return now < g ? 0 : (now - g) / c->slot_ms;
}

/* compute_fork_version(epoch), as a fork index. */
static int chain_fork_at(const chain *c, uint64_t epoch) {
    int cur = PHASE0;
    for (int i = 1; i < NFORKS; i++)
        if (c->present[i] && c->epoch[i] != FAR_FUTURE && epoch >= c->epoch[i]) cur = i;
    return cur;
}

/* compute_fork_digest(genesis_validators_root, epoch), Fulu (EIP-7892) form. */
static void chain_digest(const chain *c, uint64_t epoch, uint8_t out[4]) {
    int fork = chain_fork_at(c, epoch);
    uint8_t fork_data[64] = {0}, root[32];
    memcpy(fork_data, c->version[fork], 4); /* hash_tree_root(ForkData) */
    memcpy(fork_data + 32, c->gvr, 32);
    sha256(fork_data, sizeof fork_data, root);
    uint64_t fulu = c->present[FULU] ? c->epoch[FULU] : FAR_FUTURE;
    if (fulu != FAR_FUTURE && epoch >= fulu) {
        /* get_blob_parameters(epoch) */
        uint64_t be = c->present[ELECTRA] ? c->epoch[ELECTRA] : FAR_FUTURE, bm = c->max_blobs_electra;
        int found = 0;
        for (int i = 0; i < c->nblobs; i++)
            if (epoch >= c->blobs[i].epoch && (!found || c->blobs[i].epoch >= be))
                be = c->blobs[i].epoch, bm = c->blobs[i].max_blobs, found = 1;
        uint8_t params[16], h[32];
        put_le64(params, be);
        put_le64(params + 8, bm);
        sha256(params, sizeof params, h);
        for (int i = 0; i < 4; i++) root[i] ^= h[i];
    }
    memcpy(out, root, 4);
}

/* The gossip message id of decompressed data on full topic: the phase0
 * form under a phase0 digest, the Altair form afterwards. */
static void message_id(const chain *c, const char *topic, const uint8_t *data, size_t len, uint8_t out[20]) {
    static const uint8_t domain[4] = {1, 0, 0, 0}; /* MESSAGE_DOMAIN_VALID_SNAPPY */
    sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, domain, 4);
    if (chain_fork_at(c, chain_slot(c) / c->slots_per_epoch) != PHASE0) {
        uint8_t l[8];
        put_le64(l, strlen(topic));
        sha256_update(&h, l, 8);
        sha256_update(&h, topic, strlen(topic));
    }
    sha256_update(&h, data, len);
    uint8_t full[32];
    sha256_final(&h, full);
    memcpy(out, full, 20);
}

/* ------------------------------------------------------------------ */
/* Program state                                                       */
/* ------------------------------------------------------------------ */

struct publish_item {
    char *topic; /* plain topic, or eth2 topic name */
    uint8_t *data;
    size_t len;
    int done;
    int eth2;
};

struct eth2_topic {
    char *name;
    int mode;
};

struct request_item {
    char *peer; /* peer id, "any", or NULL until resolved */
    char *protocol;
    uint8_t *body;
    size_t len;
    int sent;
};

/* Work the callback hands to the worker thread. */
typedef struct job {
    struct job *next;
    int serve; /* 0: a validation to answer; 1: an incoming request to serve */
    uint64_t id;
    char *topic, *protocol;
    char msg_id[41];
    uint8_t *body;
    size_t len;
} job;

enum { ANSWER_ACCEPT, ANSWER_REJECT, ANSWER_IGNORE, ANSWER_NONE };
static const char *const answer_names[] = {"accept", "reject", "ignore", "none"};

static struct {
    libp2pc_node node;
    struct publish_item pubs[MAX_ITEMS];
    int npubs;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopped;
    int publish_on_signal;
    /* eth2 */
    int eth2;
    int has_chain; /* --genesis-state / --data-dir: the library's chain sets the Status */
    chain chain;
    int answer;
    const char *serve_dir;
    struct request_item reqs[MAX_ITEMS];
    int nreqs;
    struct eth2_topic eth2_topics[MAX_ITEMS];
    int neth2;
    uint64_t sent_ids[MAX_ITEMS];
    int nsent;
    /* worker queue (guarded by mu) */
    job *head, *tail;
    int worker_quit;
    pthread_cond_t work_cv;
    /* discovery */
    const char *bootnodes[MAX_ITEMS];
    int nboot;
    long disc_port; /* -1: not given */
    long target_peers;
    /* The one request main waits for (start, chain start), guarded by mu. */
    int awaiting, awaited_done, awaited_status;
    char awaited_text[512]; /* the completion's text (why it failed) */
    uint64_t awaited_req;
} app = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .work_cv = PTHREAD_COND_INITIALIZER, .disc_port = -1};

static void die(const char *what) {
    fprintf(stderr, "libp2pc-node: %s: %s\n", what, libp2pc_last_error());
    exit(1);
}

static void usage(int code) {
    fprintf(code ? stderr : stdout,
            "usage: libp2pc-node [--listen MULTIADDR]... [--key FILE] [--peer MULTIADDR]...\n"
            "                    [--subscribe TOPIC]... [--publish TOPIC=FILE]... [--publish-on-signal]\n"
            "                    [--exit-after-s N]\n"
            "  eth2 mode:        --eth2-config FILE --genesis-time UNIX [--genesis-validators-root HEX]\n"
            "                    [--fork-digest HEX] [--eth2-topic NAME[:host|go|none]]...\n"
            "                    [--validate accept|reject|ignore|none-answer] [--eth2-publish NAME:FILE]...\n"
            "                    [--serve PROTOCOL]... [--serve-dir DIR] [--request PEER:PROTOCOL:HEXBODY]...\n"
            "                    [--discovery-port N] [--bootnode ENR]... [--target-peers N]\n"
            "                    [--data-dir DIR [--genesis-state FILE] [--import-blocks DIR] [--propose-blocks DIR]\n"
            "                     [--checkpoint-sync-url URL | --checkpoint-state FILE --checkpoint-block FILE]\n"
            "                     [--ws-checkpoint ROOT:EPOCH] [--allow-stale-checkpoint] [--backfill-epochs N]\n"
            "                     [--engine-endpoint URL --jwt-secret FILE]]\n"
            "                    [--metrics-addr IP:PORT] [--log-level debug|info|warn|error]\n"
            "\n"
            "  --eth2-config FILE        consensus-specs config (configs/*.yaml): makes the node an eth2 node\n"
            "  --genesis-time UNIX       genesis time in Unix seconds (required with --eth2-config)\n"
            "  --genesis-validators-root HEX   32 bytes (default zero)\n"
            "  --fork-digest HEX         fail unless the current fork digest is HEX\n"
            "  --eth2-topic NAME[:MODE]  subscribe to eth2 topic NAME; MODE host (default), go or none\n"
            "  --validate R              answer host validations with accept (default), reject, ignore, or\n"
            "                            none-answer (leave them to the deadline); answered by a worker thread\n"
            "  --eth2-publish NAME:FILE  publish FILE (SSZ) on eth2 topic NAME once a peer joins it\n"
            "  --serve PROTOCOL          serve a req/resp protocol (full ID or short name, e.g. blocks_by_range)\n"
            "  --serve-dir DIR           what --serve answers: DIR/<slot>.ssz (by range), DIR/<root hex>.ssz (by root)\n"
            "  --request PEER:PROTO:HEX  after the status handshake with PEER (--peer index, peer id, or any),\n"
            "                            send request body HEX (SSZ) on PROTO\n"
            "  --discovery-port N        discv5 on UDP port N (0: any free port) with the peer manager; the\n"
            "                            listening line prints the node's ENR (\"enr\")\n"
            "  --bootnode ENR            discv5 bootnode (repeatable; enables discovery)\n"
            "  --target-peers N          peers the manager keeps (enables discovery; default 64)\n"
            "  --data-dir DIR            run the chain (block store in DIR, fork choice, import pipeline with\n"
            "                            the state transition; the library serves blocks and sets the Status)\n"
            "                            and print block_imported / block_invalid / head_changed / finalized\n"
            "  --genesis-state FILE      SSZ BeaconState to anchor a new store at (genesis or checkpoint)\n"
            "  --checkpoint-sync-url URL start a new store from the finalized checkpoint of the beacon node at URL\n"
            "                            (REST API); --checkpoint-id ID picks another (a slot, a block root)\n"
            "  --checkpoint-state FILE   ... or from this SSZ state and --checkpoint-block FILE (SSZ or JSON)\n"
            "  --ws-checkpoint R:E       refuse a checkpoint that disagrees with weak subjectivity root R at epoch E\n"
            "  --allow-stale-checkpoint  accept a checkpoint older than its weak subjectivity period (refused by default)\n"
            "  --backfill-epochs N       backfill only the last N epochs behind the checkpoint (default: to genesis)\n"
            "  --engine-endpoint URL     the execution client's authenticated Engine API (e.g. http://127.0.0.1:8551):\n"
            "                            newPayload for every block, forkchoiceUpdated on head changes; block_imported\n"
            "                            gains \"execution\", engine_state lines report its health\n"
            "  --jwt-secret FILE         the JWT secret file (64 hex digits) the execution client was given\n"
            "  --import-blocks DIR       hand DIR/block_1.ssz, block_2.ssz, ... (until one is missing) to the\n"
            "                            chain at start (libp2pc_node_chain_submit_block), all at once\n"
            "  --propose-blocks DIR      at the wall-clock start of each block's slot, hand DIR/block_1.ssz,\n"
            "                            block_2.ssz, ... to the chain and publish it on beacon_block (a proposer)\n"
            "  --metrics-addr IP:PORT    serve Prometheus metrics at http://IP:PORT/metrics (port 0: any free\n"
            "                            port); prints a \"metrics\" line with the bound address\n"
            "  --log-level LEVEL         print the library's log records at LEVEL and above as \"log\" lines\n"
            "Signals: SIGINT/SIGTERM stop; SIGUSR1 publishes with --publish-on-signal.\n"
            "Note: a node's own publish is validated like a received message: publish on topics\n"
            "subscribed with :none or :go (on a host topic it is IGNOREd). See examples/node/README.md.\n");
    exit(code);
}

/* Writes s as a JSON string. */
static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void json_field(FILE *f, const char *key, const char *val) {
    fprintf(f, ",\"%s\":", key);
    json_str(f, val);
}

static void json_hex(FILE *f, const char *key, const uint8_t *p, size_t n) {
    fprintf(f, ",\"%s\":\"", key);
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
    fputc('"', f);
}

/* The first 8 bytes of SHA-256(data): enough to tell payloads apart. */
static void json_sha256(FILE *f, const uint8_t *data, size_t len) {
    uint8_t h[32];
    sha256(data, len, h);
    json_hex(f, "sha256", h, 8);
}

/* Printable bytes of an ErrorMessage, as a JSON string. */
static void json_bytes_text(FILE *f, const char *key, const uint8_t *p, size_t n) {
    char buf[300];
    size_t j = 0;
    for (size_t i = 0; i < n && j < sizeof buf - 1; i++) buf[j++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    buf[j] = 0;
    json_field(f, key, buf);
}

/* Lines are printed by the delivery, worker and main threads: each line is
 * written under stdout's lock. */
#define LINE_BEGIN() flockfile(stdout)
#define LINE_END() (fputs("}\n", stdout), fflush(stdout), funlockfile(stdout))

/* ------------------------------------------------------------------ */
/* Protocols                                                           */
/* ------------------------------------------------------------------ */

static const struct {
    const char *shortname, *id;
} protocols[] = {
    {"blocks_by_range", "/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy"},
    {"beacon_blocks_by_range", "/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy"},
    {"blocks_by_root", "/eth2/beacon_chain/req/beacon_blocks_by_root/2/ssz_snappy"},
    {"beacon_blocks_by_root", "/eth2/beacon_chain/req/beacon_blocks_by_root/2/ssz_snappy"},
    {"blob_sidecars_by_range", "/eth2/beacon_chain/req/blob_sidecars_by_range/1/ssz_snappy"},
    {"blob_sidecars_by_root", "/eth2/beacon_chain/req/blob_sidecars_by_root/1/ssz_snappy"},
    {"data_column_sidecars_by_range", "/eth2/beacon_chain/req/data_column_sidecars_by_range/1/ssz_snappy"},
    {"data_column_sidecars_by_root", "/eth2/beacon_chain/req/data_column_sidecars_by_root/1/ssz_snappy"},
    {"status", "/eth2/beacon_chain/req/status/2/ssz_snappy"},
    {"ping", "/eth2/beacon_chain/req/ping/1/ssz_snappy"},
    {"metadata", "/eth2/beacon_chain/req/metadata/3/ssz_snappy"},
};

/* A full protocol ID for a short name; full IDs pass through. */
static const char *protocol_id(const char *name) {
    if (name[0] == '/') return name;
    for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++)
        if (strcmp(protocols[i].shortname, name) == 0) return protocols[i].id;
    fprintf(stderr, "libp2pc-node: unknown protocol %s\n", name);
    exit(1);
}

static uint8_t *read_file_or_null(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

static uint8_t *read_file(const char *path, size_t *len) {
    uint8_t *b = read_file_or_null(path, len);
    if (!b) {
        fprintf(stderr, "libp2pc-node: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return b;
}

/* The eth2 topic name inside "/eth2/<digest>/<name>/ssz_snappy", copied to
 * out; 0 when topic is not one. */
static int eth2_topic_name(const char *topic, char *out, size_t out_len) {
    if (strncmp(topic, "/eth2/", 6) != 0 || strlen(topic) < 15 || topic[14] != '/') return 0;
    const char *name = topic + 15, *end = strchr(name, '/');
    if (!end || (size_t)(end - name) >= out_len) return 0;
    memcpy(out, name, (size_t)(end - name));
    out[end - name] = 0;
    return 1;
}

static void current_digest(uint8_t d[4]) {
    chain_digest(&app.chain, chain_slot(&app.chain) / app.chain.slots_per_epoch, d);
}

/* Publishes the files for topic (all topics when NULL) not yet published.
 * Called from the delivery thread and from main: app.mu serialises it. */
static void publish_pending(const char *topic) {
    char name[128] = "";
    if (topic) eth2_topic_name(topic, name, sizeof name);
    pthread_mutex_lock(&app.mu);
    for (int i = 0; i < app.npubs; i++) {
        struct publish_item *p = &app.pubs[i];
        if (p->done) continue;
        if (topic && strcmp(p->topic, p->eth2 ? name : topic) != 0) continue;
        uint64_t req;
        int rc = p->eth2 ? libp2pc_node_eth2_publish(app.node, p->topic, p->data, p->len, &req)
                         : libp2pc_node_publish(app.node, p->topic, p->data, p->len, &req);
        if (rc != LIBP2PC_OK) {
            fprintf(stderr, "libp2pc-node: publish %s: %s\n", p->topic, libp2pc_last_error());
            continue;
        }
        p->done = 1;
        LINE_BEGIN();
        printf("{\"event\":\"publishing\",\"topic\":");
        json_str(stdout, p->topic);
        printf(",\"size\":%zu,\"request_id\":%llu", p->len, (unsigned long long)req);
        if (p->eth2) {
            uint8_t d[4], id[20];
            char full[256], dh[9];
            current_digest(d);
            to_hex(d, 4, dh);
            snprintf(full, sizeof full, "/eth2/%s/%s/ssz_snappy", dh, p->topic);
            message_id(&app.chain, full, p->data, p->len, id);
            json_field(stdout, "full_topic", full);
            json_hex(stdout, "msg_id", id, 20);
            json_sha256(stdout, p->data, p->len);
        }
        LINE_END();
    }
    pthread_mutex_unlock(&app.mu);
}

/* Sends the --request entries waiting for peer (whose status arrived). */
static void send_requests(const char *peer) {
    pthread_mutex_lock(&app.mu);
    for (int i = 0; i < app.nreqs; i++) {
        struct request_item *r = &app.reqs[i];
        if (r->sent || (strcmp(r->peer, "any") != 0 && strcmp(r->peer, peer) != 0)) continue;
        r->sent = 1;
        uint64_t id = 0;
        int rc = libp2pc_node_request(app.node, peer, r->protocol, r->len ? r->body : NULL, r->len, 30000, &id);
        LINE_BEGIN();
        printf("{\"event\":\"requesting\",\"peer_id\":");
        json_str(stdout, peer);
        json_field(stdout, "protocol", r->protocol);
        printf(",\"size\":%zu", r->len);
        if (rc == LIBP2PC_OK) {
            printf(",\"request_id\":%llu", (unsigned long long)id);
            if (app.nsent < MAX_ITEMS) app.sent_ids[app.nsent++] = id;
        } else {
            printf(",\"status\":%d", rc);
            json_field(stdout, "error", libp2pc_last_error());
        }
        LINE_END();
    }
    pthread_mutex_unlock(&app.mu);
}

static int is_sent_request(uint64_t id) {
    pthread_mutex_lock(&app.mu);
    int found = 0;
    for (int i = 0; i < app.nsent; i++) found |= app.sent_ids[i] == id;
    pthread_mutex_unlock(&app.mu);
    return found;
}

static void enqueue(job *j) {
    pthread_mutex_lock(&app.mu);
    if (app.tail) app.tail->next = j;
    else app.head = j;
    app.tail = j;
    pthread_cond_signal(&app.work_cv);
    pthread_mutex_unlock(&app.mu);
}

static void free_job(job *j) {
    free(j->topic);
    free(j->protocol);
    free(j->body);
    free(j);
}

/* ------------------------------------------------------------------ */
/* The worker thread: answers validations and serves requests.         */
/* ------------------------------------------------------------------ */

static void answer_validation(job *j) {
    static const int results[] = {LIBP2PC_VALIDATION_ACCEPT, LIBP2PC_VALIDATION_REJECT, LIBP2PC_VALIDATION_IGNORE};
    int rc = LIBP2PC_OK;
    if (app.answer != ANSWER_NONE) rc = libp2pc_node_report_validation(app.node, j->id, results[app.answer]);
    LINE_BEGIN();
    printf("{\"event\":\"validation\",\"id\":%llu", (unsigned long long)j->id);
    json_field(stdout, "topic", j->topic);
    json_field(stdout, "msg_id", j->msg_id);
    json_field(stdout, "result", answer_names[app.answer]);
    if (rc != LIBP2PC_OK) {
        printf(",\"status\":%d", rc);
        json_field(stdout, "error", libp2pc_last_error());
    }
    LINE_END();
}

/* Queues one chunk, waiting while 32 MiB of the response are unread. */
static int respond_chunk(uint64_t id, const uint8_t *ctx, size_t ctx_len, const uint8_t *data, size_t len) {
    for (int tries = 0;; tries++) {
        int rc = libp2pc_node_respond_chunk(app.node, id, ctx, ctx_len, data, len);
        if (rc != LIBP2PC_ERR_QUEUE_FULL || tries >= 1000) return rc;
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
}

static void serve_request(job *j) {
    enum { MAX_SERVED = 1024 };
    char paths[64][600];
    int n = 0;
    const char *why = "no data";
    int by_range = strstr(j->protocol, "/beacon_blocks_by_range/") != NULL;
    int by_root = strstr(j->protocol, "/beacon_blocks_by_root/") != NULL;
    if (!app.serve_dir) {
        why = "nothing served (no --serve-dir)";
    } else if (by_range && j->len == 24) {
        uint64_t start = get_le64(j->body), count = get_le64(j->body + 8), step = get_le64(j->body + 16);
        if (step == 0) step = 1;
        for (uint64_t i = 0; i < count && i < MAX_SERVED && n < 64; i++) {
            snprintf(paths[n], sizeof paths[n], "%s/%" PRIu64 ".ssz", app.serve_dir, start + i * step);
            FILE *f = fopen(paths[n], "rb");
            if (f) fclose(f), n++;
        }
        why = "no blocks in the requested range";
    } else if (by_root) {
        for (size_t off = 0; off + 32 <= j->len && n < 64; off += 32) {
            char hex[65];
            to_hex(j->body + off, 32, hex);
            snprintf(paths[n], sizeof paths[n], "%s/%s.ssz", app.serve_dir, hex);
            FILE *f = fopen(paths[n], "rb");
            if (f) fclose(f), n++;
        }
        why = "no block with the requested roots";
    } else {
        why = "protocol not served by this program";
    }
    int rc = LIBP2PC_OK, chunks = 0;
    if (n == 0) {
        rc = libp2pc_node_respond_error(app.node, j->id, 3, why); /* ResourceUnavailable */
    } else {
        uint8_t ctx[4];
        current_digest(ctx);
        int has_ctx = strstr(j->protocol, "/beacon_blocks_by_range/1/") == NULL &&
                      strstr(j->protocol, "/beacon_blocks_by_root/1/") == NULL;
        for (int i = 0; i < n && rc == LIBP2PC_OK; i++) {
            size_t len;
            uint8_t *data = read_file_or_null(paths[i], &len);
            if (!data) continue;
            rc = respond_chunk(j->id, has_ctx ? ctx : NULL, has_ctx ? 4 : 0, data, len);
            free(data);
            if (rc == LIBP2PC_OK) chunks++;
        }
        if (rc == LIBP2PC_OK) rc = libp2pc_node_respond_end(app.node, j->id);
    }
    LINE_BEGIN();
    printf("{\"event\":\"served\",\"request_id\":%llu", (unsigned long long)j->id);
    json_field(stdout, "protocol", j->protocol);
    printf(",\"chunks\":%d", chunks);
    if (n == 0) json_field(stdout, "answer", "resource_unavailable"), json_field(stdout, "message", why);
    if (rc != LIBP2PC_OK) {
        printf(",\"status\":%d", rc);
        json_field(stdout, "error", libp2pc_last_error());
    }
    LINE_END();
}

static void *worker(void *arg) {
    (void)arg;
    pthread_mutex_lock(&app.mu);
    for (;;) {
        while (!app.head && !app.worker_quit) pthread_cond_wait(&app.work_cv, &app.mu);
        if (!app.head) break;
        job *j = app.head;
        app.head = j->next;
        if (!app.head) app.tail = NULL;
        pthread_mutex_unlock(&app.mu);
        if (j->serve) serve_request(j);
        else answer_validation(j);
        free_job(j);
        pthread_mutex_lock(&app.mu);
    }
    pthread_mutex_unlock(&app.mu);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

static void print_status(FILE *f, const uint8_t *s, size_t len) {
    if (len < 84) return;
    json_hex(f, "fork_digest", s, 4);
    json_hex(f, "finalized_root", s + 4, 32);
    fprintf(f, ",\"finalized_epoch\":%" PRIu64, get_le64(s + 36));
    json_hex(f, "head_root", s + 44, 32);
    fprintf(f, ",\"head_slot\":%" PRIu64, get_le64(s + 76));
    if (len >= 92) fprintf(f, ",\"earliest_available_slot\":%" PRIu64, get_le64(s + 84));
    if (app.eth2) {
        uint8_t d[4];
        current_digest(d);
        fprintf(f, ",\"digest_match\":%s", memcmp(d, s, 4) == 0 ? "true" : "false");
    }
}

/* Runs on the node's delivery thread. */
static void on_event(const libp2pc_event *ev, void *user_data) {
    (void)user_data;
    FILE *f = stdout;
    /* app.mu is taken before stdout's lock, never after. */
    int sent_request = ev->type == LIBP2PC_EVENT_REQUEST_DONE && is_sent_request(ev->request_id);
    LINE_BEGIN();
    fprintf(f, "{\"event\":\"%s\",\"seq\":%llu", libp2pc_event_type_name(ev->type), (unsigned long long)ev->seq);
    switch (ev->type) {
    case LIBP2PC_EVENT_LISTENING:
        json_field(f, "peer_id", ev->peer_id);
        fprintf(f, ",\"addrs\":[");
        size_t naddrs = ev->addrs_len;
        /* With discovery the last element is the ENR, not a multiaddr. */
        int has_enr = naddrs > 0 && strncmp(ev->addrs[naddrs - 1], "enr:", 4) == 0;
        if (has_enr) naddrs--;
        for (size_t i = 0; i < naddrs; i++) {
            if (i) fputc(',', f);
            json_str(f, ev->addrs[i]);
        }
        fputc(']', f);
        if (has_enr) json_field(f, "enr", ev->addrs[naddrs]);
        if (app.eth2) {
            uint8_t d[4], lib[4];
            current_digest(d);
            if (libp2pc_node_fork_digest(app.node, lib) != LIBP2PC_OK || memcmp(d, lib, 4) != 0) {
                fprintf(stderr, "libp2pc-node: the library's fork digest differs from the one computed here\n");
                exit(1);
            }
            json_hex(f, "fork_digest", d, 4);
            fprintf(f, ",\"slot\":%" PRIu64, chain_slot(&app.chain));
        }
        break;
    case LIBP2PC_EVENT_PEER_CONNECTED:
        json_field(f, "peer_id", ev->peer_id);
        json_field(f, "direction", ev->direction);
        json_field(f, "addr", ev->addr);
        break;
    case LIBP2PC_EVENT_PEER_DISCONNECTED:
        json_field(f, "peer_id", ev->peer_id);
        json_field(f, "reason", ev->text);
        break;
    case LIBP2PC_EVENT_MESSAGE:
        json_field(f, "topic", ev->topic);
        json_field(f, "from", ev->peer_id);
        json_hex(f, "msg_id", ev->msg_id, ev->msg_id_len);
        fprintf(f, ",\"size\":%zu", ev->data_len);
        json_sha256(f, ev->data, ev->data_len);
        break;
    case LIBP2PC_EVENT_GOSSIP_VALIDATE:
        fprintf(f, ",\"id\":%llu", (unsigned long long)ev->request_id);
        json_field(f, "topic", ev->topic);
        json_field(f, "from", ev->peer_id);
        json_hex(f, "msg_id", ev->msg_id, ev->msg_id_len);
        fprintf(f, ",\"size\":%zu", ev->data_len);
        json_sha256(f, ev->data, ev->data_len);
        break;
    case LIBP2PC_EVENT_TOPIC_PEER_JOINED:
    case LIBP2PC_EVENT_TOPIC_PEER_LEFT:
        json_field(f, "topic", ev->topic);
        json_field(f, "peer_id", ev->peer_id);
        break;
    case LIBP2PC_EVENT_REQUEST_DONE:
        fprintf(f, ",\"request_id\":%llu,\"status\":%d", (unsigned long long)ev->request_id, ev->status);
        if (sent_request) fprintf(f, ",\"chunks\":%llu", (unsigned long long)ev->code);
        if (ev->status != 0) json_field(f, "error", ev->text);
        break;
    case LIBP2PC_EVENT_ERROR:
        fprintf(f, ",\"status\":%d", ev->status);
        json_field(f, "error", ev->text);
        break;
    case LIBP2PC_EVENT_DROPS:
        fprintf(f, ",\"dropped_gossip\":%llu,\"dropped_errors\":%llu", (unsigned long long)ev->dropped_gossip,
                (unsigned long long)ev->dropped_errors);
        break;
    case LIBP2PC_EVENT_PEER_STATUS:
        json_field(f, "peer_id", ev->peer_id);
        json_field(f, "protocol", ev->protocol);
        fprintf(f, ",\"status\":%d", ev->status);
        if (ev->status != 0) json_field(f, "error", ev->text);
        else print_status(f, ev->data, ev->data_len);
        break;
    case LIBP2PC_EVENT_RESPONSE_CHUNK:
        fprintf(f, ",\"request_id\":%llu", (unsigned long long)ev->request_id);
        json_field(f, "protocol", ev->protocol);
        fprintf(f, ",\"code\":%llu", (unsigned long long)ev->code);
        json_hex(f, "context", ev->context, ev->context_len);
        fprintf(f, ",\"size\":%zu", ev->data_len);
        if (ev->code == 0) json_sha256(f, ev->data, ev->data_len);
        else json_bytes_text(f, "message", ev->data, ev->data_len);
        break;
    case LIBP2PC_EVENT_INCOMING_REQUEST:
        fprintf(f, ",\"request_id\":%llu", (unsigned long long)ev->request_id);
        json_field(f, "peer_id", ev->peer_id);
        json_field(f, "protocol", ev->protocol);
        fprintf(f, ",\"size\":%zu", ev->data_len);
        if (strstr(ev->protocol, "/beacon_blocks_by_range/") && ev->data_len == 24)
            fprintf(f, ",\"start_slot\":%" PRIu64 ",\"count\":%" PRIu64 ",\"step\":%" PRIu64, get_le64(ev->data),
                    get_le64(ev->data + 8), get_le64(ev->data + 16));
        else if (ev->data_len <= 128) json_hex(f, "body", ev->data, ev->data_len);
        break;
    case LIBP2PC_EVENT_BLOCK_IMPORTED:
        fprintf(f, ",\"slot\":%llu", (unsigned long long)ev->code);
        if (ev->data_len == 96) {
            json_hex(f, "root", ev->data, 32);
            json_hex(f, "parent_root", ev->data + 32, 32);
            json_hex(f, "state_root", ev->data + 64, 32);
        }
        /* since ABI 2.2: valid / optimistic / no_engine / none */
        if (ev->text && ev->text[0]) json_field(f, "execution", ev->text);
        break;
    case LIBP2PC_EVENT_BLOCK_EXECUTION:
        fprintf(f, ",\"slot\":%llu", (unsigned long long)ev->code);
        if (ev->data_len >= 32) json_hex(f, "root", ev->data, 32);
        json_field(f, "execution", ev->text);
        break;
    case LIBP2PC_EVENT_ENGINE_STATE: {
        static const char *const engine_states[] = {"unknown", "online", "syncing", "offline", "auth_failed"};
        json_field(f, "state", ev->code < 5 ? engine_states[ev->code] : "unknown");
        fprintf(f, ",\"status\":%d", (int)ev->status);
        json_field(f, "detail", ev->text);
        break;
    }
    case LIBP2PC_EVENT_BLOCK_INVALID:
        fprintf(f, ",\"slot\":%llu", (unsigned long long)ev->code);
        if (ev->data_len >= 32) json_hex(f, "root", ev->data, 32);
        json_field(f, "rule", ev->text);
        break;
    case LIBP2PC_EVENT_HEAD_CHANGED:
        fprintf(f, ",\"slot\":%llu", (unsigned long long)ev->code);
        if (ev->data_len >= 32) json_hex(f, "root", ev->data, 32);
        if (ev->text && ev->text[0]) json_field(f, "execution", ev->text); /* since ABI 2.2 */
        break;
    case LIBP2PC_EVENT_FINALIZED:
        fprintf(f, ",\"epoch\":%llu", (unsigned long long)ev->code);
        if (ev->data_len >= 32) json_hex(f, "root", ev->data, 32);
        break;
    case LIBP2PC_EVENT_PEER_GOODBYE:
        json_field(f, "peer_id", ev->peer_id);
        fprintf(f, ",\"reason\":%llu", (unsigned long long)ev->code);
        break;
    case LIBP2PC_EVENT_BLOCK_DROPPED:
        fprintf(f, ",\"slot\":%llu", (unsigned long long)ev->code);
        if (ev->data_len >= 32) json_hex(f, "root", ev->data, 32);
        json_field(f, "reason", ev->text);
        break;
    case LIBP2PC_EVENT_SYNC_PROGRESS:
        json_field(f, "peer_id", ev->peer_id);
        fprintf(f, ",\"target_slot\":%llu", (unsigned long long)ev->code);
        json_field(f, "progress", ev->text);
        break;
    case LIBP2PC_EVENT_PEER_BANNED:
        json_field(f, "peer_id", ev->peer_id);
        json_field(f, "reason", ev->text);
        fprintf(f, ",\"seconds\":%llu", (unsigned long long)ev->code);
        break;
    case LIBP2PC_EVENT_STOPPED: {
        libp2pc_counters c = {.struct_size = sizeof c};
        if (libp2pc_node_counters(app.node, &c) == LIBP2PC_OK) {
            fprintf(f, ",\"delivered\":%llu,\"dropped_gossip\":%llu,\"dropped_errors\":%llu,\"messages_received\":%llu",
                    (unsigned long long)c.events_delivered, (unsigned long long)c.dropped_gossip,
                    (unsigned long long)c.dropped_errors, (unsigned long long)c.messages_received);
        }
        libp2pc_eth2_counters e = {.struct_size = sizeof e};
        if (app.eth2 && libp2pc_node_eth2_counters(app.node, &e) == LIBP2PC_OK) {
            uint64_t acc = 0, rej = 0, ign = 0, tmo = 0;
            for (int i = 0; i < LIBP2PC_ETH2_TOPIC_KINDS; i++) {
                acc += e.topics[i].accepted, rej += e.topics[i].rejected;
                ign += e.topics[i].ignored, tmo += e.topics[i].timed_out;
            }
            fprintf(f, ",\"gossip_accepted\":%llu,\"gossip_rejected\":%llu,\"gossip_ignored\":%llu,\"gossip_timed_out\":%llu",
                    (unsigned long long)acc, (unsigned long long)rej, (unsigned long long)ign, (unsigned long long)tmo);
        }
        libp2pc_reqresp_counters r = {.struct_size = sizeof r};
        if (app.eth2 && libp2pc_node_reqresp_counters(app.node, &r) == LIBP2PC_OK)
            fprintf(f, ",\"requests_sent\":%llu,\"incoming_requests\":%llu,\"chunks_served\":%llu,\"chunks_received\":%llu",
                    (unsigned long long)r.requests_sent, (unsigned long long)r.incoming_requests,
                    (unsigned long long)r.chunks_served, (unsigned long long)r.chunks_received);
        break;
    }
    }
    LINE_END();

    /* Work that takes time leaves the delivery thread. */
    if (ev->type == LIBP2PC_EVENT_GOSSIP_VALIDATE || ev->type == LIBP2PC_EVENT_INCOMING_REQUEST) {
        job *j = calloc(1, sizeof *j);
        j->id = ev->request_id;
        if (ev->type == LIBP2PC_EVENT_GOSSIP_VALIDATE) {
            j->topic = strdup(ev->topic);
            to_hex(ev->msg_id, ev->msg_id_len <= 20 ? ev->msg_id_len : 20, j->msg_id);
        } else {
            j->serve = 1;
            j->protocol = strdup(ev->protocol);
            j->body = malloc(ev->data_len + 1);
            if (ev->data_len) memcpy(j->body, ev->data, ev->data_len);
            j->len = ev->data_len;
        }
        enqueue(j);
    }
    if (ev->type == LIBP2PC_EVENT_PEER_STATUS && ev->status == 0) send_requests(ev->peer_id);
    if (ev->type == LIBP2PC_EVENT_TOPIC_PEER_JOINED && !app.publish_on_signal) publish_pending(ev->topic);
    if (ev->type == LIBP2PC_EVENT_REQUEST_DONE) {
        pthread_mutex_lock(&app.mu);
        if (app.awaiting && ev->request_id == app.awaited_req) {
            app.awaited_done = 1;
            app.awaited_status = ev->status;
            snprintf(app.awaited_text, sizeof app.awaited_text, "%s", ev->text ? ev->text : "");
            pthread_cond_broadcast(&app.cv);
        }
        pthread_mutex_unlock(&app.mu);
    }
    if (ev->type == LIBP2PC_EVENT_STOPPED) {
        pthread_mutex_lock(&app.mu);
        app.stopped = 1;
        pthread_cond_broadcast(&app.cv);
        pthread_mutex_unlock(&app.mu);
    }
}

/* Waiting for a request's REQUEST_DONE (the header's rule: use what you
 * started only after its completion). await_begin takes app.mu before the
 * call, await_end records the id and waits: the callback takes app.mu
 * too, so it cannot look for the id before it is recorded, even if the
 * completion is delivered at once. await_end returns the completion's
 * status, the call's error, or STOPPED if the node stopped first. */
static void await_begin(void) {
    pthread_mutex_lock(&app.mu);
    app.awaiting = 1;
    app.awaited_done = 0;
}

static int await_end(int rc, uint64_t req) {
    if (rc == LIBP2PC_OK) {
        app.awaited_req = req;
        while (!app.awaited_done && !app.stopped) pthread_cond_wait(&app.cv, &app.mu);
        rc = app.awaited_done ? app.awaited_status : LIBP2PC_ERR_STOPPED;
    }
    app.awaiting = 0;
    pthread_mutex_unlock(&app.mu);
    return rc;
}

/* Sets the node's Status for the wall-clock slot (zero roots, head slot =
 * current slot). */
static int set_status(uint64_t slot) {
    libp2pc_eth2_status st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    chain_digest(&app.chain, slot / app.chain.slots_per_epoch, st.fork_digest);
    st.head_slot = slot;
    return libp2pc_node_set_status(app.node, &st);
}

static int stopped_now(void) {
    pthread_mutex_lock(&app.mu);
    int s = app.stopped;
    pthread_mutex_unlock(&app.mu);
    return s;
}

/* --import-blocks: submits DIR/block_<i>.ssz for i = 1, 2, ... until a file
 * is missing, without waiting for their outcomes (the pipeline orders them:
 * each block waits for its parent), then prints how many were handed over. */
static void import_blocks(const char *dir) {
    int n = 0;
    for (int i = 1;; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/block_%d.ssz", dir, i);
        size_t len;
        uint8_t *b = read_file_or_null(path, &len);
        if (!b) break;
        int rc = libp2pc_node_chain_submit_block(app.node, b, len, NULL);
        free(b);
        if (rc != LIBP2PC_OK) {
            if (stopped_now()) return;
            die(path);
        }
        n++;
    }
    LINE_BEGIN();
    printf("{\"event\":\"blocks_submitted\",\"count\":%d", n);
    LINE_END();
}

/* The slot of an SSZ SignedBeaconBlock (any fork): the message is the
 * container's variable-size first field (a 4-byte offset, then the 96-byte
 * signature), and its first field is the slot. -1 if len cannot hold it. */
static int block_slot(const uint8_t *b, size_t len, uint64_t *slot) {
    if (len < 4) return -1;
    uint32_t off = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    if (off != 100 || len < (size_t)off + 8) return -1;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[off + i];
    *slot = v;
    return 0;
}

/* --propose-blocks: the proposer thread. Each DIR/block_<i>.ssz (i = 1, 2,
 * ... until one is missing) waits for the wall-clock start of its slot
 * (gossip IGNOREs a block from a future slot), goes to this node's chain
 * (libp2pc_node_chain_submit_block: the proposer imports its own block)
 * and is published on beacon_block (every node's Go validator checks it
 * and hands it to its pipeline). One "block_proposed" line each (the
 * publish's outcome follows as its request_done), then "proposals_done". */
static const char *propose_dir;

static void *proposer(void *arg) {
    (void)arg;
    int n = 0;
    for (int i = 1; !stopped_now(); i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/block_%d.ssz", propose_dir, i);
        size_t len;
        uint8_t *b = read_file_or_null(path, &len);
        if (!b) break;
        uint64_t slot;
        if (block_slot(b, len, &slot) != 0) {
            fprintf(stderr, "libp2pc-node: %s: not a SignedBeaconBlock\n", path);
            free(b);
            break;
        }
        uint64_t start_ms = app.chain.genesis_time * 1000 + slot * app.chain.slot_ms;
        for (uint64_t now = now_ms(); now < start_ms && !stopped_now(); now = now_ms()) {
            uint64_t wait = start_ms - now < 100 ? start_ms - now : 100;
            struct timespec ts = {0, (long)wait * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (stopped_now()) {
            free(b);
            break;
        }
        uint8_t root[32];
        uint64_t req = 0;
        int rc = libp2pc_node_chain_submit_block(app.node, b, len, root);
        const char *failed = rc == LIBP2PC_OK ? NULL : "submit";
        if (!failed && libp2pc_node_eth2_publish(app.node, "beacon_block", b, len, &req) != LIBP2PC_OK) failed = "publish";
        LINE_BEGIN();
        printf("{\"event\":\"block_proposed\",\"slot\":%" PRIu64 ",\"size\":%zu", slot, len);
        if (!failed) {
            json_hex(stdout, "root", root, 32);
            printf(",\"request_id\":%" PRIu64, req);
        } else {
            json_field(stdout, "error", failed);
            json_field(stdout, "message", libp2pc_last_error());
        }
        LINE_END();
        free(b);
        if (!failed) n++;
    }
    LINE_BEGIN();
    printf("{\"event\":\"proposals_done\",\"count\":%d", n);
    LINE_END();
    return NULL;
}

/* --log-level: one "log" line per library log record (on the library's
 * log thread). */
static void on_log(const libp2pc_log_record *r, void *user_data) {
    (void)user_data;
    const char *level = r->level >= LIBP2PC_LOG_ERROR  ? "error"
                        : r->level >= LIBP2PC_LOG_WARN ? "warn"
                        : r->level >= LIBP2PC_LOG_INFO ? "info"
                                                       : "debug";
    LINE_BEGIN();
    printf("{\"event\":\"log\",\"level\":\"%s\",\"time_unix_ns\":%lld,\"logger\":", level,
           (long long)r->time_unix_ns);
    json_str(stdout, r->logger);
    printf(",\"msg\":");
    json_str(stdout, r->message);
    printf(",\"attrs\":{");
    for (uint32_t i = 0; i < r->attrs_len; i++) {
        if (i) putchar(',');
        json_str(stdout, r->keys[i]);
        putchar(':');
        json_str(stdout, r->values[i]);
    }
    printf("},\"dropped\":%llu", (unsigned long long)r->dropped);
    LINE_END();
}

int main(int argc, char **argv) {
    const char *listen[MAX_ITEMS], *peers[MAX_ITEMS], *topics[MAX_ITEMS], *serve[MAX_ITEMS];
    struct eth2_topic *eth2_topics = app.eth2_topics;
    int nlisten = 0, npeers = 0, ntopics = 0, nserve = 0;
    const char *key = NULL, *eth2_config = NULL, *genesis = NULL, *gvr = NULL, *want_digest = NULL;
    const char *genesis_state = NULL, *data_dir = NULL, *import_dir = NULL;
    const char *cp_url = NULL, *cp_id = NULL, *cp_state = NULL, *cp_block = NULL, *ws = NULL;
    const char *engine_endpoint = NULL, *jwt_secret = NULL;
    const char *metrics_addr = NULL;
    uint64_t backfill_epochs = 0;
    int allow_stale = 0;
    int32_t log_level = LIBP2PC_LOG_INFO;
    int want_logs = 0;
    const char *raw_requests[MAX_ITEMS];
    int nraw = 0;
    long exit_after = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--allow-stale-checkpoint") == 0) {
            allow_stale = 1;
            continue;
        }
        if (strcmp(a, "--publish-on-signal") == 0) {
            app.publish_on_signal = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) usage(0);
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) usage(1);
        if (strcmp(a, "--listen") == 0 && nlisten < MAX_ITEMS) listen[nlisten++] = v;
        else if (strcmp(a, "--peer") == 0 && npeers < MAX_ITEMS) peers[npeers++] = v;
        else if (strcmp(a, "--subscribe") == 0 && ntopics < MAX_ITEMS) topics[ntopics++] = v;
        else if (strcmp(a, "--key") == 0) key = v;
        else if (strcmp(a, "--exit-after-s") == 0) exit_after = strtol(v, NULL, 10);
        else if ((strcmp(a, "--publish") == 0 || strcmp(a, "--eth2-publish") == 0) && app.npubs < MAX_ITEMS) {
            int eth2 = a[2] == 'e';
            const char *eq = strchr(v, eth2 ? ':' : '=');
            if (!eq || eq == v) usage(1);
            struct publish_item *p = &app.pubs[app.npubs++];
            p->topic = strndup(v, (size_t)(eq - v));
            p->data = read_file(eq + 1, &p->len);
            p->eth2 = eth2;
        } else if (strcmp(a, "--eth2-config") == 0) eth2_config = v;
        else if (strcmp(a, "--genesis-state") == 0) genesis_state = v;
        else if (strcmp(a, "--data-dir") == 0) data_dir = v;
        else if (strcmp(a, "--import-blocks") == 0) import_dir = v;
        else if (strcmp(a, "--propose-blocks") == 0) propose_dir = v;
        else if (strcmp(a, "--checkpoint-sync-url") == 0) cp_url = v;
        else if (strcmp(a, "--checkpoint-id") == 0) cp_id = v;
        else if (strcmp(a, "--checkpoint-state") == 0) cp_state = v;
        else if (strcmp(a, "--checkpoint-block") == 0) cp_block = v;
        else if (strcmp(a, "--ws-checkpoint") == 0) ws = v;
        else if (strcmp(a, "--backfill-epochs") == 0) {
            if (parse_u64(v, &backfill_epochs) != 0) {
                fprintf(stderr, "libp2pc-node: --backfill-epochs %s: not a number of epochs\n", v);
                return 1;
            }
        }
        else if (strcmp(a, "--engine-endpoint") == 0) engine_endpoint = v;
        else if (strcmp(a, "--jwt-secret") == 0) jwt_secret = v;
        else if (strcmp(a, "--metrics-addr") == 0) metrics_addr = v;
        else if (strcmp(a, "--log-level") == 0) {
            if (strcmp(v, "debug") == 0) log_level = LIBP2PC_LOG_DEBUG;
            else if (strcmp(v, "info") == 0) log_level = LIBP2PC_LOG_INFO;
            else if (strcmp(v, "warn") == 0) log_level = LIBP2PC_LOG_WARN;
            else if (strcmp(v, "error") == 0) log_level = LIBP2PC_LOG_ERROR;
            else usage(1);
            want_logs = 1;
        }
        else if (strcmp(a, "--genesis-time") == 0) genesis = v;
        else if (strcmp(a, "--genesis-validators-root") == 0) gvr = v;
        else if (strcmp(a, "--fork-digest") == 0) want_digest = v;
        else if (strcmp(a, "--eth2-topic") == 0 && app.neth2 < MAX_ITEMS) {
            struct eth2_topic *t = &eth2_topics[app.neth2++];
            const char *colon = strrchr(v, ':');
            t->mode = LIBP2PC_ETH2_VALIDATE_HOST;
            if (colon) {
                if (strcmp(colon, ":host") == 0) t->mode = LIBP2PC_ETH2_VALIDATE_HOST;
                else if (strcmp(colon, ":go") == 0) t->mode = LIBP2PC_ETH2_VALIDATE_GO;
                else if (strcmp(colon, ":none") == 0) t->mode = LIBP2PC_ETH2_VALIDATE_NONE;
                else usage(1);
            }
            t->name = strndup(v, colon ? (size_t)(colon - v) : strlen(v));
        } else if (strcmp(a, "--validate") == 0) {
            if (strcmp(v, "accept") == 0) app.answer = ANSWER_ACCEPT;
            else if (strcmp(v, "reject") == 0) app.answer = ANSWER_REJECT;
            else if (strcmp(v, "ignore") == 0) app.answer = ANSWER_IGNORE;
            else if (strcmp(v, "none-answer") == 0) app.answer = ANSWER_NONE;
            else usage(1);
        } else if (strcmp(a, "--serve") == 0 && nserve < MAX_ITEMS) serve[nserve++] = protocol_id(v);
        else if (strcmp(a, "--serve-dir") == 0) app.serve_dir = v;
        else if (strcmp(a, "--request") == 0 && nraw < MAX_ITEMS) raw_requests[nraw++] = v;
        else if (strcmp(a, "--bootnode") == 0 && app.nboot < MAX_ITEMS) app.bootnodes[app.nboot++] = v;
        else if (strcmp(a, "--discovery-port") == 0) {
            char *end;
            app.disc_port = strtol(v, &end, 10);
            if (*end || app.disc_port < 0 || app.disc_port > 65535) usage(1);
        } else if (strcmp(a, "--target-peers") == 0) {
            char *end;
            app.target_peers = strtol(v, &end, 10);
            if (*end || app.target_peers <= 0) usage(1);
        } else usage(1);
        i++;
    }
    int discovery = app.disc_port >= 0 || app.nboot > 0 || app.target_peers > 0;
    if ((app.neth2 || nserve || nraw || app.serve_dir || gvr || genesis || want_digest || data_dir || genesis_state ||
         discovery) &&
        !eth2_config) {
        fprintf(stderr, "libp2pc-node: eth2 flags need --eth2-config\n");
        return 1;
    }
    for (int i = 0; i < app.npubs; i++)
        if (app.pubs[i].eth2 && !eth2_config) {
            fprintf(stderr, "libp2pc-node: --eth2-publish needs --eth2-config\n");
            return 1;
        }

    /* Eth2: the chain as this program sees it. */
    if (eth2_config) {
        app.eth2 = 1;
        if (!genesis || parse_u64(genesis, &app.chain.genesis_time) != 0) {
            fprintf(stderr, "libp2pc-node: --eth2-config needs --genesis-time UNIX\n");
            return 1;
        }
        if (gvr) {
            uint8_t *b;
            size_t n;
            if (from_hex(gvr, &b, &n) != 0 || n != 32) {
                fprintf(stderr, "libp2pc-node: --genesis-validators-root must be 32 bytes of hex\n");
                return 1;
            }
            memcpy(app.chain.gvr, b, 32);
            free(b);
        }
        const char *err = chain_load(&app.chain, eth2_config);
        if (err) {
            fprintf(stderr, "libp2pc-node: %s\n", err);
            return 1;
        }
        if (want_digest) {
            uint8_t *b, d[4];
            size_t n;
            if (from_hex(want_digest, &b, &n) != 0 || n != 4) {
                fprintf(stderr, "libp2pc-node: --fork-digest must be 4 bytes of hex\n");
                return 1;
            }
            current_digest(d);
            int same = memcmp(b, d, 4) == 0;
            free(b);
            if (!same) {
                char dh[9];
                to_hex(d, 4, dh);
                fprintf(stderr, "libp2pc-node: --fork-digest %s, but the config gives %s at slot %" PRIu64 "\n",
                        want_digest, dh, chain_slot(&app.chain));
                return 1;
            }
        }
        for (int i = 0; i < nraw; i++) {
            const char *v = raw_requests[i], *c1 = strchr(v, ':'), *c2 = strrchr(v, ':');
            if (!c1 || c1 == c2 || c1 == v) usage(1);
            struct request_item *r = &app.reqs[app.nreqs++];
            char *peer = strndup(v, (size_t)(c1 - v)), *proto = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
            char *endp;
            long idx = strtol(peer, &endp, 10);
            if (*endp == 0) {
                if (idx < 0 || idx >= npeers || !strstr(peers[idx], "/p2p/")) {
                    fprintf(stderr, "libp2pc-node: --request %s: no --peer %ld with a /p2p/ id\n", v, idx);
                    free(peer);
                    free(proto);
                    return 1;
                }
                free(peer);
                const char *id = strstr(peers[idx], "/p2p/") + 5;
                peer = strdup(id);
            }
            r->peer = peer;
            r->protocol = strdup(protocol_id(proto));
            free(proto);
            if (from_hex(c2 + 1, &r->body, &r->len) != 0) {
                fprintf(stderr, "libp2pc-node: --request %s: body is not hex\n", v);
                return 1;
            }
        }
    }

    /* Signals are taken by sigwait on the main thread only. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    if (libp2pc_init(LIBP2PC_ABI_VERSION) != LIBP2PC_OK) die("init");
    if (want_logs && libp2pc_set_log_callback(log_level, on_log, NULL) != LIBP2PC_OK) die("--log-level");
    libp2pc_config cfg;
    libp2pc_config_init(&cfg);
    cfg.listen_addrs = listen;
    cfg.listen_addrs_len = (size_t)nlisten;
    cfg.identity_key_path = key;
    cfg.on_event = on_event;
    if (libp2pc_node_new(&cfg, &app.node) != LIBP2PC_OK) die("create node");
    pthread_t worker_thread;
    uint64_t last_slot = 0;
    if (app.eth2) {
        libp2pc_eth2_config ec;
        libp2pc_eth2_config_init(&ec);
        ec.genesis_time = app.chain.genesis_time;
        memcpy(ec.genesis_validators_root, app.chain.gvr, 32);
        ec.config_path = eth2_config;
        if (libp2pc_node_eth2_configure(app.node, &ec) != LIBP2PC_OK) die("eth2 configure");
        last_slot = chain_slot(&app.chain);
        if (set_status(last_slot) != LIBP2PC_OK) die("set status");
        libp2pc_eth2_metadata md;
        memset(&md, 0, sizeof md);
        md.struct_size = sizeof md;
        md.seq_number = 1;
        if (libp2pc_node_set_metadata(app.node, &md) != LIBP2PC_OK) die("set metadata");
        for (int i = 0; i < nserve; i++)
            if (libp2pc_node_serve(app.node, serve[i], LIBP2PC_SERVE_BY_HOST) != LIBP2PC_OK) die(serve[i]);
        if (discovery) {
            libp2pc_discovery_config dc;
            libp2pc_discovery_config_init(&dc);
            char udp[32];
            snprintf(udp, sizeof udp, "0.0.0.0:%ld", app.disc_port > 0 ? app.disc_port : 0L);
            dc.listen_udp = udp;
            dc.bootnodes = app.bootnodes;
            dc.bootnodes_len = (size_t)app.nboot;
            if (app.target_peers > 0) {
                dc.target_peers = (uint32_t)app.target_peers;
                /* Room above the target for inbound peers; never above the node's max_peers. */
                uint32_t node_max = cfg.max_peers ? cfg.max_peers : 64;
                if (dc.target_peers > node_max) dc.target_peers = node_max;
                dc.max_peers = dc.target_peers * 2 < node_max ? dc.target_peers * 2 : node_max;
                /* Prune only at max_peers: in a network of a handful of nodes, pruning
                 * above the library's default (halfway) can keep a late node below its
                 * target (it is refused with goodbye 129 and backs off for minutes). */
                dc.prune_above = dc.max_peers;
            }
            if (libp2pc_node_discovery_configure(app.node, &dc) != LIBP2PC_OK) die("discovery configure");
        }
    }
    if (metrics_addr) { /* before start: scrapes read the counters in every state */
        char bound[64];
        if (libp2pc_node_metrics_serve(app.node, metrics_addr, bound, sizeof bound) != LIBP2PC_OK) die("--metrics-addr");
        LINE_BEGIN();
        printf("{\"event\":\"metrics\",\"addr\":");
        json_str(stdout, bound);
        LINE_END();
    }
    if (pthread_create(&worker_thread, NULL, worker, NULL) != 0) {
        fprintf(stderr, "libp2pc-node: cannot start the worker thread\n");
        return 1;
    }
    uint64_t req;
    /* Subscribe, start the chain and dial only once the start completed:
     * until then the node refuses them (BAD_STATE, "node is starting"). A
     * start that fails is reported by its events and the node stops. */
    await_begin();
    int rc = libp2pc_node_start(app.node, &req);
    if (rc != LIBP2PC_OK) die("start"); /* exits; app.mu is still held, nobody waits for it */
    int started = await_end(rc, req) == LIBP2PC_OK;
    for (int i = 0; started && i < ntopics + app.neth2; i++) {
        rc = i < ntopics ? libp2pc_node_subscribe(app.node, topics[i], &req)
                         : libp2pc_node_eth2_subscribe(app.node, eth2_topics[i - ntopics].name,
                                                       eth2_topics[i - ntopics].mode, &req);
        if (rc != LIBP2PC_OK && !stopped_now()) die("subscribe");
    }
    uint8_t *anchor = NULL, *chain_yaml = NULL, *cp_state_bytes = NULL, *cp_block_bytes = NULL;
    if (!data_dir && (cp_url || cp_state || cp_block || ws || cp_id || allow_stale || backfill_epochs)) {
        fprintf(stderr, "libp2pc-node: checkpoint flags need --data-dir\n");
        return 1;
    }
    if (!cp_state != !cp_block) {
        fprintf(stderr, "libp2pc-node: --checkpoint-state and --checkpoint-block go together\n");
        return 1;
    }
    if ((engine_endpoint || jwt_secret) && !data_dir) {
        fprintf(stderr, "libp2pc-node: --engine-endpoint and --jwt-secret need --data-dir\n");
        return 1;
    }
    if (!engine_endpoint != !jwt_secret) {
        fprintf(stderr, "libp2pc-node: --engine-endpoint and --jwt-secret go together\n");
        return 1;
    }
    if (started && data_dir) { /* the chain: store, pipeline, fork choice; before dialing so status carries its head */
        libp2pc_chain_config cc;
        libp2pc_chain_config_init(&cc);
        cc.data_dir = data_dir;
        if (genesis_state) cc.anchor_state = anchor = read_file(genesis_state, &cc.anchor_state_len);
        cc.checkpoint_sync_url = cp_url;
        cc.checkpoint_id = cp_id;
        cc.ws_checkpoint = ws;
        cc.backfill_epochs = backfill_epochs;
        cc.allow_stale_checkpoint = (uint32_t)allow_stale;
        cc.engine_endpoint = engine_endpoint; /* ABI 2.2 */
        cc.jwt_secret_path = jwt_secret;
        if (cp_state) cc.checkpoint_state = cp_state_bytes = read_file(cp_state, &cc.checkpoint_state_len);
        if (cp_block) cc.checkpoint_block = cp_block_bytes = read_file(cp_block, &cc.checkpoint_block_len);
        cc.config_yaml = chain_yaml = read_file(eth2_config, &cc.config_yaml_len);
        /* The call returns at once; the library fetches or reads the
         * checkpoint, decodes and hashes the anchor state afterwards and
         * completes the request. */
        await_begin();
        rc = libp2pc_node_chain_start(app.node, &cc, &req);
        if (rc != LIBP2PC_OK) die("chain start");
        rc = await_end(rc, req);
        if (rc != LIBP2PC_OK && !stopped_now()) {
            fprintf(stderr, "libp2pc-node: chain start failed: %s: %s\n", libp2pc_strerror(rc), app.awaited_text);
            exit(1);
        }
        app.has_chain = rc == LIBP2PC_OK;
        if (app.has_chain && import_dir) import_blocks(import_dir);
    }
    if ((import_dir || propose_dir) && !data_dir) {
        fprintf(stderr, "libp2pc-node: --import-blocks and --propose-blocks need --data-dir\n");
        return 1;
    }
    pthread_t proposer_thread;
    int proposing = app.has_chain && propose_dir;
    if (proposing && pthread_create(&proposer_thread, NULL, proposer, NULL) != 0) {
        fprintf(stderr, "libp2pc-node: cannot start the proposer thread\n");
        return 1;
    }
    for (int i = 0; started && i < npeers; i++)
        if (libp2pc_node_dial(app.node, peers[i], &req) != LIBP2PC_OK && !stopped_now()) die("dial");

    /* Wait for a signal or the deadline. */
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += exit_after >= 0 ? exit_after : 100L * 365 * 86400;
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        if (now.tv_sec >= deadline.tv_sec) break;
        struct timespec step = {0, 500000000};
        if (deadline.tv_sec - now.tv_sec < 1) step.tv_nsec = 200000000;
        int sig = sigtimedwait(&sigs, NULL, &step);
        if (sig == SIGUSR1) {
            publish_pending(NULL);
            continue;
        }
        if (sig > 0) break;
        if (stopped_now()) break;
        if (app.eth2 && !app.has_chain) { /* without a chain, the advertised head follows the wall clock */
            uint64_t slot = chain_slot(&app.chain);
            if (slot != last_slot) set_status(last_slot = slot); /* fails only once stopping */
        }
    }
    int failed_start = 0;
    if (libp2pc_node_stop(app.node, &req) != LIBP2PC_OK) failed_start = 1; /* already stopped: start failed */
    pthread_mutex_lock(&app.mu);
    while (!app.stopped) pthread_cond_wait(&app.cv, &app.mu);
    app.worker_quit = 1; /* the worker finishes the queued jobs (their calls fail: stopped) */
    pthread_cond_signal(&app.work_cv);
    pthread_mutex_unlock(&app.mu);
    pthread_join(worker_thread, NULL);
    if (proposing) pthread_join(proposer_thread, NULL); /* it sees stopped within 100 ms */
    if (libp2pc_node_destroy(app.node) != LIBP2PC_OK) die("destroy");
    for (int i = 0; i < app.npubs; i++) {
        free(app.pubs[i].topic);
        free(app.pubs[i].data);
    }
    for (int i = 0; i < app.nreqs; i++) {
        free(app.reqs[i].peer);
        free(app.reqs[i].protocol);
        free(app.reqs[i].body);
    }
    for (int i = 0; i < app.neth2; i++) free(eth2_topics[i].name);
    free(anchor);
    free(chain_yaml);
    free(cp_state_bytes);
    free(cp_block_bytes);
    if (failed_start) {
        fprintf(stderr, "libp2pc-node: the node stopped on its own (see the events above)\n");
        return 1;
    }
    return 0;
}
