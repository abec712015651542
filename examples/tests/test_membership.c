/*
 * The membership transport through the C API, for both transports ("libp2p"
 * and "tcp"): three in-process nodes form a membership;
 *   - messages from a node the receiver's membership omits are held back and
 *     delivered, in order, when the membership grows (tentative receiver);
 *   - send and broadcast arrive as MEMBER_MESSAGE events (peer_id = sender's
 *     member id, data = payload), complete and in order per sender;
 *   - the counters (totals and per member) reflect what was sent/received;
 *   - misuse gets specific errors: NULLs, before start, started twice, a
 *     non-member (NOT_FOUND), too large, bad struct_size, after stop
 *     (STOPPED), after destroy (BAD_HANDLE).
 */
#include "testutil.h"

#define NODES 3
#define ROUNDS 20
#define HELD 5

static double wait_s(void) {
    const char *scale = getenv("LIBP2PC_TEST_TIME_SCALE");
    return (scale != NULL && atoi(scale) > 1) ? 60.0 * atoi(scale) : 60.0;
}

/* The payloads of the MEMBER_MESSAGE events from `from`, in delivery order;
 * returns how many (at most max). */
static size_t msgs_from(recorder *r, const char *from, char **out, size_t max) {
    size_t k = 0;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n; i++) {
        rec_event *e = &r->ev[i];
        if (e->type != LIBP2PC_EVENT_MEMBER_MESSAGE) continue;
        CHECK(e->peer_id != NULL, "MEMBER_MESSAGE without peer_id");
        if (strcmp(e->peer_id, from) != 0) continue;
        if (k < max && out) out[k] = (char *)e->data; /* NUL-terminated by rec_cb */
        k++;
    }
    pthread_mutex_unlock(&r->mu);
    return k;
}

static void wait_count_from(recorder *r, const char *from, size_t want, const char *what) {
    double deadline = now_s() + wait_s();
    size_t have;
    while ((have = msgs_from(r, from, NULL, 0)) < want) {
        if (now_s() > deadline) FAIL("%s: %zu of %zu messages from %s arrived", what, have, want, from);
        usleep(20 * 1000);
    }
    CHECK(have == want, "%s: %zu messages from %s, want %zu", what, have, from, want);
}

static libp2pc_membership_counters mcounters(libp2pc_node n) {
    libp2pc_membership_counters c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    CHECK_OK(libp2pc_node_membership_counters(n, &c));
    return c;
}

static libp2pc_member_counters pcounters(libp2pc_node n, const char *id) {
    libp2pc_member_counters c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    CHECK_OK(libp2pc_node_member_counters(n, id, &c));
    return c;
}

static void run(const char *transport) {
    int tcp = strcmp(transport, "tcp") == 0;
    fprintf(stderr, "== transport %s\n", transport);
    recorder rec[NODES];
    libp2pc_node node[NODES];
    char id[NODES][256], addr[NODES][512];
    static const uint8_t x[] = "x";

    for (int i = 0; i < NODES; i++) {
        rec_init(&rec[i]);
        node[i] = start_node(&rec[i], NULL, 0);
    }

    /* Before membership_start. */
    libp2pc_member none = {"a", "127.0.0.1:1"};
    CHECK_RC(libp2pc_node_membership_set(node[0], &none, 1), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_member_send(node[0], "a", x, 1), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_member_broadcast(node[0], x, 1), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_membership_addr(node[0], addr[0], sizeof addr[0]), LIBP2PC_ERR_BAD_STATE);
    libp2pc_membership_counters mc;
    memset(&mc, 0, sizeof mc);
    mc.struct_size = sizeof mc;
    CHECK_RC(libp2pc_node_membership_counters(node[0], &mc), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_membership_start(node[0], NULL, NULL, NULL, id[0], sizeof id[0]),
             LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_membership_start(node[0], "udp", NULL, NULL, id[0], sizeof id[0]),
             LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_membership_start(12345678, transport, NULL, NULL, id[0], sizeof id[0]),
             LIBP2PC_ERR_BAD_HANDLE);
    if (!tcp)
        CHECK_RC(libp2pc_node_membership_start(node[0], transport, "127.0.0.1:0", NULL, id[0], sizeof id[0]),
                 LIBP2PC_ERR_INVALID_ARGUMENT);

    /* Start: tcp nodes 0 and 1 get explicit ids, node 2 its peer id. */
    for (int i = 0; i < NODES; i++) {
        char want[128], given[16];
        snprintf(given, sizeof given, "n%d", i);
        const char *tid = (tcp && i < 2) ? given : NULL;
        CHECK_OK(libp2pc_node_membership_start(node[i], transport, tcp ? "127.0.0.1:0" : NULL, tid,
                                               id[i], sizeof id[i]));
        CHECK_OK(libp2pc_node_peer_id(node[i], want, sizeof want));
        if (tid) CHECK(strcmp(id[i], tid) == 0, "local id %s, want %s", id[i], tid);
        else CHECK(strcmp(id[i], want) == 0, "local id %s, want the peer id %s", id[i], want);
        CHECK_OK(libp2pc_node_membership_addr(node[i], addr[i], sizeof addr[i]));
        CHECK(tcp ? strncmp(addr[i], "127.0.0.1:", 10) == 0 : strstr(addr[i], "/p2p/") != NULL,
              "membership addr %s", addr[i]);
    }
    CHECK_RC(libp2pc_node_membership_start(node[0], transport, NULL, NULL, id[0], sizeof id[0]),
             LIBP2PC_ERR_BAD_STATE);
    char tiny[4];
    CHECK_RC(libp2pc_node_membership_addr(node[0], tiny, sizeof tiny), LIBP2PC_ERR_INVALID_ARGUMENT);

    libp2pc_member all[NODES], without0[NODES - 1];
    for (int i = 0; i < NODES; i++) all[i] = (libp2pc_member){id[i], addr[i]};
    without0[0] = all[1];
    without0[1] = all[2];

    /* Invalid memberships change nothing. */
    libp2pc_member bad[2] = {all[1], {id[1], addr[2]}}; /* duplicate id */
    CHECK_RC(libp2pc_node_membership_set(node[0], bad, 2), LIBP2PC_ERR_INVALID_ARGUMENT);
    bad[1] = (libp2pc_member){id[2], NULL};
    CHECK_RC(libp2pc_node_membership_set(node[0], bad, 2), LIBP2PC_ERR_INVALID_ARGUMENT);
    bad[1] = (libp2pc_member){id[2], tcp ? "no-port" : "/not/a/multiaddr"};
    CHECK_RC(libp2pc_node_membership_set(node[0], bad, 2), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_membership_set(node[0], NULL, 2), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK(mcounters(node[0]).members == 0, "an invalid membership was applied");

    /* Nodes 0 and 1 know everyone; node 2 omits node 0. */
    CHECK_OK(libp2pc_node_membership_set(node[0], all, NODES));
    /* Node 1's list comes as a newer host would pass it: each element
     * followed by a field this library does not know; the element size
     * says where the next one starts. */
    struct newer_member {
        libp2pc_member m;
        uint64_t later_field;
    } wide[NODES];
    for (int i = 0; i < NODES; i++) wide[i] = (struct newer_member){all[i], ~0ULL};
    CHECK_RC(libp2pc_node_membership_set_sized(node[1], &wide[0].m, NODES, sizeof(libp2pc_member) - 1),
             LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_OK(libp2pc_node_membership_set_sized(node[1], &wide[0].m, NODES, sizeof wide[0]));
    CHECK(mcounters(node[1]).members == NODES, "members %u", mcounters(node[1]).members);
    CHECK_OK(libp2pc_node_membership_set(node[2], without0, NODES - 1));
    CHECK(mcounters(node[0]).members == NODES, "members %u", mcounters(node[0]).members);

    /* Misuse while running. */
    CHECK_RC(libp2pc_node_member_send(node[0], "not-a-member", x, 1), LIBP2PC_ERR_NOT_FOUND);
    CHECK_RC(libp2pc_node_member_send(node[0], id[0], x, 1), LIBP2PC_ERR_INVALID_ARGUMENT); /* self */
    CHECK_RC(libp2pc_node_member_send(node[0], NULL, x, 1), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_member_send(node[0], id[1], NULL, 1), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_member_broadcast(node[0], NULL, 1), LIBP2PC_ERR_INVALID_ARGUMENT);
    size_t big_len = 10485760 + 1; /* default max_message_size + 1 */
    uint8_t *big = calloc(1, big_len);
    CHECK(big != NULL, "calloc");
    CHECK_RC(libp2pc_node_member_send(node[0], id[1], big, big_len), LIBP2PC_ERR_TOO_LARGE);
    CHECK_RC(libp2pc_node_member_broadcast(node[0], big, big_len), LIBP2PC_ERR_TOO_LARGE);
    free(big);
    CHECK_RC(libp2pc_node_membership_counters(node[0], NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    mc.struct_size = 8;
    CHECK_RC(libp2pc_node_membership_counters(node[0], &mc), LIBP2PC_ERR_INVALID_ARGUMENT);
    libp2pc_member_counters pc;
    memset(&pc, 0, sizeof pc);
    pc.struct_size = sizeof pc;
    CHECK_RC(libp2pc_node_member_counters(node[0], "not-a-member", &pc), LIBP2PC_ERR_NOT_FOUND);
    CHECK_RC(libp2pc_node_member_counters(node[0], id[0], &pc), LIBP2PC_ERR_NOT_FOUND);
    CHECK_RC(libp2pc_node_member_counters(node[0], NULL, &pc), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_member_counters(node[0], id[1], NULL), LIBP2PC_ERR_INVALID_ARGUMENT);

    /* Tentative receiver: node 2 holds node 0's messages back... */
    char buf[64];
    for (int k = 0; k < HELD; k++) {
        snprintf(buf, sizeof buf, "held-%d", k);
        CHECK_OK(libp2pc_node_member_send(node[0], id[2], (const uint8_t *)buf, strlen(buf)));
    }
    CHECK_OK(libp2pc_node_member_send(node[1], id[2], (const uint8_t *)"marker", 6));
    wait_count_from(&rec[2], id[1], 1, "marker");
    double deadline = now_s() + wait_s();
    while (mcounters(node[2]).tentative_received < HELD) {
        if (now_s() > deadline) FAIL("node 2 never buffered node 0's messages");
        usleep(20 * 1000);
    }
    CHECK(msgs_from(&rec[2], id[0], NULL, 0) == 0, "a non-member's messages were delivered");
    /* ...and delivers them, in order, once node 0 becomes a member. */
    CHECK_OK(libp2pc_node_membership_set(node[2], all, NODES));
    wait_count_from(&rec[2], id[0], HELD, "tentative flush");
    char *got[4 * ROUNDS + HELD];
    msgs_from(&rec[2], id[0], got, HELD);
    for (int k = 0; k < HELD; k++) {
        snprintf(buf, sizeof buf, "held-%d", k);
        CHECK(strcmp(got[k], buf) == 0, "flushed message %d is %s, want %s", k, got[k], buf);
    }
    CHECK(mcounters(node[2]).tentative_flushed == HELD, "tentative_flushed %llu",
          (unsigned long long)mcounters(node[2]).tentative_flushed);

    /* Broadcasts from everyone, interleaved with sends from node 0 to 1. */
    for (int k = 0; k < ROUNDS; k++) {
        for (int i = 0; i < NODES; i++) {
            snprintf(buf, sizeof buf, "b%d-%d", i, k);
            CHECK_OK(libp2pc_node_member_broadcast(node[i], (const uint8_t *)buf, strlen(buf)));
        }
        snprintf(buf, sizeof buf, "s0-%d", k);
        CHECK_OK(libp2pc_node_member_send(node[0], id[1], (const uint8_t *)buf, strlen(buf)));
    }
    for (int r = 0; r < NODES; r++) {
        for (int s = 0; s < NODES; s++) {
            if (s == r) continue;
            size_t base = r != 2 ? 0 : s == 0 ? HELD : 1; /* held messages; the marker */
            size_t per = (s == 0 && r == 1) ? 2 : 1;
            size_t want = base + per * ROUNDS;
            wait_count_from(&rec[r], id[s], want, "broadcast/send");
            msgs_from(&rec[r], id[s], got, want);
            size_t j = base;
            for (int k = 0; k < ROUNDS; k++) {
                char exp[64];
                snprintf(exp, sizeof exp, "b%d-%d", s, k);
                CHECK(strcmp(got[j], exp) == 0, "node %d: message %zu from %d is %s, want %s", r, j, s, got[j], exp);
                j++;
                if (per == 2) {
                    snprintf(exp, sizeof exp, "s0-%d", k);
                    CHECK(strcmp(got[j], exp) == 0, "node %d: message %zu from 0 is %s, want %s", r, j, got[j], exp);
                    j++;
                }
            }
        }
    }
    CHECK(rec_count_type(&rec[0], LIBP2PC_EVENT_DROPS) == 0, "unexpected drops");

    /* Counters. */
    const uint64_t sent0 = HELD + 2 * ROUNDS + ROUNDS; /* held, broadcasts to 2 members, sends */
    deadline = now_s() + wait_s();
    while ((mc = mcounters(node[0])).sent < sent0) {
        if (now_s() > deadline) FAIL("node 0 sent %llu of %llu", (unsigned long long)mc.sent, (unsigned long long)sent0);
        usleep(20 * 1000);
    }
    CHECK(mc.enqueued == sent0 && mc.sent == sent0 && mc.dropped == 0, "node 0: enqueued %llu sent %llu dropped %llu",
          (unsigned long long)mc.enqueued, (unsigned long long)mc.sent, (unsigned long long)mc.dropped);
    CHECK(mc.send_too_large == 2, "send_too_large %llu", (unsigned long long)mc.send_too_large);
    CHECK(mc.received == 2 * ROUNDS && mc.events_queued == 2 * ROUNDS, "node 0: received %llu queued %llu",
          (unsigned long long)mc.received, (unsigned long long)mc.events_queued);
    libp2pc_membership_counters m1 = mcounters(node[1]);
    CHECK(m1.received == 3 * ROUNDS && m1.events_queued == 3 * ROUNDS, "node 1 received %llu", (unsigned long long)m1.received);
    pc = pcounters(node[1], id[0]);
    CHECK(pc.received == 2 * ROUNDS, "node 1 from 0: received %llu", (unsigned long long)pc.received);
    pc = pcounters(node[0], id[1]);
    CHECK(pc.enqueued == 2 * ROUNDS && pc.sent == 2 * ROUNDS && pc.queue_len == 0,
          "node 0 to 1: enqueued %llu sent %llu queue_len %llu", (unsigned long long)pc.enqueued,
          (unsigned long long)pc.sent, (unsigned long long)pc.queue_len);
    CHECK(mcounters(node[2]).tentative_evictions == 0, "tentative evictions");
    CHECK(strcmp(libp2pc_event_type_name(LIBP2PC_EVENT_MEMBER_MESSAGE), "member_message") == 0, "event name");

    /* After stop: STOPPED, final counters still readable; after destroy:
     * BAD_HANDLE. */
    uint64_t req;
    CHECK_OK(libp2pc_node_stop(node[0], &req));
    rec_wait_ok(&rec[0], req, "stop");
    CHECK_RC(libp2pc_node_member_send(node[0], id[1], x, 1), LIBP2PC_ERR_STOPPED);
    CHECK_RC(libp2pc_node_member_broadcast(node[0], x, 1), LIBP2PC_ERR_STOPPED);
    CHECK_RC(libp2pc_node_membership_set(node[0], all, NODES), LIBP2PC_ERR_STOPPED);
    CHECK_RC(libp2pc_node_member_counters(node[0], id[1], &pc), LIBP2PC_ERR_STOPPED);
    CHECK(mcounters(node[0]).sent == sent0, "final counters");
    CHECK_OK(libp2pc_node_member_send(node[1], id[0], x, 1)); /* still just queues */
    for (int i = 0; i < NODES; i++) stop_and_destroy(node[i], &rec[i]);
    CHECK_RC(libp2pc_node_member_send(node[1], id[0], x, 1), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_membership_counters(node[1], &mc), LIBP2PC_ERR_BAD_HANDLE);
    for (int i = 0; i < NODES; i++) rec_free(&rec[i]);
}

int main(void) {
    watchdog_start(240);
    init_lib();
    run("libp2p");
    run("tcp");
    fprintf(stderr, "PASS test_membership\n");
    return 0;
}
