/*
 * Property 3: every queue is bounded and its drops are counted, with a host
 * that stops draining (poll mode, nobody polls):
 *  - gossip: the queue holds at most its capacity; the OLDEST messages are
 *    dropped; counters and a DROPS event report exactly how many;
 *  - control: calls succeed until their completions can no longer be
 *    guaranteed, then fail at once with LIBP2PC_ERR_QUEUE_FULL; every
 *    accepted call's completion is delivered, and stop always works;
 *  - the readiness fd is readable exactly while events wait.
 */
#include "testutil.h"

#include <poll.h>

#define GOSSIP_CAP 16
#define CONTROL_CAP 12
#define FLOOD 200

static int readable(int fd, int timeout_ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, timeout_ms);
    CHECK(n >= 0, "poll: %s", strerror(errno));
    return n == 1 && (p.revents & POLLIN);
}

int main(void) {
    watchdog_start(180);
    init_lib();
    recorder ra;
    rec_init(&ra);
    libp2pc_node a = start_node(&ra, NULL, 0);

    const char *listen[] = {"/ip4/127.0.0.1/tcp/0"};
    libp2pc_config cfg;
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.listen_addrs = listen;
    cfg.listen_addrs_len = 1;
    cfg.gossip_queue_capacity = GOSSIP_CAP;
    cfg.control_queue_capacity = CONTROL_CAP;
    libp2pc_node b;
    CHECK_OK(libp2pc_node_new(&cfg, &b)); /* no callback: poll mode */
    int fd;
    CHECK_OK(libp2pc_node_event_fd(b, &fd));
    CHECK(!readable(fd, 0), "fd readable before any event");
    uint64_t req, start_req, sub_req, dial_req;
    CHECK_OK(libp2pc_node_start(b, &start_req));
    CHECK(readable(fd, (int)(30000 * time_scale())), "fd not readable after start");

    /* B subscribes and dials A; nobody drains B's queue from here on. */
    int rc;
    while ((rc = libp2pc_node_subscribe(b, "flood", &sub_req)) == LIBP2PC_ERR_BAD_STATE) usleep(20 * 1000); /* start still running */
    CHECK(rc == 0, "subscribe: %s", libp2pc_last_error());
    char addr_a[512];
    dial_addr(&ra, "/tcp/", addr_a, sizeof addr_a);
    CHECK_OK(libp2pc_node_dial(b, addr_a, &dial_req));
    CHECK_OK(libp2pc_node_subscribe(a, "flood", &req));
    rec_wait_ok(&ra, req, "subscribe a");
    rec_wait_type(&ra, LIBP2PC_EVENT_TOPIC_PEER_JOINED, 30);

    /* Flood B with more gossip than its queue holds. */
    for (int i = 0; i < FLOOD; i++) {
        char msg[32];
        int len = snprintf(msg, sizeof msg, "%d", i);
        CHECK_OK(libp2pc_node_publish(a, "flood", (const uint8_t *)msg, (size_t)len, &req));
    }
    rec_wait_ok(&ra, req, "last publish");
    libp2pc_counters c = {.struct_size = sizeof c};
    double deadline = now_s() + 30 * time_scale();
    do {
        CHECK_OK(libp2pc_node_counters(b, &c));
        CHECK(now_s() < deadline, "b received only %llu messages", (unsigned long long)c.messages_received);
        usleep(10 * 1000);
    } while (c.messages_received + c.dropped_subscription < FLOOD);
    CHECK(c.dropped_subscription == 0, "gossipsub dropped %llu before our queue", (unsigned long long)c.dropped_subscription);
    CHECK(c.gossip_queue_len == GOSSIP_CAP && c.gossip_queue_high_water == GOSSIP_CAP,
          "gossip queue len %u high %u, cap %u", c.gossip_queue_len, c.gossip_queue_high_water, GOSSIP_CAP);
    CHECK(c.dropped_gossip >= FLOOD - GOSSIP_CAP, "dropped %llu", (unsigned long long)c.dropped_gossip);

    /* Control queue: accept calls until their completions cannot be promised. */
    uint64_t accepted[64];
    size_t nacc = 0;
    for (;;) {
        rc = libp2pc_node_unsubscribe(b, "never-subscribed", &req);
        if (rc == LIBP2PC_ERR_QUEUE_FULL) break;
        CHECK(rc == 0, "unsubscribe: %s", libp2pc_last_error());
        CHECK(nacc < 64, "control queue never filled");
        accepted[nacc++] = req;
    }
    CHECK(strstr(libp2pc_last_error(), "queue full"), "message: %s", libp2pc_last_error());
    CHECK_OK(libp2pc_node_counters(b, &c));
    CHECK(c.calls_refused_busy == 1, "refused counter %llu", (unsigned long long)c.calls_refused_busy);
    CHECK(c.control_queue_high_water <= CONTROL_CAP, "control queue over capacity");
    uint64_t stop_req;
    CHECK_OK(libp2pc_node_stop(b, &stop_req)); /* always possible */

    /* Now drain, as a host's event loop would: wait on the fd, poll a few. */
    recorder rb;
    rec_init(&rb);
    int stopped = 0;
    while (!stopped) {
        CHECK(readable(fd, (int)(30000 * time_scale())), "fd not readable while events remain");
        size_t got = 0;
        CHECK_OK(libp2pc_node_poll(b, rec_cb, &rb, 5, &got));
        CHECK(got > 0, "readable fd but nothing to poll");
        stopped = rec_count_type(&rb, LIBP2PC_EVENT_STOPPED) > 0;
    }
    CHECK(!readable(fd, 0), "fd readable after the last event");
    CHECK_RC(libp2pc_node_poll(b, rec_cb, &rb, 5, NULL), LIBP2PC_ERR_STOPPED);

    /* Every accepted request completed; nothing but gossip was dropped. */
    uint64_t must[] = {start_req, sub_req, dial_req, stop_req};
    for (size_t i = 0; i < 4; i++)
        CHECK(rec_wait(&rb, pred_request, &must[i], 0) >= 0, "completion %zu lost", i);
    for (size_t i = 0; i < nacc; i++)
        CHECK(rec_wait(&rb, pred_request, &accepted[i], 0) >= 0, "completion of accepted call %zu lost", i);
    CHECK(rec_count_type(&rb, LIBP2PC_EVENT_PEER_CONNECTED) == 1 &&
              rec_count_type(&rb, LIBP2PC_EVENT_PEER_DISCONNECTED) == 1,
          "connect/disconnect pair lost");
    CHECK(rb.ev[rb.n - 1].type == LIBP2PC_EVENT_STOPPED, "STOPPED must be last");

    /* The survivors are the newest messages, and the DROPS event agrees with the counters. */
    size_t msgs = rec_count_type(&rb, LIBP2PC_EVENT_MESSAGE);
    CHECK(msgs == GOSSIP_CAP, "%zu messages delivered, want %d (the queue's capacity)", msgs, GOSSIP_CAP);
    int last = -1;
    uint64_t reported = 0;
    for (size_t i = 0; i < rb.n; i++) {
        if (rb.ev[i].type == LIBP2PC_EVENT_MESSAGE) {
            int v = atoi((const char *)rb.ev[i].data);
            CHECK(v > last, "messages out of order");
            last = v;
        }
        if (rb.ev[i].type == LIBP2PC_EVENT_DROPS) reported = rb.ev[i].dropped_gossip;
    }
    if (last != FLOOD - 1)
        for (size_t i = 0; i < rb.n; i++)
            fprintf(stderr, "  seq %llu %s %s\n", (unsigned long long)rb.ev[i].seq, libp2pc_event_type_name(rb.ev[i].type),
                    rb.ev[i].data ? (const char *)rb.ev[i].data : (rb.ev[i].text ? rb.ev[i].text : ""));
    CHECK(last == FLOOD - 1, "newest message %d missing (last delivered %d)", FLOOD - 1, last);
    CHECK_OK(libp2pc_node_counters(b, &c));
    CHECK(reported > 0 && reported == c.dropped_gossip, "DROPS reported %llu, counters say %llu",
          (unsigned long long)reported, (unsigned long long)c.dropped_gossip);
    CHECK(c.events_delivered == rb.n, "delivered counter %llu, host got %zu", (unsigned long long)c.events_delivered, rb.n);

    CHECK_OK(libp2pc_node_destroy(b));
    stop_and_destroy(a, &ra);
    printf("test_queue_overflow: %zu calls accepted then QUEUE_FULL; %llu gossip dropped oldest-first; %zu events drained\n",
           nacc, (unsigned long long)c.dropped_gossip, rb.n);
    rec_free(&ra);
    rec_free(&rb);
    return 0;
}
