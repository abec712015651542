/*
 * The lifecycle contract of the header's rules ("Lifecycle", "Request ids"):
 *
 * 1. A host waits for start's REQUEST_DONE before it dials, subscribes or
 *    publishes. Called right after libp2pc_node_start, those calls are
 *    refused with LIBP2PC_ERR_BAD_STATE saying the node is starting (the
 *    library does not queue them); called after the REQUEST_DONE, they
 *    work. Both ways, in callback mode and in poll mode. A start that fails
 *    completes with an error, STOPPED follows, and calls are refused.
 *
 * 2. A request id is written to *request_id before any event carrying it
 *    can be delivered: four host threads make thousands of calls whose
 *    completion comes at once (publish to a topic the node is not in:
 *    NOT_FOUND from the loop), each passing as request_id its slot in a
 *    table; the callback, on another thread, finds every completion's id in
 *    that table. (A library that stored the id after handing the work on
 *    would fail this only when the race is lost, so the test makes many
 *    calls from several threads at once.)
 */
#include "testutil.h"

#include <sched.h>
#include <poll.h>

/* rc of a call made right after start: refused as "starting", or accepted
 * only if the start has in fact completed already (the host lost no race:
 * the node was running). Returns 1 when refused. */
static int refused_while_starting(int rc, const char *what) {
    if (rc == LIBP2PC_ERR_BAD_STATE) {
        CHECK(strstr(libp2pc_last_error(), "starting") != NULL, "%s right after start: %s", what, libp2pc_last_error());
        return 1;
    }
    CHECK(rc == LIBP2PC_OK, "%s right after start: %d (%s)", what, rc, libp2pc_last_error());
    return 0;
}

static void callback_mode(const char *addr_a) {
    recorder rb;
    rec_init(&rb);
    const char *listen[] = {"/ip4/127.0.0.1/tcp/0"};
    libp2pc_config cfg;
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.listen_addrs = listen;
    cfg.listen_addrs_len = 1;
    cfg.on_event = rec_cb;
    cfg.user_data = &rb;
    cfg.stop_grace_ms = 2000;
    libp2pc_node b;
    CHECK_OK(libp2pc_node_new(&cfg, &b));
    uint64_t start_req, req;
    CHECK_OK(libp2pc_node_start(b, &start_req));
    /* Way 1: right after start, without waiting. */
    const uint8_t x = 1;
    int refused = refused_while_starting(libp2pc_node_dial(b, addr_a, &req), "dial");
    refused += refused_while_starting(libp2pc_node_subscribe(b, "early", &req), "subscribe");
    refused += refused_while_starting(libp2pc_node_publish(b, "early", &x, 1, &req), "publish");
    /* Way 2: after start's REQUEST_DONE. */
    rec_wait_ok(&rb, start_req, "start");
    CHECK_OK(libp2pc_node_dial(b, addr_a, &req));
    rec_wait_ok(&rb, req, "dial after start's REQUEST_DONE");
    CHECK_OK(libp2pc_node_subscribe(b, "late", &req));
    rec_wait_ok(&rb, req, "subscribe after start's REQUEST_DONE");
    stop_and_destroy(b, &rb);
    rec_free(&rb);
    printf("test_start_contract: callback mode: %d of 3 calls right after start refused as starting; "
           "after REQUEST_DONE they worked\n",
           refused);
}

/* Poll mode: polls until request req completes; returns its status. */
static int poll_until_done(libp2pc_node n, recorder *r, uint64_t req) {
    int fd;
    CHECK_OK(libp2pc_node_event_fd(n, &fd));
    double deadline = now_s() + 60 * time_scale();
    for (;;) {
        pthread_mutex_lock(&r->mu);
        for (size_t i = 0; i < r->n; i++) {
            if (r->ev[i].type == LIBP2PC_EVENT_REQUEST_DONE && r->ev[i].request_id == req) {
                int st = r->ev[i].status;
                pthread_mutex_unlock(&r->mu);
                return st;
            }
        }
        pthread_mutex_unlock(&r->mu);
        CHECK(now_s() < deadline, "request %llu did not complete", (unsigned long long)req);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        poll(&p, 1, 100);
        size_t got;
        CHECK_OK(libp2pc_node_poll(n, rec_cb, r, 64, &got));
    }
}

static void poll_mode(void) {
    recorder r;
    rec_init(&r);
    const char *listen[] = {"/ip4/127.0.0.1/tcp/0"};
    libp2pc_config cfg;
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.listen_addrs = listen;
    cfg.listen_addrs_len = 1;
    cfg.stop_grace_ms = 2000;
    libp2pc_node n;
    CHECK_OK(libp2pc_node_new(&cfg, &n));
    uint64_t start_req, req;
    CHECK_OK(libp2pc_node_start(n, &start_req));
    int refused = refused_while_starting(libp2pc_node_subscribe(n, "early", &req), "subscribe (poll mode)");
    CHECK(poll_until_done(n, &r, start_req) == 0, "start failed");
    CHECK_OK(libp2pc_node_subscribe(n, "late", &req));
    CHECK(poll_until_done(n, &r, req) == 0, "subscribe after start's REQUEST_DONE failed");
    uint64_t stop_req;
    CHECK_OK(libp2pc_node_stop(n, &stop_req));
    CHECK(poll_until_done(n, &r, stop_req) == 0, "stop failed");
    CHECK_OK(libp2pc_node_destroy(n));
    rec_free(&r);
    printf("test_start_contract: poll mode: subscribe right after start %s; after REQUEST_DONE it worked\n",
           refused ? "refused as starting" : "accepted (start had completed)");
}

/* A start that cannot listen completes with an error; the node stops. */
static void failed_start(void) {
    recorder r;
    rec_init(&r);
    const char *listen[] = {"/ip4/192.0.2.1/tcp/1"}; /* TEST-NET-1: not an address of this host */
    libp2pc_config cfg;
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.listen_addrs = listen;
    cfg.listen_addrs_len = 1;
    cfg.on_event = rec_cb;
    cfg.user_data = &r;
    libp2pc_node n;
    CHECK_OK(libp2pc_node_new(&cfg, &n));
    uint64_t start_req, req;
    CHECK_OK(libp2pc_node_start(n, &start_req));
    int st = rec_request_status(&r, start_req);
    CHECK(st != 0, "start on an address of another host succeeded");
    rec_wait_type(&r, LIBP2PC_EVENT_STOPPED, 60);
    int rc = libp2pc_node_subscribe(n, "t", &req);
    CHECK(rc == LIBP2PC_ERR_BAD_STATE, "subscribe after a failed start: %d (%s)", rc, libp2pc_last_error());
    CHECK_OK(libp2pc_node_destroy(n));
    rec_free(&r);
}

/* --- 2. request ids ------------------------------------------------------ */

enum { THREADS = 4, CALLS = 1000 };

static struct {
    libp2pc_node node;
    uint64_t ids[THREADS][CALLS]; /* written by the library through request_id */
    int accepted[THREADS];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t probe; /* the first publish, made as soon as the node runs */
    long completions, unknown;
    uint64_t first_unknown;
    int stopped;
} ids_test = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int id_known(uint64_t id) {
    if (__atomic_load_n(&ids_test.probe, __ATOMIC_ACQUIRE) == id) return 1;
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < CALLS; i++)
            if (__atomic_load_n(&ids_test.ids[t][i], __ATOMIC_ACQUIRE) == id) return 1;
    return 0;
}

static void ids_cb(const libp2pc_event *ev, void *user_data) {
    (void)user_data;
    if (ev->type == LIBP2PC_EVENT_STOPPED) {
        pthread_mutex_lock(&ids_test.mu);
        ids_test.stopped = 1;
        pthread_cond_broadcast(&ids_test.cv);
        pthread_mutex_unlock(&ids_test.mu);
        return;
    }
    if (ev->type != LIBP2PC_EVENT_REQUEST_DONE || ev->status != LIBP2PC_ERR_NOT_FOUND) return;
    int known = id_known(ev->request_id);
    pthread_mutex_lock(&ids_test.mu);
    ids_test.completions++;
    if (!known && ids_test.unknown++ == 0) ids_test.first_unknown = ev->request_id;
    pthread_cond_broadcast(&ids_test.cv);
    pthread_mutex_unlock(&ids_test.mu);
}

static void *caller(void *arg) {
    int t = (int)(intptr_t)arg;
    const uint8_t x = 7;
    for (int i = 0; i < CALLS; i++) {
        int rc;
        while ((rc = libp2pc_node_publish(ids_test.node, "nobody-subscribed", &x, 1, &ids_test.ids[t][i])) ==
               LIBP2PC_ERR_QUEUE_FULL)
            sched_yield();
        CHECK(rc == LIBP2PC_OK, "publish: %s", libp2pc_last_error());
        ids_test.accepted[t]++;
    }
    return NULL;
}

static void request_ids(void) {
    const char *listen[] = {"/ip4/127.0.0.1/tcp/0"};
    libp2pc_config cfg;
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.listen_addrs = listen;
    cfg.listen_addrs_len = 1;
    cfg.on_event = ids_cb;
    cfg.user_data = NULL;
    cfg.control_queue_capacity = 4096;
    CHECK_OK(libp2pc_node_new(&cfg, &ids_test.node));
    uint64_t req;
    CHECK_OK(libp2pc_node_start(ids_test.node, &req));
    /* This callback does not look at start's completion: probe until the
     * node runs (only the accepted probe writes ids_test.probe). */
    while (libp2pc_node_publish(ids_test.node, "nobody-subscribed", (const uint8_t *)"s", 1, &ids_test.probe) ==
           LIBP2PC_ERR_BAD_STATE)
        sched_yield();

    double t0 = now_s();
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++) pthread_create(&th[t], NULL, caller, (void *)(intptr_t)t);
    for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
    long want = 1; /* the probe */
    for (int t = 0; t < THREADS; t++) want += ids_test.accepted[t];
    pthread_mutex_lock(&ids_test.mu);
    double deadline = now_s() + 60 * time_scale();
    while (ids_test.completions < want && now_s() < deadline) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&ids_test.cv, &ids_test.mu, &ts);
    }
    long got = ids_test.completions, unknown = ids_test.unknown;
    pthread_mutex_unlock(&ids_test.mu);
    CHECK(got == want, "%ld of %ld completions arrived", got, want);
    CHECK(unknown == 0, "%ld completions were delivered before their id reached request_id (first: %llu)", unknown,
          (unsigned long long)ids_test.first_unknown);
    printf("test_start_contract: %ld requests from %d threads in %.2f s; every completion found its id already "
           "stored\n",
           want, THREADS, now_s() - t0);
    CHECK_OK(libp2pc_node_destroy(ids_test.node)); /* stops it; STOPPED still comes */
    pthread_mutex_lock(&ids_test.mu);
    deadline = now_s() + 60 * time_scale();
    while (!ids_test.stopped && now_s() < deadline) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&ids_test.cv, &ids_test.mu, &ts);
    }
    int stopped = ids_test.stopped;
    pthread_mutex_unlock(&ids_test.mu);
    CHECK(stopped, "no STOPPED after destroy");
}

int main(void) {
    watchdog_start(240);
    init_lib();
    recorder ra;
    rec_init(&ra);
    libp2pc_node a = start_node(&ra, NULL, 0);
    char addr_a[512];
    dial_addr(&ra, "/tcp/", addr_a, sizeof addr_a);
    callback_mode(addr_a);
    poll_mode();
    failed_start();
    request_ids();
    stop_and_destroy(a, &ra);
    rec_free(&ra);
    printf("test_start_contract: ok\n");
    return 0;
}
