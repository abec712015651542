/*
 * The chain API as a host uses it: one node starts its chain from genesis
 * state bytes, reads the head and the finalized checkpoint, submits signed
 * blocks it obtained itself (libp2pc_node_chain_submit_block) and follows
 * their outcome in BLOCK_IMPORTED / HEAD_CHANGED / BLOCK_INVALID events,
 * then reads blocks and states back by root and compares them byte for
 * byte with what it submitted and with the post-states the generator
 * computed. Misuse (NULLs, bad handles, garbage, unknown roots, a second
 * chain_start, calls before chain_start and after stop) gets the specific
 * error codes the header promises.
 *
 * The chain (a genesis state of 64 validators, blocks at slots 1..3 with
 * attestations, their post-states, a correctly signed block with a wrong
 * state root) comes from libp2pc/internal/testchain/cmd/chaingen, which
 * CMake runs as the fixture chain_testdata into LIBP2PC_CHAIN_DATA (or
 * pass the directory as argv[1]). It is built with the library's default
 * preset (mainnet).
 */
#include <ftw.h>
#include <stddef.h>

#include "testutil.h"

/* memcheck (make test-c-valgrind) cannot follow definedness through the Go
 * runtime's goroutine stacks and its SHA-256 assembly (see valgrind.supp,
 * whose suppressions hide those frames inside libp2pc.so): the roots the
 * library hashes, and the states that embed them, reach the host looking
 * uninitialised although every byte is written (a client check flags e.g.
 * block_roots[0] of a returned state). So the bytes the library hands over
 * (outputs, event data) are declared defined as they arrive; every one of
 * them is then compared by value. No-op outside valgrind. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define FROM_LIB(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#endif
#endif
#ifndef FROM_LIB
#define FROM_LIB(p, n) ((void)(p), (void)(n))
#endif

#define NBLOCKS 3
#define BAD_HANDLE ((libp2pc_node)0xdeadbeefULL)

/* ---- the generated chain ---------------------------------------------- */

typedef struct blk {
    uint64_t slot;
    uint8_t root[32], parent[32], state_root[32];
    uint8_t *ssz, *state;
    size_t ssz_len, state_len;
} blk;

static char data_dir[4096];
static uint8_t anchor_root[32], anchor_state_root[32];
static blk blocks[NBLOCKS + 1]; /* 1..NBLOCKS */
static blk bad;                 /* ssz, slot, root, parent, state_root */
static uint8_t *genesis, *config_yaml;
static size_t genesis_len, config_yaml_len;

static uint8_t *read_file(const char *name, size_t *len) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "open %s: %s (run the chain_testdata fixture)", path, strerror(errno));
    CHECK(fseek(f, 0, SEEK_END) == 0, "seek %s", path);
    long n = ftell(f);
    CHECK(n > 0, "%s is empty", path);
    rewind(f);
    uint8_t *buf = malloc((size_t)n);
    CHECK(buf != NULL, "malloc");
    CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n, "read %s", path);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void hex32(const char *hex, uint8_t out[32]) {
    CHECK(strlen(hex) == 64, "bad hex root %s", hex);
    for (int i = 0; i < 32; i++) {
        unsigned v;
        CHECK(sscanf(hex + 2 * i, "%2x", &v) == 1, "bad hex root %s", hex);
        out[i] = (uint8_t)v;
    }
}

static const char *show(const uint8_t *r) {
    static __thread char buf[16];
    snprintf(buf, sizeof buf, "%02x%02x%02x%02x..", r[0], r[1], r[2], r[3]);
    return buf;
}

/* SignedBeaconBlock SSZ: offset(4) signature(96) | slot(8) proposer(8)
 * parent_root(32) state_root(32) ...: the manifest must agree with the bytes. */
static void check_block_bytes(const blk *b, const char *what) {
    CHECK(b->ssz_len > 180, "%s: %zu bytes", what, b->ssz_len);
    uint64_t slot = 0;
    for (int i = 7; i >= 0; i--) slot = slot << 8 | b->ssz[100 + i];
    CHECK(slot == b->slot, "%s: slot %llu in the SSZ, %llu in the manifest", what, (unsigned long long)slot,
          (unsigned long long)b->slot);
    CHECK(memcmp(b->ssz + 116, b->parent, 32) == 0, "%s: parent root differs from the manifest", what);
    CHECK(memcmp(b->ssz + 148, b->state_root, 32) == 0, "%s: state root differs from the manifest", what);
}

static void load_chain(void) {
    size_t n;
    char *m = (char *)read_file("manifest.txt", &n);
    m = realloc(m, n + 1);
    m[n] = 0;
    int have_anchor = 0, have_bad = 0, nb = 0;
    for (char *save = NULL, *line = strtok_r(m, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char a[80], b[80], c[80];
        unsigned long long i, slot;
        char preset[32];
        if (sscanf(line, "preset %31s", preset) == 1) {
            CHECK(strcmp(preset, "mainnet") == 0, "chain data of preset %s; the library is built with mainnet", preset);
        } else if (sscanf(line, "anchor %79s %79s", a, b) == 2) {
            hex32(a, anchor_root);
            hex32(b, anchor_state_root);
            have_anchor = 1;
        } else if (sscanf(line, "block %llu %llu %79s %79s %79s", &i, &slot, a, b, c) == 5) {
            CHECK(i >= 1 && i <= NBLOCKS, "block %llu", i);
            blk *x = &blocks[i];
            x->slot = slot;
            hex32(a, x->root);
            hex32(b, x->parent);
            hex32(c, x->state_root);
            char name[64];
            snprintf(name, sizeof name, "block_%llu.ssz", i);
            x->ssz = read_file(name, &x->ssz_len);
            snprintf(name, sizeof name, "state_%llu.ssz", i);
            x->state = read_file(name, &x->state_len);
            check_block_bytes(x, name);
            nb++;
        } else if (sscanf(line, "bad %llu %79s %79s %79s", &slot, a, b, c) == 4) {
            bad.slot = slot;
            hex32(a, bad.root);
            hex32(b, bad.parent);
            hex32(c, bad.state_root);
            bad.ssz = read_file("bad_state_root.ssz", &bad.ssz_len);
            check_block_bytes(&bad, "bad_state_root.ssz");
            have_bad = 1;
        }
    }
    free(m);
    CHECK(have_anchor && have_bad && nb == NBLOCKS, "incomplete manifest (anchor %d, bad %d, blocks %d)", have_anchor,
          have_bad, nb);
    genesis = read_file("genesis.ssz", &genesis_len);
    config_yaml = read_file("config.yaml", &config_yaml_len);
    /* The chain links up: block 1 on the genesis anchor, each on the previous. */
    CHECK(memcmp(blocks[1].parent, anchor_root, 32) == 0, "block 1 is not on the anchor");
    for (int i = 2; i <= NBLOCKS; i++)
        CHECK(memcmp(blocks[i].parent, blocks[i - 1].root, 32) == 0, "block %d is not on block %d", i, i - 1);
    CHECK(memcmp(bad.parent, blocks[NBLOCKS].root, 32) == 0, "the bad block is not on the last block");
}

static void free_chain(void) {
    for (int i = 1; i <= NBLOCKS; i++) {
        free(blocks[i].ssz);
        free(blocks[i].state);
    }
    free(bad.ssz);
    free(genesis);
    free(config_yaml);
}

/* ---- events ------------------------------------------------------------ */

/* rec_event has no `code` (the slot / epoch of chain events): keep it by seq.
 * Recorded before rec_cb, so it is there when a waiter sees the event. */
static struct {
    pthread_mutex_t mu;
    uint64_t seq[512], code[512];
    size_t n;
} codes = {PTHREAD_MUTEX_INITIALIZER, {0}, {0}, 0};

static void chain_cb(const libp2pc_event *ev, void *user_data) {
    if (ev->type >= LIBP2PC_EVENT_BLOCK_IMPORTED && ev->type <= LIBP2PC_EVENT_FINALIZED) {
        if (ev->data_len > 0) FROM_LIB(ev->data, ev->data_len);
        pthread_mutex_lock(&codes.mu);
        if (codes.n < 512) {
            codes.seq[codes.n] = ev->seq;
            codes.code[codes.n++] = ev->code;
        }
        pthread_mutex_unlock(&codes.mu);
    }
    rec_cb(ev, user_data);
}

static uint64_t code_of(uint64_t seq) {
    pthread_mutex_lock(&codes.mu);
    for (size_t i = 0; i < codes.n; i++) {
        if (codes.seq[i] == seq) {
            uint64_t c = codes.code[i];
            pthread_mutex_unlock(&codes.mu);
            return c;
        }
    }
    pthread_mutex_unlock(&codes.mu);
    FAIL("no code recorded for event seq %llu", (unsigned long long)seq);
}

typedef struct want {
    uint32_t type;
    const uint8_t *root;
} want;

static int pred_root(const rec_event *e, const void *arg) {
    const want *w = arg;
    return e->type == w->type && e->data_len >= 32 && memcmp(e->data, w->root, 32) == 0;
}

static rec_event wait_root(recorder *rec, uint32_t type, const uint8_t *root, double timeout_s) {
    want w = {type, root};
    long i = rec_wait(rec, pred_root, &w, timeout_s);
    if (i < 0) FAIL("no %s event for %s within %.0f s", libp2pc_event_type_name(type), show(root), timeout_s);
    return rec_get(rec, i);
}

static size_t count_root(recorder *rec, uint32_t type, const uint8_t *root) {
    size_t k = 0;
    pthread_mutex_lock(&rec->mu);
    for (size_t i = 0; i < rec->n; i++)
        k += rec->ev[i].type == type && rec->ev[i].data_len >= 32 && memcmp(rec->ev[i].data, root, 32) == 0;
    pthread_mutex_unlock(&rec->mu);
    return k;
}

/* ---- helpers ------------------------------------------------------------ */

static void check_bytes(libp2pc_node n, int state, const uint8_t *root, const uint8_t *want_b, size_t want_len,
                        const char *what) {
    uint8_t *out = NULL;
    size_t len = 0;
    if (state)
        CHECK_OK(libp2pc_node_get_state(n, root, &out, &len));
    else
        CHECK_OK(libp2pc_node_get_block(n, root, &out, &len));
    CHECK(out != NULL, "%s: NULL buffer", what);
    FROM_LIB(out, len);
    CHECK(len == want_len, "%s: %zu bytes, want %zu", what, len, want_len);
    CHECK(memcmp(out, want_b, len) == 0, "%s: bytes differ", what);
    libp2pc_free(out);
}

static void check_not_found(libp2pc_node n, const uint8_t *root, const char *what) {
    uint8_t *out = (uint8_t *)1;
    size_t len = 7;
    CHECK_RC(libp2pc_node_get_block(n, root, &out, &len), LIBP2PC_ERR_NOT_FOUND);
    CHECK(strlen(libp2pc_last_error()) > 0, "%s: no error message", what);
    out = NULL;
    CHECK_RC(libp2pc_node_get_state(n, root, &out, &len), LIBP2PC_ERR_NOT_FOUND);
    CHECK(out == NULL, "%s: get_state wrote *out on failure", what);
}

static void check_head(libp2pc_node n, const uint8_t *root, uint64_t slot, const char *what) {
    uint8_t r[32];
    uint64_t s = 99;
    CHECK_OK(libp2pc_node_chain_head(n, r, &s));
    FROM_LIB(r, 32);
    CHECK(memcmp(r, root, 32) == 0 && s == slot, "%s: head %s slot %llu, want %s slot %llu", what, show(r),
          (unsigned long long)s, show(root), (unsigned long long)slot);
}

static libp2pc_chain_sync_status sync_status(libp2pc_node n) {
    libp2pc_chain_sync_status st;
    memset(&st, 0xff, sizeof st);
    st.struct_size = sizeof st;
    CHECK_OK(libp2pc_node_chain_sync_status(n, &st));
    FROM_LIB(&st, sizeof st); /* written by Go code from memory memcheck does not track */
    CHECK(st.struct_size == sizeof st, "struct_size changed");
    CHECK(memchr(st.sync_peer, 0, sizeof st.sync_peer) != NULL, "sync_peer not NUL-terminated");
    return st;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* LeakSanitizer (make test-c-asan): the chain's store, pebble, keeps C
 * memory (C.calloc, internal/manual) for its block cache entries in a Go
 * sync.Pool of free lists, released by Go finalizers; at exit only Go heap
 * memory, which LSan does not scan, points at them, so LSan calls them
 * direct leaks. LSan sees just calloc <- the cgo stub <- runtime.asmcgocall
 * (it cannot unwind Go frames); nothing else in libp2pc calls C.calloc.
 * Only built into this test, the one that runs a store. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:_Cfunc_calloc\n"; }

/* ---- the test ----------------------------------------------------------- */

int main(int argc, char **argv) {
    watchdog_start(240);
#ifdef LIBP2PC_CHAIN_DATA
    snprintf(data_dir, sizeof data_dir, "%s", LIBP2PC_CHAIN_DATA);
#endif
    if (getenv("LIBP2PC_CHAIN_DATA")) snprintf(data_dir, sizeof data_dir, "%s", getenv("LIBP2PC_CHAIN_DATA"));
    if (argc > 1) snprintf(data_dir, sizeof data_dir, "%s", argv[1]);
    CHECK(data_dir[0] != 0, "no chain data: pass the chaingen output directory as argv[1]");
    load_chain();

    init_lib();
    CHECK(libp2pc_abi_version() >> 16 == LIBP2PC_ABI_VERSION_MAJOR, "library ABI %#x", libp2pc_abi_version());

    /* A running eth2 node in callback mode. Genesis an hour ago: the
     * blocks' slots (1..4) are in the past of the slot clock. */
    recorder rec;
    rec_init(&rec);
    libp2pc_config cfg;
    CHECK_OK(libp2pc_config_init(&cfg));
    const char *addrs[] = {"/ip4/127.0.0.1/tcp/0"};
    cfg.listen_addrs = addrs;
    cfg.listen_addrs_len = 1;
    cfg.stop_grace_ms = 2000;
    cfg.on_event = chain_cb;
    cfg.user_data = &rec;
    libp2pc_node n = 0;
    CHECK_OK(libp2pc_node_new(&cfg, &n));
    libp2pc_eth2_config ec;
    CHECK_OK(libp2pc_eth2_config_init(&ec));
    uint64_t genesis_time = (uint64_t)time(NULL) - 3600;
    ec.genesis_time = genesis_time;
    memcpy(ec.genesis_validators_root, genesis + 8, 32); /* BeaconState: genesis_time, genesis_validators_root */
    ec.config_yaml = (const char *)config_yaml;
    ec.config_yaml_len = config_yaml_len;
    CHECK_OK(libp2pc_node_eth2_configure(n, &ec));
    uint64_t req;
    CHECK_OK(libp2pc_node_start(n, &req));
    rec_wait_ok(&rec, req, "start");

    /* Before chain_start: BAD_STATE for every chain call. */
    uint8_t root[32];
    uint64_t slot, epoch;
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_RC(libp2pc_node_chain_head(n, root, &slot), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_chain_finalized(n, root, &epoch), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_get_block(n, anchor_root, &buf, &len), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_get_state(n, anchor_root, &buf, &len), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_chain_submit_block(n, blocks[1].ssz, blocks[1].ssz_len, root), LIBP2PC_ERR_BAD_STATE);
    libp2pc_chain_sync_status st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    CHECK_RC(libp2pc_node_chain_sync_status(n, &st), LIBP2PC_ERR_BAD_STATE);
    libp2pc_chain_da_counters dac;
    memset(&dac, 0, sizeof dac);
    dac.struct_size = sizeof dac;
    CHECK_RC(libp2pc_node_chain_da_counters(n, &dac), LIBP2PC_ERR_BAD_STATE);
    uint32_t sc_kind = 0, sc_count = 0;
    CHECK_RC(libp2pc_node_get_sidecars(n, anchor_root, &buf, &len, &sc_kind, &sc_count), LIBP2PC_ERR_BAD_STATE);

    /* chain_start misuse. */
    char store_dir[] = "/tmp/libp2pc_test_chain_XXXXXX";
    CHECK(mkdtemp(store_dir) != NULL, "mkdtemp");
    libp2pc_chain_config cc;
    CHECK_OK(libp2pc_chain_config_init(&cc));
    CHECK(cc.struct_size == sizeof cc, "chain_config_init set struct_size %u", cc.struct_size);
    cc.data_dir = store_dir;
    cc.anchor_state = genesis;
    cc.anchor_state_len = genesis_len;
    cc.config_yaml = config_yaml;
    cc.config_yaml_len = config_yaml_len;
    cc.custody_group_count = 8; /* ABI 2.2 */
    CHECK_RC(libp2pc_node_chain_start(n, NULL, &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_chain_start(BAD_HANDLE, &cc, &req), LIBP2PC_ERR_BAD_HANDLE);
    libp2pc_chain_config small = cc;
    small.struct_size = sizeof small - 1;
    CHECK_RC(libp2pc_node_chain_start(n, &small, &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    /* A truncated state: the call accepts it (it does not decode); its
     * REQUEST_DONE says what is wrong, and nothing of the chain remains. */
    libp2pc_chain_config garbage_anchor = cc;
    garbage_anchor.anchor_state_len = 1000;
    CHECK_OK(libp2pc_node_chain_start(n, &garbage_anchor, &req));
    {
        long i = rec_wait(&rec, pred_request, &req, 60);
        CHECK(i >= 0, "chain_start with a truncated state never completed");
        rec_event e = rec_get(&rec, i);
        CHECK(e.status == LIBP2PC_ERR_INVALID_ARGUMENT && e.text != NULL && strstr(e.text, "anchor") != NULL,
              "chain_start with a truncated state completed with %d %s", e.status, e.text ? e.text : "");
    }
    CHECK_RC(libp2pc_node_chain_head(n, root, &slot), LIBP2PC_ERR_BAD_STATE);

    /* chain_start from the genesis state bytes; a second one fails. */
    CHECK_OK(libp2pc_node_chain_start(n, &cc, &req));
    rec_wait_ok(&rec, req, "chain_start");
    uint64_t req2 = 0;
    CHECK_RC(libp2pc_node_chain_start(n, &cc, &req2), LIBP2PC_ERR_BAD_STATE);

    /* Head and finalized checkpoint: the genesis anchor, epoch 0. */
    check_head(n, anchor_root, 0, "after chain_start");
    memset(root, 0xee, 32);
    epoch = 99;
    CHECK_OK(libp2pc_node_chain_finalized(n, root, &epoch));
    FROM_LIB(root, 32);
    CHECK(epoch == 0 && memcmp(root, anchor_root, 32) == 0, "finalized %s epoch %llu, want the anchor, 0", show(root),
          (unsigned long long)epoch);
    CHECK_OK(libp2pc_node_chain_head(n, NULL, NULL)); /* both outputs optional */
    CHECK_OK(libp2pc_node_chain_finalized(n, NULL, NULL));
    /* The anchor's signed block is not kept; its state is the genesis state. */
    buf = (uint8_t *)1;
    CHECK_RC(libp2pc_node_get_block(n, anchor_root, &buf, &len), LIBP2PC_ERR_NOT_FOUND);
    check_bytes(n, 1, anchor_root, genesis, genesis_len, "get_state(anchor)");

    /* Data availability (ABI 2.2): the custody in effect, no sidecars of
     * a block without blobs, the proposer call refusing a phase0 block
     * (asynchronously) and NULL arguments (at once). */
    CHECK_OK(libp2pc_node_chain_da_counters(n, &dac));
    CHECK(dac.struct_size == sizeof dac && dac.custody_group_count == 8 && dac.blocks_waited == 0 &&
              dac.sidecars_received == 0,
          "da counters: cgc %llu waited %llu received %llu", (unsigned long long)dac.custody_group_count,
          (unsigned long long)dac.blocks_waited, (unsigned long long)dac.sidecars_received);
    buf = (uint8_t *)1;
    CHECK_RC(libp2pc_node_get_sidecars(n, anchor_root, &buf, &len, &sc_kind, &sc_count), LIBP2PC_ERR_NOT_FOUND);
    CHECK_RC(libp2pc_node_get_sidecars(n, anchor_root, NULL, &len, &sc_kind, &sc_count), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_chain_propose_blobs(n, NULL, 0, NULL, 0, &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_OK(libp2pc_node_chain_propose_blobs(n, blocks[1].ssz, blocks[1].ssz_len, NULL, 0, &req));
    {
        long i = rec_wait(&rec, pred_request, &req, 60);
        CHECK(i >= 0, "chain_propose_blobs never completed");
        rec_event e = rec_get(&rec, i);
        CHECK(e.status == LIBP2PC_ERR_INVALID_ARGUMENT && e.text != NULL && strstr(e.text, "deneb") != NULL,
              "chain_propose_blobs of a phase0 block completed with %d %s", e.status, e.text ? e.text : "");
    }

    st = sync_status(n);
    uint64_t wall = ((uint64_t)time(NULL) - genesis_time) / 12;
    CHECK(st.head_slot == 0 && st.finalized_epoch == 0 && st.syncing == 0 && st.syncs == 0 &&
              st.blocks_imported == 0 && st.blocks_invalid == 0 && st.sync_peer[0] == 0,
          "sync status at genesis: head %llu fin %llu syncing %u syncs %llu imported %llu invalid %llu",
          (unsigned long long)st.head_slot, (unsigned long long)st.finalized_epoch, st.syncing,
          (unsigned long long)st.syncs, (unsigned long long)st.blocks_imported, (unsigned long long)st.blocks_invalid);
    /* A genesis anchor has no history behind it: no backfill, every block stored from slot 0. */
    CHECK(st.backfilling == 0 && st.backfill_done == 0 && st.earliest_slot == 0 && st.backfilled_blocks == 0,
          "backfill status at genesis: running %u done %u earliest %llu blocks %llu", st.backfilling, st.backfill_done,
          (unsigned long long)st.earliest_slot, (unsigned long long)st.backfilled_blocks);
    CHECK(st.current_slot + 1 >= wall && st.current_slot <= wall + 1 && st.sync_distance == st.current_slot,
          "current slot %llu (wall clock %llu) distance %llu", (unsigned long long)st.current_slot,
          (unsigned long long)wall, (unsigned long long)st.sync_distance);

    /* Submit blocks 1..3: each is imported and becomes the head. */
    for (int i = 1; i <= NBLOCKS; i++) {
        blk *b = &blocks[i];
        memset(root, 0, 32);
        double t0 = now_s();
        CHECK_OK(libp2pc_node_chain_submit_block(n, b->ssz, b->ssz_len, root));
        double took = now_s() - t0;
        FROM_LIB(root, 32);
        CHECK(memcmp(root, b->root, 32) == 0, "submit %d: root %s, want %s", i, show(root), show(b->root));
        CHECK(took < 2.0 * time_scale(), "submit %d took %.2f s (it must not wait on the transition)", i, took);

        rec_event imp = wait_root(&rec, LIBP2PC_EVENT_BLOCK_IMPORTED, b->root, 60);
        CHECK(imp.data_len == 96, "BLOCK_IMPORTED data_len %zu", imp.data_len);
        CHECK(code_of(imp.seq) == b->slot, "BLOCK_IMPORTED %d: slot %llu, want %llu", i,
              (unsigned long long)code_of(imp.seq), (unsigned long long)b->slot);
        CHECK(memcmp(imp.data + 32, b->parent, 32) == 0, "BLOCK_IMPORTED %d: parent %s, want %s", i,
              show(imp.data + 32), show(b->parent));
        CHECK(memcmp(imp.data + 64, b->state_root, 32) == 0, "BLOCK_IMPORTED %d: state root %s, want %s", i,
              show(imp.data + 64), show(b->state_root));

        rec_event hc = wait_root(&rec, LIBP2PC_EVENT_HEAD_CHANGED, b->root, 60);
        CHECK(hc.data_len == 32 && code_of(hc.seq) == b->slot, "HEAD_CHANGED %d: len %zu slot %llu", i, hc.data_len,
              (unsigned long long)code_of(hc.seq));
        CHECK(hc.seq > imp.seq, "HEAD_CHANGED (seq %llu) before BLOCK_IMPORTED (seq %llu)",
              (unsigned long long)hc.seq, (unsigned long long)imp.seq);
        check_head(n, b->root, b->slot, "after import");

        char what[64];
        snprintf(what, sizeof what, "get_block(block %d)", i);
        check_bytes(n, 0, b->root, b->ssz, b->ssz_len, what);
        snprintf(what, sizeof what, "get_state(block %d)", i);
        check_bytes(n, 1, b->root, b->state, b->state_len, what);
    }
    /* The earlier states are still there (recent slots are never pruned). */
    check_bytes(n, 1, blocks[1].root, blocks[1].state, blocks[1].state_len, "get_state(block 1) again");

    /* A block imported already: accepted, no second event. */
    CHECK_OK(libp2pc_node_chain_submit_block(n, blocks[1].ssz, blocks[1].ssz_len, NULL));

    /* A correctly signed block with a wrong state root: BLOCK_INVALID with
     * the rule; the head stays; nothing of it is kept. */
    memset(root, 0, 32);
    CHECK_OK(libp2pc_node_chain_submit_block(n, bad.ssz, bad.ssz_len, root));
    FROM_LIB(root, 32);
    CHECK(memcmp(root, bad.root, 32) == 0, "submit bad: root %s, want %s", show(root), show(bad.root));
    rec_event inv = wait_root(&rec, LIBP2PC_EVENT_BLOCK_INVALID, bad.root, 60);
    CHECK(inv.data_len == 32 && code_of(inv.seq) == bad.slot, "BLOCK_INVALID: len %zu slot %llu", inv.data_len,
          (unsigned long long)code_of(inv.seq));
    CHECK(inv.text != NULL && strstr(inv.text, "state_root") != NULL, "BLOCK_INVALID rule: %s",
          inv.text ? inv.text : "(null)");
    check_head(n, blocks[NBLOCKS].root, blocks[NBLOCKS].slot, "after the invalid block");
    check_not_found(n, bad.root, "the invalid block");

    /* Garbage: rejected at once, nothing submitted. */
    static const uint8_t garbage[] = "this is not a SignedBeaconBlock";
    CHECK_RC(libp2pc_node_chain_submit_block(n, garbage, sizeof garbage, root), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK(strlen(libp2pc_last_error()) > 0, "no message for garbage");
    CHECK_RC(libp2pc_node_chain_submit_block(n, blocks[2].ssz, blocks[2].ssz_len - 10, NULL),
             LIBP2PC_ERR_INVALID_ARGUMENT); /* truncated */
    CHECK_RC(libp2pc_node_chain_submit_block(n, NULL, 100, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_chain_submit_block(n, blocks[1].ssz, 0, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);

    /* Unknown root. */
    uint8_t unknown[32];
    memset(unknown, 0x42, 32);
    check_not_found(n, unknown, "an unknown root");

    /* NULLs and bad handles. */
    CHECK_RC(libp2pc_node_get_block(n, NULL, &buf, &len), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_get_block(n, anchor_root, NULL, &len), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_get_state(n, NULL, &buf, &len), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_get_state(n, anchor_root, NULL, &len), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_get_state(n, anchor_root, &buf, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_chain_sync_status(n, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    st.struct_size = 8;
    CHECK_RC(libp2pc_node_chain_sync_status(n, &st), LIBP2PC_ERR_INVALID_ARGUMENT);
    st.struct_size = sizeof st - 1; /* a torn field */
    CHECK_RC(libp2pc_node_chain_sync_status(n, &st), LIBP2PC_ERR_INVALID_ARGUMENT);
    /* A host built with the 1.2 header (no backfill fields) gets the fields it has, nothing past them. */
    memset(&st, 0xee, sizeof st);
    st.struct_size = offsetof(libp2pc_chain_sync_status, backfilling);
    CHECK_OK(libp2pc_node_chain_sync_status(n, &st));
    FROM_LIB(&st, offsetof(libp2pc_chain_sync_status, backfilling));
    CHECK(st.backfilling == 0xeeeeeeeeu && st.earliest_slot == 0xeeeeeeeeeeeeeeeeull && st.head_slot != 0xeeeeeeeeeeeeeeeeull,
          "a 1.2-size sync status: written past struct_size or not at all");
    st.struct_size = sizeof st;
    CHECK_RC(libp2pc_node_chain_head(BAD_HANDLE, root, &slot), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_chain_finalized(BAD_HANDLE, root, &epoch), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_get_block(BAD_HANDLE, anchor_root, &buf, &len), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_get_state(BAD_HANDLE, anchor_root, &buf, &len), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_chain_submit_block(BAD_HANDLE, blocks[1].ssz, blocks[1].ssz_len, NULL),
             LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_chain_sync_status(BAD_HANDLE, &st), LIBP2PC_ERR_BAD_HANDLE);
    libp2pc_free(NULL);

    /* Sync status: the head is at slot 3, three imports, one invalid. */
    st = sync_status(n);
    CHECK(st.head_slot == NBLOCKS && st.blocks_imported == NBLOCKS && st.blocks_invalid == 1 &&
              st.blocks_dropped == 0 && st.syncing == 0 && st.finalized_epoch == 0 &&
              st.sync_distance == st.current_slot - NBLOCKS,
          "sync status: head %llu imported %llu invalid %llu dropped %llu syncing %u distance %llu current %llu",
          (unsigned long long)st.head_slot, (unsigned long long)st.blocks_imported,
          (unsigned long long)st.blocks_invalid, (unsigned long long)st.blocks_dropped, st.syncing,
          (unsigned long long)st.sync_distance, (unsigned long long)st.current_slot);

    /* Exactly one outcome per block: the resubmitted block 1 produced no
     * second BLOCK_IMPORTED, and no finality (a handful of slots). */
    for (int i = 1; i <= NBLOCKS; i++) {
        CHECK(count_root(&rec, LIBP2PC_EVENT_BLOCK_IMPORTED, blocks[i].root) == 1, "block %d imported %zu times", i,
              count_root(&rec, LIBP2PC_EVENT_BLOCK_IMPORTED, blocks[i].root));
    }
    CHECK(rec_count_type(&rec, LIBP2PC_EVENT_BLOCK_IMPORTED) == NBLOCKS, "%zu BLOCK_IMPORTED",
          rec_count_type(&rec, LIBP2PC_EVENT_BLOCK_IMPORTED));
    CHECK(rec_count_type(&rec, LIBP2PC_EVENT_BLOCK_INVALID) == 1, "%zu BLOCK_INVALID",
          rec_count_type(&rec, LIBP2PC_EVENT_BLOCK_INVALID));
    CHECK(rec_count_type(&rec, LIBP2PC_EVENT_HEAD_CHANGED) == NBLOCKS, "%zu HEAD_CHANGED",
          rec_count_type(&rec, LIBP2PC_EVENT_HEAD_CHANGED));
    CHECK(rec_count_type(&rec, LIBP2PC_EVENT_FINALIZED) == 0, "FINALIZED without finality");

    /* After stop: STOPPED; after destroy: BAD_HANDLE. */
    CHECK_OK(libp2pc_node_stop(n, &req));
    rec_wait_ok(&rec, req, "stop");
    CHECK_RC(libp2pc_node_chain_head(n, root, &slot), LIBP2PC_ERR_STOPPED);
    CHECK_RC(libp2pc_node_chain_submit_block(n, blocks[1].ssz, blocks[1].ssz_len, NULL), LIBP2PC_ERR_STOPPED);
    CHECK_RC(libp2pc_node_get_state(n, anchor_root, &buf, &len), LIBP2PC_ERR_STOPPED);
    CHECK_OK(libp2pc_node_destroy(n));
    rec_wait_type(&rec, LIBP2PC_EVENT_STOPPED, 60);
    CHECK_RC(libp2pc_node_chain_head(n, root, &slot), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_chain_submit_block(n, blocks[1].ssz, blocks[1].ssz_len, NULL), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_get_state(n, anchor_root, &buf, &len), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_chain_sync_status(n, &st), LIBP2PC_ERR_BAD_HANDLE);

    rec_free(&rec);
    free_chain();
    CHECK(nftw(store_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "remove %s", store_dir);
    printf("test_chain: OK\n");
    return 0;
}
