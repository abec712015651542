/*
 * The "new" host of the ABI growth test (make test-abi-growth): built
 * against a library in which libp2pc_config and libp2pc_counters gained a
 * field at their end (libp2pc_growth.h; the library is built with -tags
 * abigrowth_test). The frozen ABI 2.0 host runs against the same library.
 *
 *   - A config with the new field set: the library reads it (the new
 *     counters field echoes it), and two such nodes gossip.
 *   - The same struct with struct_size of the 2.0 layout and garbage in
 *     the new field: the library does not read past struct_size; the field
 *     takes its default.
 *   - Counters with the 2.0 struct_size: the new field is not written.
 *   - init over the grown size zeroes all of it.
 */
#include "testutil.h"

#include "libp2pc_growth.h"

static libp2pc_counters_grown counters(libp2pc_node n, uint32_t struct_size) {
    libp2pc_counters_grown c;
    memset(&c, 0xa5, sizeof c);
    c.v2_0.struct_size = struct_size;
    CHECK_OK(libp2pc_node_counters(n, &c.v2_0));
    CHECK(c.v2_0.struct_size == struct_size, "struct_size changed to %u", c.v2_0.struct_size);
    return c;
}

static libp2pc_node grown_node(recorder *rec, uint64_t probe, uint32_t struct_size) {
    libp2pc_config_grown g;
    memset(&g, 0xa5, sizeof g);
    CHECK_OK(libp2pc_config_init_sized(&g.v2_0, sizeof g));
    CHECK(g.v2_0.struct_size == sizeof g && g.growth_probe == 0, "init did not cover the grown struct");
    const char *addrs[] = {"/ip4/127.0.0.1/tcp/0"};
    g.v2_0.listen_addrs = addrs;
    g.v2_0.listen_addrs_len = 1;
    g.v2_0.stop_grace_ms = 2000;
    g.v2_0.on_event = rec_cb;
    g.v2_0.user_data = rec;
    g.v2_0.struct_size = struct_size;
    g.growth_probe = probe;
    libp2pc_node n = 0;
    CHECK_OK(libp2pc_node_new(&g.v2_0, &n));
    return n;
}

int main(void) {
    watchdog_start(120);
    init_lib();
    CHECK(sizeof(libp2pc_config_grown) > sizeof(libp2pc_config), "the grown config is not larger");

    /* The new field, set: read, and echoed by the new counters field. */
    recorder ra, rb;
    rec_init(&ra);
    rec_init(&rb);
    libp2pc_node a = grown_node(&ra, 42, sizeof(libp2pc_config_grown));
    libp2pc_counters_grown c = counters(a, sizeof c);
    CHECK(c.growth_probe_echo == 42, "the library read growth_probe %llu, want 42",
          (unsigned long long)c.growth_probe_echo);
    CHECK(c.v2_0.gossip_queue_capacity == 4096, "gossip capacity %u", c.v2_0.gossip_queue_capacity);

    /* An older host's struct_size: garbage past it is not read. */
    libp2pc_node b = grown_node(&rb, 0xdeadbeefdeadbeefULL, sizeof(libp2pc_config));
    c = counters(b, sizeof c);
    CHECK(c.growth_probe_echo == LIBP2PC_GROWTH_PROBE_DEFAULT, "growth_probe past struct_size read as %llu",
          (unsigned long long)c.growth_probe_echo);
    /* Counters with the 2.0 struct_size: the new field is left alone. */
    c = counters(a, sizeof(libp2pc_counters));
    CHECK(c.growth_probe_echo == 0xa5a5a5a5a5a5a5a5ULL, "counters wrote past the 2.0 struct_size");
    CHECK(c.v2_0.gossip_queue_capacity == 4096, "gossip capacity %u", c.v2_0.gossip_queue_capacity);

    /* The two nodes gossip. */
    uint64_t req;
    CHECK_OK(libp2pc_node_start(a, &req));
    rec_wait_ok(&ra, req, "start a");
    CHECK_OK(libp2pc_node_start(b, &req));
    rec_wait_ok(&rb, req, "start b");
    CHECK_OK(libp2pc_node_subscribe(a, "grown", &req));
    rec_wait_ok(&ra, req, "subscribe a");
    CHECK_OK(libp2pc_node_subscribe(b, "grown", &req));
    rec_wait_ok(&rb, req, "subscribe b");
    char addr[512];
    dial_addr(&ra, "/tcp/", addr, sizeof addr);
    CHECK_OK(libp2pc_node_dial(b, addr, &req));
    rec_wait_ok(&rb, req, "dial");
    rec_wait_type(&ra, LIBP2PC_EVENT_TOPIC_PEER_JOINED, 30);
    static const uint8_t msg[] = "gossip from a host of the grown ABI";
    CHECK_OK(libp2pc_node_publish(a, "grown", msg, sizeof msg - 1, &req));
    rec_wait_ok(&ra, req, "publish");
    rec_event m = rec_wait_type(&rb, LIBP2PC_EVENT_MESSAGE, 30);
    CHECK(m.data_len == sizeof msg - 1 && memcmp(m.data, msg, m.data_len) == 0, "message differs");

    stop_and_destroy(b, &rb);
    stop_and_destroy(a, &ra);
    rec_free(&ra);
    rec_free(&rb);
    printf("host_grown: OK\n");
    return 0;
}
