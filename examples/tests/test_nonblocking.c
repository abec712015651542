/*
 * Property 1 and 2: no libp2pc_* call waits on the host's callback, and the
 * callback runs on one library-owned thread.
 *
 * Node B's callback blocks on a gate from its very first event. With the
 * gate closed, the main thread makes every kind of call on B. The gate is
 * opened only after all of them have returned: if any call waited for the
 * callback, the test would deadlock and the watchdog would fail it.
 */
#include "testutil.h"

#include <sched.h>

int main(void) {
    watchdog_start(120);
    init_lib();
    recorder ra, rb;
    rec_init(&ra);
    rec_init(&rb);
    libp2pc_node a = start_node(&ra, NULL, 0);
    char addr_a[512];
    dial_addr(&ra, "/tcp/", addr_a, sizeof addr_a);
    char id_a[128];
    CHECK_OK(libp2pc_node_peer_id(a, id_a, sizeof id_a));

    rec_close_gate(&rb); /* B's host is stuck inside its callback from now on */
    const char *listen[] = {"/ip4/127.0.0.1/tcp/0"};
    libp2pc_config cfg;
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.listen_addrs = listen;
    cfg.listen_addrs_len = 1;
    cfg.on_event = rec_cb;
    cfg.user_data = &rb;
    libp2pc_node b;
    CHECK_OK(libp2pc_node_new(&cfg, &b));
    uint64_t reqs[16];
    size_t nreq = 0;
    CHECK_OK(libp2pc_node_start(b, &reqs[nreq++]));

    /* Wait (on the gate, not on a timer) until the callback is blocked. */
    pthread_mutex_lock(&rb.mu);
    while (!rb.in_callback) pthread_cond_wait(&rb.cv, &rb.mu);
    pthread_mutex_unlock(&rb.mu);

    /* Start completes in the background; calls are accepted once running. */
    uint64_t req;
    int rc;
    while ((rc = libp2pc_node_subscribe(b, "t", &req)) == LIBP2PC_ERR_BAD_STATE) sched_yield();
    CHECK(rc == LIBP2PC_OK, "subscribe: %s", libp2pc_last_error());
    reqs[nreq++] = req;
    CHECK_OK(libp2pc_node_dial(b, addr_a, &reqs[nreq++]));
    const uint8_t payload[] = "hello";
    CHECK_OK(libp2pc_node_publish(b, "t", payload, sizeof payload, &reqs[nreq++]));
    CHECK_OK(libp2pc_node_unsubscribe(b, "nope", &reqs[nreq++]));
    CHECK_OK(libp2pc_node_disconnect(b, id_a, &reqs[nreq++]));
    libp2pc_peer *peers;
    size_t npeers;
    CHECK_OK(libp2pc_node_peers(b, &peers, &npeers));
    libp2pc_peers_free(peers);
    libp2pc_counters c = {.struct_size = sizeof c};
    CHECK_OK(libp2pc_node_counters(b, &c));
    CHECK_OK(libp2pc_node_stop(b, &reqs[nreq++]));
    CHECK_OK(libp2pc_node_destroy(b));
    CHECK(rb.n == 1, "only the first event can have been delivered, got %zu", rb.n);

    rec_open_gate(&rb); /* only now may the callback return */
    rec_wait_type(&rb, LIBP2PC_EVENT_STOPPED, 60);
    for (size_t i = 0; i < nreq; i++) {
        long k = rec_wait(&rb, pred_request, &reqs[i], 1);
        CHECK(k >= 0, "request %llu has no completion", (unsigned long long)reqs[i]);
    }
    /* Every callback ran on one thread, and not on this one. */
    pthread_t t0 = rb.ev[0].thread;
    CHECK(!pthread_equal(t0, pthread_self()), "callback ran on the caller's thread");
    for (size_t i = 0; i < rb.n; i++)
        CHECK(pthread_equal(rb.ev[i].thread, t0), "event %zu delivered on another thread", i);
    CHECK(rb.ev[rb.n - 1].type == LIBP2PC_EVENT_STOPPED, "STOPPED must be the last event");

    stop_and_destroy(a, &ra);
    rec_free(&ra);
    rec_free(&rb);
    printf("test_nonblocking: %zu calls returned while the callback was blocked; %zu events on one delivery thread\n",
           nreq, rb.n);
    return 0;
}
