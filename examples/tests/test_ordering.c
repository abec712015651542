/*
 * Property 4: one state machine per node.
 *  - two simultaneous connections to one peer (two nodes sharing an identity
 *    key, one over TCP and one over QUIC) are one PEER_CONNECTED, and one
 *    PEER_DISCONNECTED only when both have closed;
 *  - events carry consecutive sequence numbers; no MESSAGE or TOPIC_PEER_*
 *    event for a peer comes outside its CONNECTED..DISCONNECTED window, even
 *    when the peer is disconnected in the middle of a gossip flood.
 */
#include "testutil.h"

static size_t count_peer(recorder *r, uint32_t type, const char *peer) {
    size_t k = 0;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n; i++)
        k += r->ev[i].type == type && r->ev[i].peer_id && strcmp(r->ev[i].peer_id, peer) == 0;
    pthread_mutex_unlock(&r->mu);
    return k;
}

static void check_order(recorder *r, const char *name) {
    enum { MAXP = 16 };
    char *connected[MAXP] = {0};
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n; i++) {
        rec_event *e = &r->ev[i];
        CHECK(e->seq == i + 1, "%s: event %zu has seq %llu (gap or reorder)", name, i, (unsigned long long)e->seq);
        int slot = -1;
        for (int k = 0; k < MAXP; k++)
            if (connected[k] && e->peer_id && strcmp(connected[k], e->peer_id) == 0) slot = k;
        switch (e->type) {
        case LIBP2PC_EVENT_PEER_CONNECTED:
            CHECK(slot < 0, "%s: second connect for %s at seq %llu", name, e->peer_id, (unsigned long long)e->seq);
            for (int k = 0; k < MAXP; k++)
                if (!connected[k]) {
                    connected[k] = e->peer_id;
                    break;
                }
            break;
        case LIBP2PC_EVENT_PEER_DISCONNECTED:
            CHECK(slot >= 0, "%s: disconnect of unconnected %s", name, e->peer_id);
            connected[slot] = NULL;
            break;
        case LIBP2PC_EVENT_MESSAGE:
        case LIBP2PC_EVENT_TOPIC_PEER_JOINED:
        case LIBP2PC_EVENT_TOPIC_PEER_LEFT:
            CHECK(slot >= 0, "%s: %s from %s at seq %llu outside its connection", name,
                  libp2pc_event_type_name(e->type), e->peer_id, (unsigned long long)e->seq);
            break;
        }
    }
    pthread_mutex_unlock(&r->mu);
}

int main(void) {
    watchdog_start(180);
    init_lib();
    char dir[] = "/tmp/libp2pc-order-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char key[600];
    snprintf(key, sizeof key, "%s/shared.key", dir);

    /* --- duplicate connections --- */
    recorder rb, ra1, ra2;
    rec_init(&rb);
    rec_init(&ra1);
    rec_init(&ra2);
    libp2pc_node b = start_node(&rb, NULL, 1);
    libp2pc_node a1 = start_node(&ra1, key, 0);
    libp2pc_node a2 = start_node(&ra2, key, 0); /* same key: same peer id */
    char id_a[128];
    CHECK_OK(libp2pc_node_peer_id(a1, id_a, sizeof id_a));
    char tcp_b[512], quic_b[512];
    dial_addr(&rb, "/tcp/", tcp_b, sizeof tcp_b);
    dial_addr(&rb, "/quic-v1", quic_b, sizeof quic_b);
    uint64_t req;
    CHECK_OK(libp2pc_node_dial(a1, tcp_b, &req));
    rec_wait_ok(&ra1, req, "dial over tcp");
    CHECK_OK(libp2pc_node_dial(a2, quic_b, &req));
    rec_wait_ok(&ra2, req, "dial over quic");
    libp2pc_counters c = {.struct_size = sizeof c};
    double deadline = now_s() + 30 * time_scale();
    do {
        CHECK_OK(libp2pc_node_counters(b, &c));
        CHECK(now_s() < deadline, "b never saw the second connection");
    } while (c.duplicate_connections < 1);
    CHECK(count_peer(&rb, LIBP2PC_EVENT_PEER_CONNECTED, id_a) == 1, "two connections must be one connect");
    stop_and_destroy(a1, &ra1); /* one connection closes, the other stays */
    /* b still lists the peer: it has one connection left */
    libp2pc_peer *peers;
    size_t np;
    CHECK_OK(libp2pc_node_peers(b, &peers, &np));
    CHECK(np == 1 && strcmp(peers[0].peer_id, id_a) == 0, "b lists %zu peers", np);
    CHECK(strcmp(peers[0].direction, "inbound") == 0, "direction %s", peers[0].direction);
    libp2pc_peers_free(peers);
    CHECK(count_peer(&rb, LIBP2PC_EVENT_PEER_DISCONNECTED, id_a) == 0, "disconnect while a connection is left");
    stop_and_destroy(a2, &ra2);
    rec_wait_type(&rb, LIBP2PC_EVENT_PEER_DISCONNECTED, 30);
    CHECK(count_peer(&rb, LIBP2PC_EVENT_PEER_DISCONNECTED, id_a) == 1, "one disconnect when both closed");
    CHECK(count_peer(&rb, LIBP2PC_EVENT_PEER_CONNECTED, id_a) == 1, "still one connect");

    /* --- no message after disconnect, over three connect/flood/disconnect rounds --- */
    recorder rc;
    rec_init(&rc);
    libp2pc_node cn = start_node(&rc, NULL, 0);
    char id_c[128];
    CHECK_OK(libp2pc_node_peer_id(cn, id_c, sizeof id_c));
    CHECK_OK(libp2pc_node_subscribe(b, "flood", &req));
    rec_wait_ok(&rb, req, "subscribe b");
    CHECK_OK(libp2pc_node_subscribe(cn, "flood", &req));
    rec_wait_ok(&rc, req, "subscribe c");
    for (int round = 0; round < 3; round++) {
        size_t before = count_peer(&rb, LIBP2PC_EVENT_MESSAGE, id_c);
        CHECK_OK(libp2pc_node_dial(cn, tcp_b, &req));
        rec_wait_ok(&rc, req, "dial c->b");
        /* publish until b has received one message of this round */
        deadline = now_s() + 30 * time_scale();
        for (int i = 0; count_peer(&rb, LIBP2PC_EVENT_MESSAGE, id_c) == before; i++) {
            char msg[64];
            int len = snprintf(msg, sizeof msg, "round %d probe %d", round, i);
            CHECK_OK(libp2pc_node_publish(cn, "flood", (const uint8_t *)msg, (size_t)len, &req));
            usleep(50 * 1000);
            CHECK(now_s() < deadline, "no message reached b in round %d", round);
        }
        for (int i = 0; i < 300; i++) {
            char msg[64];
            int len = snprintf(msg, sizeof msg, "round %d flood %d", round, i);
            CHECK_OK(libp2pc_node_publish(cn, "flood", (const uint8_t *)msg, (size_t)len, &req));
        }
        size_t disc = count_peer(&rb, LIBP2PC_EVENT_PEER_DISCONNECTED, id_c);
        CHECK_OK(libp2pc_node_disconnect(b, id_c, &req));
        rec_wait_ok(&rb, req, "disconnect");
        CHECK(count_peer(&rb, LIBP2PC_EVENT_PEER_DISCONNECTED, id_c) == disc + 1, "one disconnect per round");
        /* c must see the disconnect too before the next dial */
        deadline = now_s() + 30 * time_scale();
        while (rec_count_type(&rc, LIBP2PC_EVENT_PEER_DISCONNECTED) < (size_t)round + 1) {
            usleep(10 * 1000);
            CHECK(now_s() < deadline, "c never saw the disconnect");
        }
    }
    stop_and_destroy(cn, &rc);
    stop_and_destroy(b, &rb);
    check_order(&rb, "b");
    check_order(&rc, "c");
    printf("test_ordering: b saw %zu events, %zu messages from c, all in order\n", rb.n,
           count_peer(&rb, LIBP2PC_EVENT_MESSAGE, id_c));
    rec_free(&rb);
    rec_free(&ra1);
    rec_free(&ra2);
    rec_free(&rc);
    unlink(key);
    rmdir(dir);
    return 0;
}
