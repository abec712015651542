/*
 * Eth2 req/resp through the C API, two nodes in one process:
 *   - the status handshake on connect (PEER_STATUS with the peer's Status);
 *   - a host-served beacon_blocks_by_range with several chunks, answered
 *     from the callback thread's queue by the test thread;
 *   - a request the host never answers: the library's deadline sends the
 *     peer ServerError and forgets the incoming id (NOT_FOUND afterwards);
 *   - ping answered by the library from the metadata;
 *   - goodbye (PEER_GOODBYE before PEER_DISCONNECTED);
 *   - misuse: NULLs, bad sizes, unknown protocols and ids, wrong state.
 */
#include "testutil.h"

#define BLOCKS 4
#define BLOCK_SIZE (128 * 1024)
#define RANGE "/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy"
#define PING "/eth2/beacon_chain/req/ping/1/ssz_snappy"
#define STATUS2 "/eth2/beacon_chain/req/status/2/ssz_snappy"

/* What rec_cb does not keep: code and context of each event, by index. */
typedef struct extra {
    uint64_t code[4096];
    uint8_t context[4096][4];
    size_t context_len[4096];
    char protocol[4096][96];
    size_t hooked; /* events whose fields above are filled (under r->mu) */
} extra;

static void extra_hook(recorder *r, const libp2pc_event *ev) {
    extra *x = r->hook_arg;
    pthread_mutex_lock(&r->mu);
    size_t i = r->n - 1; /* only this node's delivery thread records */
    pthread_mutex_unlock(&r->mu);
    if (i >= 4096) return;
    x->code[i] = ev->code;
    x->context_len[i] = ev->context_len;
    if (ev->context_len == 4) memcpy(x->context[i], ev->context, 4);
    snprintf(x->protocol[i], sizeof x->protocol[i], "%s", ev->protocol ? ev->protocol : "");
    pthread_mutex_lock(&r->mu);
    x->hooked = i + 1;
    pthread_mutex_unlock(&r->mu);
}

/* rec_wait returns as soon as rec_cb recorded the event; the hook fills
 * the extra fields just after. Wait for them. */
static long hooked(recorder *r, long i) {
    if (i < 0) return i;
    extra *x = r->hook_arg;
    double deadline = now_s() + 30 * time_scale();
    for (;;) {
        pthread_mutex_lock(&r->mu);
        int ok = x->hooked > (size_t)i;
        pthread_mutex_unlock(&r->mu);
        if (ok) return i;
        if (now_s() > deadline) FAIL("hook never ran for event %ld", i);
        usleep(1000);
    }
}

static libp2pc_node new_node(recorder *rec, extra *x, uint32_t serve_ms) {
    const char *addrs[] = {"/ip4/127.0.0.1/tcp/0"};
    libp2pc_config cfg;
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.listen_addrs = addrs;
    cfg.listen_addrs_len = 1;
    cfg.stop_grace_ms = 2000;
    cfg.on_event = rec_cb;
    cfg.user_data = rec;
    rec->hook = extra_hook;
    rec->hook_arg = x;
    libp2pc_node n = 0;
    CHECK_OK(libp2pc_node_new(&cfg, &n));
    CHECK_OK(libp2pc_node_set_reqresp_timeouts(n, 0, 0, serve_ms));
    return n;
}

static void start(libp2pc_node n, recorder *rec) {
    uint64_t req;
    CHECK_OK(libp2pc_node_start(n, &req));
    rec_wait_ok(rec, req, "start");
}

static libp2pc_eth2_status status_of(uint64_t head_slot) {
    libp2pc_eth2_status st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    memcpy(st.fork_digest, "\x01\x02\x03\x04", 4);
    st.finalized_epoch = 2;
    st.head_slot = head_slot;
    st.head_root[0] = 0xaa;
    st.earliest_available_slot = 7;
    return st;
}

static uint64_t le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

typedef struct typed_peer {
    uint32_t type;
    const char *peer;
} typed_peer;

static int pred_incoming_after(const rec_event *e, const void *arg) {
    return e->type == LIBP2PC_EVENT_INCOMING_REQUEST && e->request_id > *(const uint64_t *)arg;
}

static int pred_type_peer(const rec_event *e, const void *arg) {
    const typed_peer *tp = arg;
    return e->type == tp->type && e->peer_id && strcmp(e->peer_id, tp->peer) == 0;
}

/* Chunks of request id, in order: their indexes into the recorder. */
static size_t chunks_of(recorder *r, uint64_t id, long *out, size_t max) {
    size_t k = 0;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n; i++)
        if (r->ev[i].type == LIBP2PC_EVENT_RESPONSE_CHUNK && r->ev[i].request_id == id && k < max) out[k++] = (long)i;
    pthread_mutex_unlock(&r->mu);
    return k;
}

static libp2pc_reqresp_counters rr_counters(libp2pc_node n) {
    libp2pc_reqresp_counters c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    CHECK_OK(libp2pc_node_reqresp_counters(n, &c));
    return c;
}

int main(void) {
    watchdog_start(120);
    init_lib();
    static recorder ra, rb;
    static extra xa, xb;
    rec_init(&ra);
    rec_init(&rb);
    libp2pc_node a = new_node(&ra, &xa, 0);
    libp2pc_node b = new_node(&rb, &xb, 1000); /* b's host has 1 s to answer */

    /* Misuse before start. */
    libp2pc_eth2_status sa = status_of(10), sb = status_of(20);
    CHECK_RC(libp2pc_node_set_status(a, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    sa.struct_size = 4;
    CHECK_RC(libp2pc_node_set_status(a, &sa), LIBP2PC_ERR_INVALID_ARGUMENT);
    sa.struct_size = sizeof sa;
    CHECK_RC(libp2pc_node_set_status(0, &sa), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_OK(libp2pc_node_set_status(a, &sa));
    CHECK_OK(libp2pc_node_set_status(b, &sb));
    libp2pc_eth2_metadata md;
    memset(&md, 0, sizeof md);
    md.struct_size = sizeof md;
    md.seq_number = 42;
    md.syncnets = 0x10;
    CHECK_RC(libp2pc_node_set_metadata(b, &md), LIBP2PC_ERR_INVALID_ARGUMENT);
    md.syncnets = 0x1;
    CHECK_OK(libp2pc_node_set_metadata(b, &md));
    CHECK_RC(libp2pc_node_serve(b, "/eth2/beacon_chain/req/nope/1/ssz_snappy", LIBP2PC_SERVE_BY_HOST),
             LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_serve(b, STATUS2, LIBP2PC_SERVE_BY_HOST), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_serve(b, RANGE, 7), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_serve(b, NULL, LIBP2PC_SERVE_BY_HOST), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_OK(libp2pc_node_serve(b, RANGE, LIBP2PC_SERVE_BY_HOST));
    uint64_t req;
    uint8_t range[24];
    memset(range, 0, sizeof range);
    put64(range + 8, BLOCKS);
    put64(range + 16, 1);
    CHECK_RC(libp2pc_node_request(a, "16Uiu2HAmPeer", RANGE, range, sizeof range, 0, &req), LIBP2PC_ERR_INVALID_ARGUMENT);

    start(a, &ra);
    start(b, &rb);
    CHECK_RC(libp2pc_node_set_reqresp_timeouts(a, 0, 0, 0), LIBP2PC_ERR_BAD_STATE);
    char ida[128], idb[128], addr[512];
    CHECK_OK(libp2pc_node_peer_id(a, ida, sizeof ida));
    CHECK_OK(libp2pc_node_peer_id(b, idb, sizeof idb));
    CHECK_RC(libp2pc_node_request(a, idb, RANGE, range, sizeof range, 0, &req), LIBP2PC_ERR_NOT_FOUND);

    /* Connect: a dials, so a runs the status handshake. */
    dial_addr(&rb, "/tcp/", addr, sizeof addr);
    CHECK_OK(libp2pc_node_dial(a, addr, &req));
    rec_wait_ok(&ra, req, "dial");
    typed_peer want = {LIBP2PC_EVENT_PEER_STATUS, idb};
    long i = hooked(&ra, rec_wait(&ra, pred_type_peer, &want, 30));
    CHECK(i >= 0, "no PEER_STATUS on a");
    rec_event e = rec_get(&ra, i);
    CHECK(e.status == 0 && e.data_len == 92, "a's PEER_STATUS: status %d len %zu %s", e.status, e.data_len,
          e.text ? e.text : "");
    CHECK(le64(e.data + 76) == 20 && le64(e.data + 84) == 7, "a saw head slot %llu", (unsigned long long)le64(e.data + 76));
    CHECK(strcmp(xa.protocol[i], STATUS2) == 0, "status protocol %s", xa.protocol[i]);
    want = (typed_peer){LIBP2PC_EVENT_PEER_STATUS, ida};
    i = rec_wait(&rb, pred_type_peer, &want, 30);
    CHECK(i >= 0, "no PEER_STATUS on b");
    CHECK(le64(rec_get(&rb, i).data + 76) == 10, "b saw a's head slot");

    /* Host-served blocks_by_range with BLOCKS chunks of 128 KiB. */
    CHECK_RC(libp2pc_node_request(a, idb, RANGE, range, 3, 0, &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_request(a, idb, RANGE, range, sizeof range, 0, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_request(a, idb, RANGE, NULL, sizeof range, 0, &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    uint64_t rid;
    CHECK_OK(libp2pc_node_request(a, idb, RANGE, range, sizeof range, 20000, &rid));
    uint64_t none = 0;
    i = hooked(&rb, rec_wait(&rb, pred_incoming_after, &none, 30));
    CHECK(i >= 0, "no INCOMING_REQUEST");
    rec_event in = rec_get(&rb, i);
    CHECK(in.peer_id && strcmp(in.peer_id, ida) == 0 && in.data_len == 24 && memcmp(in.data, range, 24) == 0,
          "incoming request");
    CHECK(strcmp(xb.protocol[i], RANGE) == 0, "incoming protocol %s", xb.protocol[i]);
    uint8_t *blk = malloc(BLOCK_SIZE);
    CHECK(blk != NULL, "malloc");
    const uint8_t digest[4] = {1, 2, 3, 4};
    CHECK_RC(libp2pc_node_respond_chunk(b, in.request_id, NULL, 0, blk, BLOCK_SIZE), LIBP2PC_ERR_INVALID_ARGUMENT);
    for (int k = 0; k < BLOCKS; k++) {
        memset(blk, k + 1, BLOCK_SIZE);
        CHECK_OK(libp2pc_node_respond_chunk(b, in.request_id, digest, 4, blk, BLOCK_SIZE));
    }
    CHECK_RC(libp2pc_node_respond_chunk(b, in.request_id, digest, 4, blk, BLOCK_SIZE), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_OK(libp2pc_node_respond_end(b, in.request_id));
    CHECK_RC(libp2pc_node_respond_end(b, in.request_id), LIBP2PC_ERR_NOT_FOUND);
    i = hooked(&ra, rec_wait(&ra, pred_request, &rid, 60));
    CHECK(i >= 0, "blocks_by_range never completed");
    e = rec_get(&ra, i);
    CHECK(e.status == 0 && xa.code[i] == BLOCKS, "done: status %d chunks %llu %s", e.status,
          (unsigned long long)xa.code[i], e.text ? e.text : "");
    long idx[16];
    size_t nch = chunks_of(&ra, rid, idx, 16);
    CHECK(nch == BLOCKS, "%zu chunks", nch);
    for (size_t k = 0; k < nch; k++) {
        rec_event c = rec_get(&ra, idx[k]);
        CHECK(c.data_len == BLOCK_SIZE && c.data[0] == k + 1 && c.data[BLOCK_SIZE - 1] == k + 1, "chunk %zu data", k);
        CHECK(xa.code[idx[k]] == 0 && xa.context_len[idx[k]] == 4 && memcmp(xa.context[idx[k]], digest, 4) == 0,
              "chunk %zu code/context", k);
        CHECK(c.seq < e.seq, "chunk after REQUEST_DONE");
    }
    free(blk);

    /* A request b's host never answers: the peer gets ServerError. */
    CHECK_OK(libp2pc_node_request(a, idb, RANGE, range, sizeof range, 0, &rid));
    i = rec_wait(&rb, pred_incoming_after, &in.request_id, 30);
    CHECK(i >= 0, "no second INCOMING_REQUEST");
    uint64_t unanswered = rec_get(&rb, i).request_id;
    i = hooked(&ra, rec_wait(&ra, pred_request, &rid, 60));
    CHECK(i >= 0, "unanswered request never completed");
    e = rec_get(&ra, i);
    CHECK(e.status == 0 && xa.code[i] == 1, "unanswered: status %d chunks %llu", e.status, (unsigned long long)xa.code[i]);
    nch = chunks_of(&ra, rid, idx, 16);
    CHECK(nch == 1 && xa.code[idx[0]] == 2, "deadline chunk: %zu chunks, code %llu", nch, (unsigned long long)xa.code[idx[0]]);
    CHECK_RC(libp2pc_node_respond_chunk(b, unanswered, digest, 4, digest, 4), LIBP2PC_ERR_NOT_FOUND);
    CHECK_RC(libp2pc_node_respond_error(b, unanswered, 0, "x"), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_respond_error(b, unanswered, 3, "x"), LIBP2PC_ERR_NOT_FOUND);
    CHECK(rr_counters(b).incoming_timed_out == 1, "incoming_timed_out %llu",
          (unsigned long long)rr_counters(b).incoming_timed_out);

    /* Ping, answered by b's library with its metadata seq number. */
    uint8_t ping[8] = {1};
    CHECK_OK(libp2pc_node_request(a, idb, PING, ping, 8, 0, &rid));
    rec_wait_ok(&ra, rid, "ping");
    nch = chunks_of(&ra, rid, idx, 16);
    CHECK(nch == 1 && rec_get(&ra, idx[0]).data_len == 8 && le64(rec_get(&ra, idx[0]).data) == 42, "pong");

    libp2pc_reqresp_counters c = rr_counters(a);
    CHECK(c.chunk_events_queued == BLOCKS + 2 && c.requests_failed == 0, "a: chunks %llu failed %llu",
          (unsigned long long)c.chunk_events_queued, (unsigned long long)c.requests_failed);
    c.struct_size = 8;
    CHECK_RC(libp2pc_node_reqresp_counters(a, &c), LIBP2PC_ERR_INVALID_ARGUMENT);

    /* Goodbye: b hears it before a's disconnect. */
    CHECK_OK(libp2pc_node_goodbye(a, idb, 3, &req));
    rec_wait_ok(&ra, req, "goodbye");
    want = (typed_peer){LIBP2PC_EVENT_PEER_GOODBYE, ida};
    long g = hooked(&rb, rec_wait(&rb, pred_type_peer, &want, 30));
    want.type = LIBP2PC_EVENT_PEER_DISCONNECTED;
    long d = rec_wait(&rb, pred_type_peer, &want, 30);
    CHECK(g >= 0 && d > g && xb.code[g] == 3, "goodbye %ld (reason %llu), disconnect %ld", g,
          (unsigned long long)(g >= 0 ? xb.code[g] : 0), d);
    want.peer = idb;
    CHECK(rec_wait(&ra, pred_type_peer, &want, 30) >= 0, "a never saw b disconnect");
    CHECK_OK(libp2pc_node_goodbye(a, idb, 3, &req));
    CHECK(rec_request_status(&ra, req) == LIBP2PC_ERR_NOT_FOUND, "goodbye to a gone peer");

    stop_and_destroy(a, &ra);
    stop_and_destroy(b, &rb);
    CHECK_RC(libp2pc_node_respond_end(b, 1), LIBP2PC_ERR_BAD_HANDLE);
    rec_free(&ra);
    rec_free(&rb);
    fprintf(stderr, "test_reqresp: ok\n");
    return 0;
}
