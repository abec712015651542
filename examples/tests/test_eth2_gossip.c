/*
 * Eth2 gossip through the C API: two nodes in one process. Node a publishes
 * SSZ on beacon_block (validation NONE); node b validates it on the host,
 * two-phase: its callback hands each GOSSIP_VALIDATE id to another thread,
 * which answers ACCEPT or REJECT, or leaves it unanswered so that the
 * deadline turns it into IGNORE (and never into REJECT: gossipsub must have
 * seen exactly one rejection). Accepted messages arrive as MESSAGE events
 * carrying the decompressed SSZ.
 */
#include "testutil.h"

static const char config_yaml[] =
    "PRESET_BASE: 'minimal'\n"
    "MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 64\n"
    "MIN_GENESIS_TIME: 1578009600\n"
    "GENESIS_FORK_VERSION: 0x00000001\n"
    "GENESIS_DELAY: 300\n"
    "SECONDS_PER_SLOT: 6\n"
    "SECONDS_PER_ETH1_BLOCK: 14\n"
    "MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 256\n"
    "SHARD_COMMITTEE_PERIOD: 64\n"
    "ETH1_FOLLOW_DISTANCE: 16\n"
    "EJECTION_BALANCE: 16000000000\n"
    "MIN_PER_EPOCH_CHURN_LIMIT: 2\n"
    "CHURN_LIMIT_QUOTIENT: 32\n"
    "DEPOSIT_CHAIN_ID: 5\n"
    "DEPOSIT_NETWORK_ID: 5\n"
    "DEPOSIT_CONTRACT_ADDRESS: 0x1234567890123456789012345678901234567890\n"
    "ALTAIR_FORK_VERSION: 0x01000001\n"
    "ALTAIR_FORK_EPOCH: 18446744073709551615\n";

/* Validation ids handed from b's callback to the answering thread. */
typedef struct pending {
    uint64_t id;
    int answer; /* LIBP2PC_VALIDATION_* or 0: leave unanswered */
} pending;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pending q[64];
    size_t n;
    int done;
    uint64_t silent_id;
} answers = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {{0, 0}}, 0, 0, 0};

static libp2pc_node node_b;

/* Runs inside b's callback: only queues the id. */
static void on_validate(recorder *r, const libp2pc_event *ev) {
    (void)r;
    if (ev->type != LIBP2PC_EVENT_GOSSIP_VALIDATE) return;
    int answer = 0;
    if (ev->data_len >= 6 && memcmp(ev->data, "accept", 6) == 0) answer = LIBP2PC_VALIDATION_ACCEPT;
    if (ev->data_len >= 6 && memcmp(ev->data, "reject", 6) == 0) answer = LIBP2PC_VALIDATION_REJECT;
    pthread_mutex_lock(&answers.mu);
    if (answers.n < 64) answers.q[answers.n++] = (pending){ev->request_id, answer};
    pthread_cond_broadcast(&answers.cv);
    pthread_mutex_unlock(&answers.mu);
}

static void *answer_thread(void *arg) {
    (void)arg;
    size_t next = 0;
    pthread_mutex_lock(&answers.mu);
    for (;;) {
        while (next == answers.n && !answers.done) pthread_cond_wait(&answers.cv, &answers.mu);
        if (next == answers.n) break;
        pending p = answers.q[next++];
        pthread_mutex_unlock(&answers.mu);
        if (p.answer != 0) {
            CHECK_OK(libp2pc_node_report_validation(node_b, p.id, p.answer));
        } else {
            answers.silent_id = p.id;
        }
        pthread_mutex_lock(&answers.mu);
    }
    pthread_mutex_unlock(&answers.mu);
    return NULL;
}

static libp2pc_node eth2_node(recorder *rec, uint64_t genesis, uint32_t timeout_ms) {
    const char *addrs[] = {"/ip4/127.0.0.1/tcp/0"};
    libp2pc_config cfg;
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.listen_addrs = addrs;
    cfg.listen_addrs_len = 1;
    cfg.stop_grace_ms = 2000;
    cfg.on_event = rec_cb;
    cfg.user_data = rec;
    libp2pc_node n = 0;
    CHECK_OK(libp2pc_node_new(&cfg, &n));

    libp2pc_eth2_config ec;
    CHECK_OK(libp2pc_eth2_config_init(&ec));
    ec.genesis_time = genesis;
    for (int i = 0; i < 32; i++) ec.genesis_validators_root[i] = (uint8_t)i;
    ec.config_yaml = config_yaml;
    ec.config_yaml_len = sizeof config_yaml - 1;
    ec.validation_timeout_ms = timeout_ms;
    CHECK_OK(libp2pc_node_eth2_configure(n, &ec));
    CHECK_RC(libp2pc_node_eth2_configure(n, &ec), LIBP2PC_ERR_BAD_STATE); /* twice */

    uint64_t req;
    CHECK_OK(libp2pc_node_start(n, &req));
    rec_wait_ok(rec, req, "start");
    return n;
}

static int pred_joined_block(const rec_event *e, const void *arg) {
    return e->type == LIBP2PC_EVENT_TOPIC_PEER_JOINED && strcmp(e->peer_id, (const char *)arg) == 0 &&
           strstr(e->topic, "/beacon_block/") != NULL;
}

static int pred_message(const rec_event *e, const void *arg) {
    return e->type == LIBP2PC_EVENT_MESSAGE && e->data_len == strlen(arg) && memcmp(e->data, arg, e->data_len) == 0;
}

static void publish(libp2pc_node n, recorder *rec, const char *ssz) {
    uint64_t req;
    CHECK_OK(libp2pc_node_eth2_publish(n, "beacon_block", (const uint8_t *)ssz, strlen(ssz), &req));
    rec_wait_ok(rec, req, "eth2 publish");
}

int main(void) {
    watchdog_start(120);
    init_lib();
    uint32_t timeout_ms = (uint32_t)(500 * time_scale());
    uint64_t genesis = (uint64_t)time(NULL);

    recorder ra, rb;
    rec_init(&ra);
    rec_init(&rb);
    rb.hook = on_validate;
    libp2pc_node a = eth2_node(&ra, genesis, timeout_ms);
    node_b = eth2_node(&rb, genesis, timeout_ms);
    pthread_t answerer;
    CHECK(pthread_create(&answerer, NULL, answer_thread, NULL) == 0, "pthread_create");

    /* Misuse. */
    libp2pc_eth2_config ec;
    CHECK_OK(libp2pc_eth2_config_init(&ec));
    CHECK_RC(libp2pc_node_eth2_configure(a, &ec), LIBP2PC_ERR_INVALID_ARGUMENT); /* no config */
    uint64_t req;
    CHECK_RC(libp2pc_node_eth2_subscribe(a, "beacon_attestation_64", LIBP2PC_ETH2_VALIDATE_NONE, &req),
             LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_eth2_subscribe(a, "beacon_block", 0, &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_eth2_subscribe(a, "beacon_block", LIBP2PC_ETH2_VALIDATE_GO, &req), LIBP2PC_ERR_NOT_FOUND);
    CHECK_RC(libp2pc_node_eth2_publish(a, NULL, NULL, 0, &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_eth2_publish_nowait(a, NULL, NULL, 0), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_eth2_publish_nowait(a, "beacon_block", (const uint8_t *)"x", 1), LIBP2PC_ERR_NOT_FOUND);
    CHECK_RC(libp2pc_node_report_validation(a, 1, 7), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_report_validation(a, 999, LIBP2PC_VALIDATION_ACCEPT), LIBP2PC_ERR_NOT_FOUND);
    CHECK_RC(libp2pc_node_subscribe(a, "/eth2/00000000/beacon_block/ssz_snappy", &req), LIBP2PC_ERR_INVALID_ARGUMENT);

    char addr[512], b_id[128];
    dial_addr(&rb, "/tcp/", addr, sizeof addr);
    CHECK_OK(libp2pc_node_peer_id(node_b, b_id, sizeof b_id));
    CHECK_OK(libp2pc_node_dial(a, addr, &req));
    rec_wait_ok(&ra, req, "dial");

    CHECK_OK(libp2pc_node_eth2_subscribe(a, "beacon_block", LIBP2PC_ETH2_VALIDATE_NONE, &req));
    rec_wait_ok(&ra, req, "eth2 subscribe a");
    CHECK_OK(libp2pc_node_eth2_subscribe(node_b, "beacon_block", LIBP2PC_ETH2_VALIDATE_HOST, &req));
    rec_wait_ok(&rb, req, "eth2 subscribe b");
    CHECK(rec_wait(&ra, pred_joined_block, b_id, 30) >= 0, "b never joined beacon_block");

    publish(a, &ra, "reject this block");
    publish(a, &ra, "silent: never answered");
    publish(a, &ra, "accept this block");
    long m = rec_wait(&rb, pred_message, "accept this block", 30);
    CHECK(m >= 0, "accepted block not delivered");
    rec_event msg = rec_get(&rb, m);
    CHECK(strstr(msg.topic, "/beacon_block/ssz_snappy") != NULL && msg.msg_id_len == 20, "message %s", msg.topic);

    libp2pc_eth2_counters c;
    double deadline = now_s() + 30 * time_scale();
    for (;;) {
        memset(&c, 0, sizeof c);
        c.struct_size = sizeof c;
        CHECK_OK(libp2pc_node_eth2_counters(node_b, &c));
        libp2pc_eth2_topic_counters t = c.topics[LIBP2PC_ETH2_TOPIC_BEACON_BLOCK];
        if (t.accepted + t.rejected + t.ignored + t.timed_out == 3) break;
        CHECK(now_s() < deadline, "counters stuck");
        usleep(20000);
    }
    libp2pc_eth2_topic_counters t = c.topics[LIBP2PC_ETH2_TOPIC_BEACON_BLOCK];
    CHECK(t.accepted == 1 && t.rejected == 1 && t.timed_out == 1 && t.ignored == 0,
          "beacon_block counters %llu/%llu/%llu/%llu", (unsigned long long)t.accepted,
          (unsigned long long)t.rejected, (unsigned long long)t.ignored, (unsigned long long)t.timed_out);
    CHECK(c.pubsub_rejected == 1 && c.pubsub_ignored == 1,
          "gossipsub saw %llu rejected, %llu ignored: the deadline must IGNORE, never REJECT",
          (unsigned long long)c.pubsub_rejected, (unsigned long long)c.pubsub_ignored);
    CHECK(c.pending_validations == 0, "pending %u", c.pending_validations);
    CHECK(rec_count_type(&rb, LIBP2PC_EVENT_MESSAGE) == 1, "only the accepted block is delivered");

    /* The unanswered id is past its deadline: a late answer changes nothing. */
    pthread_mutex_lock(&answers.mu);
    uint64_t silent = answers.silent_id;
    answers.done = 1;
    pthread_cond_broadcast(&answers.cv);
    pthread_mutex_unlock(&answers.mu);
    pthread_join(answerer, NULL);
    CHECK(silent != 0, "the silent message never reached the host");
    CHECK_RC(libp2pc_node_report_validation(node_b, silent, LIBP2PC_VALIDATION_REJECT), LIBP2PC_ERR_NOT_FOUND);
    CHECK_OK(libp2pc_node_eth2_counters(node_b, &c));
    CHECK(c.late_reports == 1 && c.pubsub_rejected == 1, "late reports %llu", (unsigned long long)c.late_reports);

    /* Fire-and-forget from b to a (which validates nothing): delivered, no
     * REQUEST_DONE, nothing dropped or failed. */
    char a_id[128];
    CHECK_OK(libp2pc_node_peer_id(a, a_id, sizeof a_id));
    CHECK(rec_wait(&rb, pred_joined_block, a_id, 30) >= 0, "a never joined beacon_block");
    size_t dones = rec_count_type(&rb, LIBP2PC_EVENT_REQUEST_DONE);
    const char *nowait = "fire and forget";
    CHECK_OK(libp2pc_node_eth2_publish_nowait(node_b, "beacon_block", (const uint8_t *)nowait, strlen(nowait)));
    CHECK(rec_wait(&ra, pred_message, nowait, 30) >= 0, "fire-and-forget block not delivered");
    CHECK(rec_count_type(&rb, LIBP2PC_EVENT_REQUEST_DONE) == dones, "a fire-and-forget publish completed");
    uint64_t dropped = 1, failed = 1;
    CHECK_OK(libp2pc_node_eth2_publish_nowait_counters(node_b, &dropped, &failed));
    CHECK(dropped == 0 && failed == 0, "nowait dropped %llu failed %llu", (unsigned long long)dropped,
          (unsigned long long)failed);

    CHECK_OK(libp2pc_node_eth2_unsubscribe(node_b, "beacon_block", &req));
    rec_wait_ok(&rb, req, "eth2 unsubscribe");

    stop_and_destroy(a, &ra);
    stop_and_destroy(node_b, &rb);
    rec_free(&ra);
    rec_free(&rb);
    printf("test_eth2_gossip: ok\n");
    return 0;
}
