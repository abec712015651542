/*
 * Property 5 and 7 (runtime half): misuse returns a specific error and never
 * crashes; a Go panic comes back as LIBP2PC_ERR_INTERNAL; a host built
 * against another ABI is refused at init; calls from inside the callback
 * work, except destroy, which is refused.
 */
#include "testutil.h"

#include <sys/stat.h>

struct cb_state {
    libp2pc_node self;
    int destroy_rc;
    int publish_rc;
    uint64_t publish_req;
    int did;
};

static struct cb_state st;

static void hook(recorder *r, const libp2pc_event *ev) {
    (void)r;
    if (ev->type == LIBP2PC_EVENT_TOPIC_PEER_JOINED && !st.did) {
        st.did = 1;
        st.destroy_rc = libp2pc_node_destroy(st.self);
        static const uint8_t msg[] = "published from inside the callback";
        st.publish_rc = libp2pc_node_publish(st.self, "misuse", msg, sizeof msg - 1, &st.publish_req);
    }
}

static void *other_thread_error(void *arg) {
    (void)arg;
    return (void *)(intptr_t)(libp2pc_last_error()[0] == '\0');
}

int main(void) {
    watchdog_start(120);
    libp2pc_config cfg;
    libp2pc_node n = 0;
    uint64_t req;

    /* Versions. */
    CHECK(libp2pc_abi_version() == LIBP2PC_ABI_VERSION, "abi version %u", libp2pc_abi_version());
    CHECK_OK(libp2pc_config_init(&cfg));
    CHECK_RC(libp2pc_node_new(&cfg, &n), LIBP2PC_ERR_NOT_INITIALIZED);
    CHECK_RC(libp2pc_init((1u << 16) | 2u), LIBP2PC_ERR_ABI_MISMATCH); /* older major */
    CHECK(strstr(libp2pc_last_error(), "ABI 1.2") != NULL, "message: %s", libp2pc_last_error());
    CHECK_RC(libp2pc_init(((uint32_t)LIBP2PC_ABI_VERSION_MAJOR << 16) | 999u), LIBP2PC_ERR_ABI_MISMATCH); /* newer minor */
    CHECK_RC(libp2pc_init((uint32_t)(LIBP2PC_ABI_VERSION_MAJOR + 1) << 16), LIBP2PC_ERR_ABI_MISMATCH); /* newer major */
    CHECK_RC(libp2pc_node_new(&cfg, &n), LIBP2PC_ERR_NOT_INITIALIZED);
    init_lib();

    /* The last error is per thread. */
    void *clean;
    pthread_t th;
    pthread_create(&th, NULL, other_thread_error, NULL);
    pthread_join(th, &clean);
    CHECK(clean, "another thread must not see this thread's last error");

    /* NULLs and malformed config. */
    CHECK_RC(libp2pc_config_init(NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_new(NULL, &n), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_new(&cfg, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    cfg.struct_size = 8;
    CHECK_RC(libp2pc_node_new(&cfg, &n), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(libp2pc_last_error(), "libp2pc_config_init"), "message: %s", libp2pc_last_error());
    CHECK_OK(libp2pc_config_init(&cfg));
    const char *bad_addrs[] = {"/not/a/multiaddr"};
    cfg.listen_addrs = bad_addrs;
    cfg.listen_addrs_len = 1;
    CHECK_RC(libp2pc_node_new(&cfg, &n), LIBP2PC_ERR_INVALID_ARGUMENT);
    cfg.listen_addrs = NULL;
    CHECK_RC(libp2pc_node_new(&cfg, &n), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.control_queue_capacity = 2;
    CHECK_RC(libp2pc_node_new(&cfg, &n), LIBP2PC_ERR_INVALID_ARGUMENT);

    /* struct_size: zero, below the ABI 2.0 layout, or absurdly large is an
     * uninitialised struct (INVALID_ARGUMENT naming the struct); larger
     * than the library's (a newer host's struct) is read up to the
     * library's size. */
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.struct_size = 0;
    CHECK_RC(libp2pc_node_new(&cfg, &n), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(libp2pc_last_error(), "struct_size is 0") != NULL, "message: %s", libp2pc_last_error());
    cfg.struct_size = 1u << 20;
    CHECK_RC(libp2pc_node_new(&cfg, &n), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(libp2pc_last_error(), "absurdly large") != NULL, "message: %s", libp2pc_last_error());
    cfg.struct_size = sizeof cfg - 8;
    CHECK_RC(libp2pc_node_new(&cfg, &n), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(libp2pc_last_error(), "ABI 2.0 layout of libp2pc_config") != NULL, "message: %s",
          libp2pc_last_error());
    CHECK_RC(libp2pc_config_init_sized(&cfg, 8), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_config_init_sized(&cfg, 1u << 20), LIBP2PC_ERR_INVALID_ARGUMENT);
    {
        /* A newer host's config: 16 more bytes, all of which init zeroes. */
        union {
            libp2pc_config cfg;
            unsigned char bytes[sizeof(libp2pc_config) + 16];
        } newer;
        memset(&newer, 0xa5, sizeof newer);
        CHECK_OK(libp2pc_config_init_sized(&newer.cfg, sizeof newer));
        CHECK(newer.cfg.struct_size == sizeof newer, "struct_size %u", newer.cfg.struct_size);
        for (size_t i = 4; i < sizeof newer; i++) CHECK(newer.bytes[i] == 0, "byte %zu not zeroed", i);
        CHECK_OK(libp2pc_node_new(&newer.cfg, &n));
        /* Out structs: never written past struct_size, and read in full
         * when the host's is larger than the library's. */
        union {
            libp2pc_counters c;
            unsigned char bytes[sizeof(libp2pc_counters) + 16];
        } big;
        memset(&big, 0xa5, sizeof big);
        big.c.struct_size = sizeof big;
        CHECK_OK(libp2pc_node_counters(n, &big.c));
        CHECK(big.c.struct_size == sizeof big, "struct_size changed to %u", big.c.struct_size);
        CHECK(big.c.gossip_queue_capacity == 4096, "gossip capacity %u", big.c.gossip_queue_capacity);
        for (size_t i = sizeof(libp2pc_counters); i < sizeof big; i++)
            CHECK(big.bytes[i] == 0xa5, "counters wrote byte %zu past its struct", i);
        CHECK_OK(libp2pc_node_destroy(n));
        CHECK_OK(libp2pc_config_init(&cfg));
    }

    /* Identity key files. */
    char dir[] = "/tmp/libp2pc-misuse-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char key[600], bad_key[600], blocked[600];
    snprintf(key, sizeof key, "%s/node.key", dir);
    snprintf(bad_key, sizeof bad_key, "%s/bad.key", dir);
    snprintf(blocked, sizeof blocked, "%s/bad.key/sub/node.key", dir); /* parent is a file */
    FILE *f = fopen(bad_key, "w");
    fputs("zz-not-hex\n", f);
    fclose(f);
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.identity_key_path = bad_key;
    CHECK_RC(libp2pc_node_new(&cfg, &n), LIBP2PC_ERR_INVALID_ARGUMENT);
    cfg.identity_key_path = blocked;
    CHECK_RC(libp2pc_node_new(&cfg, &n), LIBP2PC_ERR_IO);
    cfg.identity_key_path = key;
    CHECK_OK(libp2pc_node_new(&cfg, &n));
    char id1[128], id2[128];
    CHECK_OK(libp2pc_node_peer_id(n, id1, sizeof id1));
    CHECK_RC(libp2pc_node_peer_id(n, id2, 4), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_peer_id(n, NULL, 128), LIBP2PC_ERR_INVALID_ARGUMENT);

    /* Poll-mode calls on a callback-less node work; on it, stop before start fails. */
    int fd = -1;
    CHECK_OK(libp2pc_node_event_fd(n, &fd));
    CHECK(fd >= 0, "fd");
    CHECK_RC(libp2pc_node_event_fd(n, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_poll(n, NULL, NULL, 1, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_stop(n, &req), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_publish(n, "t", (const uint8_t *)"x", 1, &req), LIBP2PC_ERR_BAD_STATE);
    CHECK_OK(libp2pc_node_destroy(n));
    CHECK_RC(libp2pc_node_destroy(n), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_start(n, &req), LIBP2PC_ERR_BAD_HANDLE);

    /* The key was saved: a second node has the same peer id. */
    CHECK_OK(libp2pc_node_new(&cfg, &n));
    CHECK_OK(libp2pc_node_peer_id(n, id2, sizeof id2));
    CHECK(strcmp(id1, id2) == 0, "peer id changed across loads: %s vs %s", id1, id2);
    CHECK_OK(libp2pc_node_destroy(n));

    /* Unknown handles. */
    CHECK_RC(libp2pc_node_start(0, &req), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_dial(987654321, "/ip4/127.0.0.1/tcp/1", &req), LIBP2PC_ERR_BAD_HANDLE);
    libp2pc_counters c = {.struct_size = sizeof c};
    CHECK_RC(libp2pc_node_counters(424242, &c), LIBP2PC_ERR_BAD_HANDLE);

    /* A running callback-mode node. */
    recorder r;
    rec_init(&r);
    r.hook = hook;
    libp2pc_node m = start_node(&r, NULL, 0);
    st.self = m;
    CHECK_RC(libp2pc_node_start(m, &req), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_dial(m, NULL, &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_dial(m, "/ip4/127.0.0.1/tcp/1", &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_dial(m, "garbage", &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_subscribe(m, "t", NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_subscribe(m, "", &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_publish(m, "t", NULL, 5, &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_disconnect(m, "not-a-peer", &req), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_peers(m, NULL, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    {
        libp2pc_peer *pl = NULL;
        size_t pn = 0;
        CHECK_RC(libp2pc_node_peers_sized(m, &pl, &pn, 8), LIBP2PC_ERR_INVALID_ARGUMENT);
        CHECK(strstr(libp2pc_last_error(), "element size") != NULL, "message: %s", libp2pc_last_error());
        CHECK_RC(libp2pc_node_peers_sized(m, &pl, &pn, 0), LIBP2PC_ERR_INVALID_ARGUMENT);
    }
    c.struct_size = 4;
    CHECK_RC(libp2pc_node_counters(m, &c), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_counters(m, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_event_fd(m, &fd), LIBP2PC_ERR_UNSUPPORTED);
    CHECK_RC(libp2pc_node_poll(m, rec_cb, &r, 1, NULL), LIBP2PC_ERR_UNSUPPORTED);
    /* Async failures complete with specific codes. */
    CHECK_OK(libp2pc_node_publish(m, "not-subscribed", (const uint8_t *)"x", 1, &req));
    CHECK(rec_request_status(&r, req) == LIBP2PC_ERR_NOT_FOUND, "publish to unknown topic");
    CHECK_OK(libp2pc_node_unsubscribe(m, "not-subscribed", &req));
    CHECK(rec_request_status(&r, req) == LIBP2PC_ERR_NOT_FOUND, "unsubscribe unknown topic");
    CHECK_OK(libp2pc_node_subscribe(m, "misuse", &req));
    rec_wait_ok(&r, req, "subscribe");
    CHECK_OK(libp2pc_node_subscribe(m, "misuse", &req));
    CHECK(rec_request_status(&r, req) == LIBP2PC_ERR_BAD_STATE, "double subscribe");
    CHECK_OK(libp2pc_node_dial(m, "/ip4/127.0.0.1/tcp/1/p2p/16Uiu2HAmFsUkDtnv1ycujPVFjS2jLW7YrMEd3uvjU5DcXshSRKm7", &req));
    int dial_status = rec_request_status(&r, req);
    CHECK(dial_status == LIBP2PC_ERR_NETWORK || dial_status == LIBP2PC_ERR_TIMEOUT, "dial to closed port: %d", dial_status);

    /* A peer joins the topic: the hook calls destroy (refused) and publish (works) from inside the callback. */
    recorder r2;
    rec_init(&r2);
    libp2pc_node p = start_node(&r2, NULL, 0);
    char addr_m[512];
    dial_addr(&r, "/tcp/", addr_m, sizeof addr_m);
    CHECK_OK(libp2pc_node_subscribe(p, "misuse", &req));
    rec_wait_ok(&r2, req, "subscribe p");
    CHECK_OK(libp2pc_node_dial(p, addr_m, &req));
    rec_wait_ok(&r2, req, "dial");
    rec_wait_type(&r, LIBP2PC_EVENT_TOPIC_PEER_JOINED, 30);
    rec_wait_type(&r2, LIBP2PC_EVENT_MESSAGE, 30); /* the publish made inside m's callback arrived */
    CHECK(st.destroy_rc == LIBP2PC_ERR_IN_CALLBACK, "destroy inside callback returned %d", st.destroy_rc);
    CHECK(st.publish_rc == LIBP2PC_OK, "publish inside callback returned %d", st.publish_rc);

    /* The peer list with a newer host's element size: the rows are that
     * far apart, each with the library's fields and zeros after them. */
    {
        struct newer_peer {
            libp2pc_peer p;
            uint64_t later_field;
        };
        libp2pc_peer *pl = NULL;
        size_t pn = 0;
        char id_p[128];
        CHECK_OK(libp2pc_node_peer_id(p, id_p, sizeof id_p));
        CHECK_OK(libp2pc_node_peers_sized(m, &pl, &pn, sizeof(struct newer_peer)));
        CHECK(pn == 1 && pl != NULL, "%zu peers", pn);
        struct newer_peer *rows = (struct newer_peer *)(void *)pl;
        CHECK(strcmp(rows[0].p.peer_id, id_p) == 0, "peer %s, want %s", rows[0].p.peer_id, id_p);
        CHECK(rows[0].later_field == 0, "bytes past the library's element are not zero");
        libp2pc_peers_free(pl);
    }

    /* The panic guard. */
    CHECK_RC(libp2pc_debug_panic(), LIBP2PC_ERR_INTERNAL);
    CHECK(strstr(libp2pc_last_error(), "panic") != NULL, "message: %s", libp2pc_last_error());

    /* Lifecycle misuse. */
    CHECK_OK(libp2pc_node_stop(m, &req));
    CHECK_RC(libp2pc_node_stop(m, &req), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_subscribe(m, "late", &req), LIBP2PC_ERR_BAD_STATE);
    rec_wait_type(&r, LIBP2PC_EVENT_STOPPED, 60);
    CHECK_OK(libp2pc_node_destroy(m));
    CHECK_RC(libp2pc_node_destroy(m), LIBP2PC_ERR_BAD_HANDLE);
    CHECK_RC(libp2pc_node_publish(m, "misuse", (const uint8_t *)"x", 1, &req), LIBP2PC_ERR_BAD_HANDLE);
    CHECK(strcmp(libp2pc_strerror(LIBP2PC_ERR_BAD_HANDLE), "unknown or destroyed handle") == 0, "strerror");
    CHECK(strcmp(libp2pc_strerror(12345), "unknown") == 0, "strerror unknown");

    stop_and_destroy(p, &r2);
    rec_free(&r);
    rec_free(&r2);
    unlink(key);
    unlink(bad_key);
    rmdir(dir);
    printf("test_misuse: ok\n");
    return 0;
}
