/*
 * A host built against the frozen ABI 2.0 header (libp2pc-2.0.h, never
 * edited). Every later library of major 2 must keep it working unchanged:
 * this is THE GROWTH RULE of include/libp2pc.h as a test. CTest runs it
 * (frozen_host_2_0, also under ASan and valgrind) against the library of
 * this tree, and `make test-abi-growth` runs it against a library whose
 * config and counters structs grew a field.
 *
 * It uses only what the 2.0 header declares, and is self-contained (not
 * testutil.h, which follows the current header): two nodes gossip on a
 * topic; an eth2 node starts its chain on the chaingen fixture (the one
 * test_chain uses: argv[1], or LIBP2PC_CHAIN_DATA), reads head and
 * finalized checkpoint, submits a block and sees it imported; every node
 * stops. Every struct the library writes sits in front of a canary that
 * must survive: a library never writes past the 2.0 struct_size.
 *
 * Keep it as it is: a change of the library that needs this file changed
 * breaks the hosts built against ABI 2.0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libp2pc-2.0.h"

/* memcheck cannot follow definedness through the Go runtime (see
 * test_chain.c): bytes the library hands over are declared defined as
 * they arrive, and then compared by value. No-op outside valgrind. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define FROM_LIB(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#endif
#endif
#ifndef FROM_LIB
#define FROM_LIB(p, n) ((void)(p), (void)(n))
#endif

#define FAIL(...)                                                         \
    do {                                                                  \
        fprintf(stderr, "FAIL host_2_0 %s:%d: ", __FILE__, __LINE__);     \
        fprintf(stderr, __VA_ARGS__);                                     \
        fprintf(stderr, "\n");                                            \
        exit(1);                                                          \
    } while (0)
#define CHECK(c, ...)                \
    do {                             \
        if (!(c)) FAIL(__VA_ARGS__); \
    } while (0)
#define CHECK_OK(call)                                                                            \
    do {                                                                                          \
        int rc_ = (call);                                                                         \
        if (rc_ != LIBP2PC_OK) FAIL("%s returned %d; last error: %s", #call, rc_, libp2pc_last_error()); \
    } while (0)

#define CANARY 0x5a
#define CANARY_LEN 64

static void check_canary(const unsigned char *c, const char *what) {
    for (int i = 0; i < CANARY_LEN; i++) CHECK(c[i] == CANARY, "the library wrote past %s (byte %d)", what, i);
}

/* ---- events: a small recorder ------------------------------------------ */

#define MAX_EVENTS 4096

typedef struct ev_copy {
    uint32_t type;
    int32_t status;
    uint64_t request_id, code;
    char peer_id[128];
    char addr0[256];
    unsigned char data[128];
    size_t data_len;
} ev_copy;

typedef struct recorder {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ev_copy ev[MAX_EVENTS];
    size_t n;
} recorder;

static double time_scale(void) {
    const char *s = getenv("LIBP2PC_TEST_TIME_SCALE");
    return (s != NULL && atoi(s) > 1) ? (double)atoi(s) : 1.0;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_event(const libp2pc_event *ev, void *user_data) {
    recorder *r = user_data;
    pthread_mutex_lock(&r->mu);
    if (r->n < MAX_EVENTS) {
        ev_copy *c = &r->ev[r->n++];
        memset(c, 0, sizeof *c);
        c->type = ev->type;
        c->status = ev->status;
        c->request_id = ev->request_id;
        c->code = ev->code;
        if (ev->peer_id) snprintf(c->peer_id, sizeof c->peer_id, "%s", ev->peer_id);
        for (size_t i = 0; i < ev->addrs_len; i++)
            if (strstr(ev->addrs[i], "/tcp/")) snprintf(c->addr0, sizeof c->addr0, "%s", ev->addrs[i]);
        if (ev->data_len > 0) {
            FROM_LIB(ev->data, ev->data_len);
            c->data_len = ev->data_len < sizeof c->data ? ev->data_len : sizeof c->data;
            memcpy(c->data, ev->data, c->data_len);
        }
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

typedef int (*pred)(const ev_copy *e, const void *arg);

/* Waits until an event matches and returns a copy of it (fails after
 * timeout_s, scaled under valgrind). */
static ev_copy wait_for(recorder *r, pred p, const void *arg, double timeout_s, const char *what) {
    double deadline = now_s() + timeout_s * time_scale();
    pthread_mutex_lock(&r->mu);
    for (;;) {
        for (size_t i = 0; i < r->n; i++) {
            if (p(&r->ev[i], arg)) {
                ev_copy e = r->ev[i];
                pthread_mutex_unlock(&r->mu);
                return e;
            }
        }
        if (now_s() > deadline) {
            pthread_mutex_unlock(&r->mu);
            FAIL("no %s within %.0f s", what, timeout_s);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
    }
}

static int is_done(const ev_copy *e, const void *arg) {
    return e->type == LIBP2PC_EVENT_REQUEST_DONE && e->request_id == *(const uint64_t *)arg;
}
static int is_type(const ev_copy *e, const void *arg) { return e->type == *(const uint32_t *)arg; }

static void wait_ok(recorder *r, uint64_t req, const char *what) {
    ev_copy e = wait_for(r, is_done, &req, 60, what);
    CHECK(e.status == LIBP2PC_OK, "%s failed: %d", what, e.status);
}

static ev_copy wait_type(recorder *r, uint32_t type, double timeout_s) {
    return wait_for(r, is_type, &type, timeout_s, libp2pc_event_type_name(type));
}

/* ---- nodes --------------------------------------------------------------- */

/* A node in callback mode, its config in front of a canary. */
static libp2pc_node new_node(recorder *r) {
    struct {
        libp2pc_config cfg;
        unsigned char canary[CANARY_LEN];
    } g;
    memset(&g, CANARY, sizeof g);
    CHECK_OK(libp2pc_config_init(&g.cfg));
    check_canary(g.canary, "libp2pc_config (config_init)");
    CHECK(g.cfg.struct_size == sizeof(libp2pc_config), "config_init set struct_size %u", g.cfg.struct_size);
    static const char *addrs[] = {"/ip4/127.0.0.1/tcp/0"};
    g.cfg.listen_addrs = addrs;
    g.cfg.listen_addrs_len = 1;
    g.cfg.stop_grace_ms = 2000;
    g.cfg.on_event = on_event;
    g.cfg.user_data = r;
    libp2pc_node n = 0;
    CHECK_OK(libp2pc_node_new(&g.cfg, &n));
    return n;
}

static void start(libp2pc_node n, recorder *r) {
    uint64_t req;
    CHECK_OK(libp2pc_node_start(n, &req));
    wait_ok(r, req, "start");
}

static void stop(libp2pc_node n, recorder *r) {
    uint64_t req;
    CHECK_OK(libp2pc_node_stop(n, &req));
    wait_ok(r, req, "stop");
    CHECK_OK(libp2pc_node_destroy(n));
    wait_type(r, LIBP2PC_EVENT_STOPPED, 60);
}

/* ---- the chain fixture ----------------------------------------------------- */

static unsigned char *read_file(const char *dir, const char *name, size_t *len) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "open %s: %s (run the chain_testdata fixture)", path, strerror(errno));
    CHECK(fseek(f, 0, SEEK_END) == 0, "seek %s", path);
    long n = ftell(f);
    CHECK(n > 0, "%s is empty", path);
    rewind(f);
    unsigned char *buf = malloc((size_t)n + 1);
    CHECK(buf != NULL, "malloc");
    CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n, "read %s", path);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

static void hex32(const char *hex, uint8_t out[32]) {
    for (int i = 0; i < 32; i++) {
        unsigned v;
        CHECK(sscanf(hex + 2 * i, "%2x", &v) == 1, "bad hex %s", hex);
        out[i] = (uint8_t)v;
    }
}

static int is_imported(const ev_copy *e, const void *arg) {
    return e->type == LIBP2PC_EVENT_BLOCK_IMPORTED && e->data_len >= 32 && memcmp(e->data, arg, 32) == 0;
}
static int is_head(const ev_copy *e, const void *arg) {
    return e->type == LIBP2PC_EVENT_HEAD_CHANGED && e->data_len >= 32 && memcmp(e->data, arg, 32) == 0;
}

static void run_chain(const char *dir) {
    size_t n_manifest, n_genesis, n_yaml, n_block;
    char *manifest = (char *)read_file(dir, "manifest.txt", &n_manifest);
    uint8_t anchor_root[32], block_root[32];
    uint64_t block_slot = 0;
    int have_anchor = 0, have_block = 0;
    for (char *save = NULL, *line = strtok_r(manifest, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char a[80], b[80], c[80];
        unsigned long long i, slot;
        if (sscanf(line, "anchor %79s %79s", a, b) == 2) {
            hex32(a, anchor_root);
            have_anchor = 1;
        } else if (sscanf(line, "block %llu %llu %79s %79s %79s", &i, &slot, a, b, c) == 5 && i == 1) {
            hex32(a, block_root);
            block_slot = slot;
            have_block = 1;
        }
    }
    free(manifest);
    CHECK(have_anchor && have_block, "manifest without anchor or block 1");
    unsigned char *genesis = read_file(dir, "genesis.ssz", &n_genesis);
    unsigned char *yaml = read_file(dir, "config.yaml", &n_yaml);
    unsigned char *block = read_file(dir, "block_1.ssz", &n_block);

    recorder *r = calloc(1, sizeof *r);
    CHECK(r != NULL, "calloc");
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    libp2pc_node n = new_node(r);
    struct {
        libp2pc_eth2_config ec;
        unsigned char canary[CANARY_LEN];
    } e;
    memset(&e, CANARY, sizeof e);
    CHECK_OK(libp2pc_eth2_config_init(&e.ec));
    check_canary(e.canary, "libp2pc_eth2_config (eth2_config_init)");
    e.ec.genesis_time = (uint64_t)time(NULL) - 3600;
    memcpy(e.ec.genesis_validators_root, genesis + 8, 32); /* BeaconState: genesis_time, genesis_validators_root */
    e.ec.config_yaml = (const char *)yaml;
    e.ec.config_yaml_len = n_yaml;
    CHECK_OK(libp2pc_node_eth2_configure(n, &e.ec));
    start(n, r);

    char store[] = "/tmp/libp2pc_frozen_2_0_XXXXXX";
    CHECK(mkdtemp(store) != NULL, "mkdtemp");
    struct {
        libp2pc_chain_config cc;
        unsigned char canary[CANARY_LEN];
    } c;
    memset(&c, CANARY, sizeof c);
    CHECK_OK(libp2pc_chain_config_init(&c.cc));
    check_canary(c.canary, "libp2pc_chain_config (chain_config_init)");
    c.cc.data_dir = store;
    c.cc.anchor_state = genesis;
    c.cc.anchor_state_len = n_genesis;
    c.cc.config_yaml = yaml;
    c.cc.config_yaml_len = n_yaml;
    uint64_t req;
    CHECK_OK(libp2pc_node_chain_start(n, &c.cc, &req));
    wait_ok(r, req, "chain_start");

    uint8_t root[32];
    uint64_t slot = 99, epoch = 99;
    CHECK_OK(libp2pc_node_chain_head(n, root, &slot));
    FROM_LIB(root, 32);
    CHECK(slot == 0 && memcmp(root, anchor_root, 32) == 0, "head at slot %llu, want the anchor", (unsigned long long)slot);
    CHECK_OK(libp2pc_node_chain_finalized(n, root, &epoch));
    FROM_LIB(root, 32);
    CHECK(epoch == 0 && memcmp(root, anchor_root, 32) == 0, "finalized epoch %llu, want the anchor", (unsigned long long)epoch);

    CHECK_OK(libp2pc_node_chain_submit_block(n, block, n_block, root));
    FROM_LIB(root, 32);
    CHECK(memcmp(root, block_root, 32) == 0, "submit_block gave another root");
    ev_copy imported = wait_for(r, is_imported, block_root, 60, "BLOCK_IMPORTED of block 1");
    CHECK(imported.code == block_slot, "BLOCK_IMPORTED at slot %llu", (unsigned long long)imported.code);
    wait_for(r, is_head, block_root, 60, "HEAD_CHANGED to block 1");
    CHECK_OK(libp2pc_node_chain_head(n, root, &slot));
    FROM_LIB(root, 32);
    CHECK(slot == block_slot && memcmp(root, block_root, 32) == 0, "head at slot %llu after the import", (unsigned long long)slot);
    uint8_t *got = NULL;
    size_t got_len = 0;
    CHECK_OK(libp2pc_node_get_block(n, block_root, &got, &got_len));
    FROM_LIB(got, got_len);
    CHECK(got_len == n_block && memcmp(got, block, n_block) == 0, "get_block differs from the submitted block");
    libp2pc_free(got);

    struct {
        libp2pc_chain_sync_status st;
        unsigned char canary[CANARY_LEN];
    } s;
    memset(&s, CANARY, sizeof s);
    s.st.struct_size = sizeof s.st;
    CHECK_OK(libp2pc_node_chain_sync_status(n, &s.st));
    check_canary(s.canary, "libp2pc_chain_sync_status");
    CHECK(s.st.head_slot == block_slot && s.st.blocks_imported == 1, "sync status: head %llu, imported %llu",
          (unsigned long long)s.st.head_slot, (unsigned long long)s.st.blocks_imported);

    stop(n, r);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
    free(genesis);
    free(yaml);
    free(block);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", store);
    CHECK(system(cmd) == 0, "%s", cmd);
}

/* ---- gossip between two nodes ---------------------------------------------- */

static const char topic[] = "frozen-abi-2.0";
static const char payload[] = "gossip from a host built against ABI 2.0";

static int is_payload(const ev_copy *e, const void *arg) {
    (void)arg;
    return e->type == LIBP2PC_EVENT_MESSAGE && e->data_len == sizeof payload - 1 &&
           memcmp(e->data, payload, sizeof payload - 1) == 0;
}

static void run_gossip(void) {
    recorder *ra = calloc(1, sizeof *ra), *rb = calloc(1, sizeof *rb);
    CHECK(ra && rb, "calloc");
    pthread_mutex_init(&ra->mu, NULL);
    pthread_cond_init(&ra->cv, NULL);
    pthread_mutex_init(&rb->mu, NULL);
    pthread_cond_init(&rb->cv, NULL);
    libp2pc_node a = new_node(ra), b = new_node(rb);
    start(a, ra);
    start(b, rb);
    ev_copy la = wait_type(ra, LIBP2PC_EVENT_LISTENING, 30);
    CHECK(la.addr0[0] != 0, "a has no tcp listen address");

    uint64_t req;
    CHECK_OK(libp2pc_node_subscribe(a, topic, &req));
    wait_ok(ra, req, "subscribe a");
    CHECK_OK(libp2pc_node_subscribe(b, topic, &req));
    wait_ok(rb, req, "subscribe b");
    char addr[512];
    snprintf(addr, sizeof addr, "%s/p2p/%s", la.addr0, la.peer_id);
    CHECK_OK(libp2pc_node_dial(b, addr, &req));
    wait_ok(rb, req, "dial");
    wait_type(ra, LIBP2PC_EVENT_TOPIC_PEER_JOINED, 30);
    CHECK_OK(libp2pc_node_publish(a, topic, (const uint8_t *)payload, sizeof payload - 1, &req));
    wait_ok(ra, req, "publish");
    wait_for(rb, is_payload, NULL, 30, "the gossip message at b");

    /* The peer list through the 2.0 element size. */
    libp2pc_peer *peers = NULL;
    size_t count = 0;
    CHECK_OK(libp2pc_node_peers(b, &peers, &count));
    CHECK(count == 1 && strcmp(peers[0].peer_id, la.peer_id) == 0, "b's peers: %zu", count);
    CHECK(strcmp(peers[0].direction, "outbound") == 0, "direction %s", peers[0].direction);
    libp2pc_peers_free(peers);

    /* Counters: written up to the 2.0 struct_size, never past it. */
    struct {
        libp2pc_counters c;
        unsigned char canary[CANARY_LEN];
    } g;
    memset(&g, CANARY, sizeof g);
    g.c.struct_size = sizeof g.c;
    CHECK_OK(libp2pc_node_counters(a, &g.c));
    check_canary(g.canary, "libp2pc_counters");
    CHECK(g.c.struct_size == sizeof g.c, "struct_size changed to %u", g.c.struct_size);
    CHECK(g.c.messages_published == 1 && g.c.connected_peers == 1 && g.c.gossip_queue_capacity == 4096,
          "counters: published %llu, peers %llu, gossip capacity %u", (unsigned long long)g.c.messages_published,
          (unsigned long long)g.c.connected_peers, g.c.gossip_queue_capacity);

    stop(b, rb);
    stop(a, ra);
    pthread_mutex_destroy(&ra->mu);
    pthread_cond_destroy(&ra->cv);
    pthread_mutex_destroy(&rb->mu);
    pthread_cond_destroy(&rb->cv);
    free(ra);
    free(rb);
}

static void watchdog_fire(int sig) {
    (void)sig;
    static const char msg[] = "FAIL host_2_0: watchdog fired: stuck\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(3);
}

/* LeakSanitizer: the chain's store keeps C memory only Go memory points at
 * (see test_chain.c). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:_Cfunc_calloc\n"; }

int main(int argc, char **argv) {
    signal(SIGALRM, watchdog_fire);
    alarm((unsigned)(240 * time_scale()));
    const char *chain_dir = getenv("LIBP2PC_CHAIN_DATA");
#ifdef LIBP2PC_CHAIN_DATA
    if (chain_dir == NULL) chain_dir = LIBP2PC_CHAIN_DATA;
#endif
    if (argc > 1) chain_dir = argv[1];
    CHECK(chain_dir != NULL, "no chain data: pass the chaingen output directory as argv[1]");

    CHECK_OK(libp2pc_init(LIBP2PC_ABI_VERSION));
    uint32_t lib = libp2pc_abi_version();
    CHECK(lib >> 16 == 2, "library ABI %u.%u", lib >> 16, lib & 0xffff);

    run_gossip();
    run_chain(chain_dir);
    printf("host_2_0: OK against library ABI %u.%u\n", lib >> 16, lib & 0xffff);
    return 0;
}
