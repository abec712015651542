/*
 * Log callback: libp2pc_set_log_callback delivers the library's records
 * (here the node's "node started", with its peer_id) on a library thread,
 * filtered by level. A callback that blocks does not stall the node: with
 * the callback stuck, a second node still starts and the two exchange a
 * dial (the watchdog turns a stall into a failure); once released, records
 * flow again. NULL turns logging off.
 */
#include "testutil.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int blocked; /* the callback waits while set */
    int inside;  /* the callback is waiting */
    int started_records, debug_records;
    char started_peer[128];
    pthread_t thread;
} lg = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, {0}, 0};

static void on_log(const libp2pc_log_record *r, void *user_data) {
    CHECK(user_data == &lg, "user_data %p", user_data);
    pthread_mutex_lock(&lg.mu);
    lg.thread = pthread_self();
    if (r->level < LIBP2PC_LOG_INFO) lg.debug_records++;
    if (strcmp(r->message, "node started") == 0 && strcmp(r->logger, "libp2pc/node") == 0) {
        lg.started_records++;
        for (uint32_t i = 0; i < r->attrs_len; i++)
            if (strcmp(r->keys[i], "peer_id") == 0)
                snprintf(lg.started_peer, sizeof lg.started_peer, "%s", r->values[i]);
    }
    while (lg.blocked) {
        lg.inside = 1;
        pthread_cond_broadcast(&lg.cv);
        pthread_cond_wait(&lg.cv, &lg.mu);
    }
    lg.inside = 0;
    pthread_mutex_unlock(&lg.mu);
}

static int started_records(void) {
    pthread_mutex_lock(&lg.mu);
    int n = lg.started_records;
    pthread_mutex_unlock(&lg.mu);
    return n;
}

static void wait_started_records(int want) {
    double deadline = now_s() + 20 * time_scale();
    while (started_records() < want) {
        CHECK(now_s() < deadline, "%d \"node started\" records, want %d", started_records(), want);
        usleep(10000);
    }
}

int main(void) {
    watchdog_start(120);
    CHECK_OK(libp2pc_set_log_callback(LIBP2PC_LOG_INFO, on_log, &lg));
    init_lib();
    recorder ra, rb;
    rec_init(&ra);
    rec_init(&rb);
    libp2pc_node a = start_node(&ra, NULL, 0);
    wait_started_records(1);
    char id_a[128];
    CHECK_OK(libp2pc_node_peer_id(a, id_a, sizeof id_a));
    pthread_mutex_lock(&lg.mu);
    CHECK(strcmp(lg.started_peer, id_a) == 0, "peer_id %s, want %s", lg.started_peer, id_a);
    CHECK(lg.debug_records == 0, "%d debug records passed an info filter", lg.debug_records);
    CHECK(!pthread_equal(lg.thread, pthread_self()), "the callback ran on the host's thread");
    /* Block the callback on the next record. */
    lg.blocked = 1;
    pthread_mutex_unlock(&lg.mu);

    libp2pc_node b = start_node(&rb, NULL, 0); /* logs "node started": the callback blocks */
    pthread_mutex_lock(&lg.mu);
    while (!lg.inside) pthread_cond_wait(&lg.cv, &lg.mu);
    pthread_mutex_unlock(&lg.mu);
    /* The node works while the callback is stuck. */
    char addr_b[512];
    dial_addr(&rb, "/tcp/", addr_b, sizeof addr_b);
    uint64_t req;
    CHECK_OK(libp2pc_node_dial(a, addr_b, &req));
    rec_wait_ok(&ra, req, "dial with the log callback blocked");

    pthread_mutex_lock(&lg.mu);
    lg.blocked = 0;
    pthread_cond_broadcast(&lg.cv);
    pthread_mutex_unlock(&lg.mu);
    wait_started_records(2);

    CHECK_OK(libp2pc_set_log_callback(LIBP2PC_LOG_INFO, NULL, NULL));
    stop_and_destroy(a, &ra);
    stop_and_destroy(b, &rb);
    recorder rc;
    rec_init(&rc);
    libp2pc_node c = start_node(&rc, NULL, 0); /* logging off: no record */
    usleep(200000);
    CHECK(started_records() == 2, "a record arrived with logging off");
    stop_and_destroy(c, &rc);
    rec_free(&ra);
    rec_free(&rb);
    rec_free(&rc);
    printf("test_logs: ok\n");
    return 0;
}
