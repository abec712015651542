/*
 * Discovery and peer management through the C API: four eth2 nodes in one
 * process. Node 0 starts with no bootnode; nodes 1..3 know only node 0's
 * ENR (read with libp2pc_node_enr, also the last element of LISTENING's
 * addrs). They find each other through discv5 and reach their target (2
 * peers each) with no dial from the host. Then: node 0's ENR update bumps
 * the sequence number; its peer table shows direction, agent, Status and
 * ENR of each peer; node 0 bans node 1 (PEER_BANNED, goodbye 251,
 * PEER_DISCONNECTED with the reason), the table lists the ban, and node 1
 * is not reconnected while the ban lasts.
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

#define NODES 4
#define TARGET 2
#define BAN_SECONDS 3

static libp2pc_node new_node(recorder *rec, uint64_t genesis, const char *bootnode) {
    const char *addrs[] = {"/ip4/127.0.0.1/tcp/0"};
    libp2pc_config cfg;
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.listen_addrs = addrs;
    cfg.listen_addrs_len = 1;
    cfg.stop_grace_ms = 2000;
    cfg.max_peers = 8;
    cfg.on_event = rec_cb;
    cfg.user_data = rec;
    libp2pc_node n = 0;
    CHECK_OK(libp2pc_node_new(&cfg, &n));

    libp2pc_discovery_config dc;
    CHECK_OK(libp2pc_discovery_config_init(&dc));
    dc.listen_udp = "127.0.0.1:0";
    dc.target_peers = TARGET;
    dc.max_peers = NODES - 1;
    dc.prune_above = NODES - 1;
    dc.ban_seconds = BAN_SECONDS;
    dc.tick_ms = 500;
    dc.attnets[0] = 0x01;
    if (bootnode != NULL) {
        dc.bootnodes = &bootnode;
        dc.bootnodes_len = 1;
    }
    /* Discovery needs the fork schedule: eth2 first. */
    CHECK_RC(libp2pc_node_discovery_configure(n, &dc), LIBP2PC_ERR_BAD_STATE);

    libp2pc_eth2_config ec;
    CHECK_OK(libp2pc_eth2_config_init(&ec));
    ec.genesis_time = genesis;
    for (int i = 0; i < 32; i++) ec.genesis_validators_root[i] = (uint8_t)i;
    ec.config_yaml = config_yaml;
    ec.config_yaml_len = sizeof config_yaml - 1;
    CHECK_OK(libp2pc_node_eth2_configure(n, &ec));

    libp2pc_discovery_config small = dc;
    small.struct_size = 8;
    CHECK_RC(libp2pc_node_discovery_configure(n, &small), LIBP2PC_ERR_INVALID_ARGUMENT);
    const char *bad = "enr:not-a-record";
    libp2pc_discovery_config badboot = dc;
    badboot.bootnodes = &bad;
    badboot.bootnodes_len = 1;
    CHECK_RC(libp2pc_node_discovery_configure(n, &badboot), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_OK(libp2pc_node_discovery_configure(n, &dc));
    char enr[512];
    CHECK_RC(libp2pc_node_enr(n, enr, sizeof enr), LIBP2PC_ERR_BAD_STATE); /* not started */

    libp2pc_eth2_status st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    CHECK_OK(libp2pc_node_fork_digest(n, st.fork_digest));
    CHECK_OK(libp2pc_node_set_status(n, &st));

    uint64_t req;
    CHECK_OK(libp2pc_node_start(n, &req));
    rec_wait_ok(rec, req, "start");
    return n;
}

static size_t connected_peers(libp2pc_node n) {
    libp2pc_peer *peers = NULL;
    size_t count = 0;
    CHECK_OK(libp2pc_node_peers(n, &peers, &count));
    libp2pc_peers_free(peers);
    return count;
}

typedef struct peer_event {
    uint32_t type;
    const char *peer;
    uint64_t after_seq;
} peer_event;

static int pred_peer_event(const rec_event *e, const void *arg) {
    const peer_event *p = arg;
    return e->type == p->type && e->seq > p->after_seq && e->peer_id != NULL && strcmp(e->peer_id, p->peer) == 0;
}

int main(void) {
    watchdog_start(150);
    init_lib();
    uint64_t genesis = (uint64_t)time(NULL);
    recorder rec[NODES];
    libp2pc_node n[NODES];
    char ids[NODES][128];
    char enr0[512];

    rec_init(&rec[0]);
    n[0] = new_node(&rec[0], genesis, NULL);
    CHECK_OK(libp2pc_node_enr(n[0], enr0, sizeof enr0));
    CHECK(strncmp(enr0, "enr:", 4) == 0, "enr %s", enr0);
    char tiny[8];
    CHECK_RC(libp2pc_node_enr(n[0], tiny, sizeof tiny), LIBP2PC_ERR_INVALID_ARGUMENT);
    rec_event lis = rec_wait_type(&rec[0], LIBP2PC_EVENT_LISTENING, 10);
    CHECK(lis.addrs_len >= 2 && strcmp(lis.addrs[lis.addrs_len - 1], enr0) == 0, "LISTENING's last addr is not the ENR");
    for (int i = 1; i < NODES; i++) {
        rec_init(&rec[i]);
        n[i] = new_node(&rec[i], genesis, enr0);
    }
    for (int i = 0; i < NODES; i++) CHECK_OK(libp2pc_node_peer_id(n[i], ids[i], sizeof ids[i]));

    /* Convergence: every node reaches its target through discovery. */
    double t0 = now_s(), deadline = t0 + 60 * time_scale();
    for (;;) {
        int ok = 1;
        for (int i = 0; i < NODES; i++) ok &= connected_peers(n[i]) >= TARGET;
        if (ok) break;
        CHECK(now_s() < deadline, "no convergence: peers %zu %zu %zu %zu", connected_peers(n[0]),
              connected_peers(n[1]), connected_peers(n[2]), connected_peers(n[3]));
        usleep(100000);
    }
    printf("converged in %.1f s: peers %zu %zu %zu %zu\n", now_s() - t0, connected_peers(n[0]), connected_peers(n[1]),
           connected_peers(n[2]), connected_peers(n[3]));

    /* ENR update: one sequence step; no-op updates change nothing. */
    libp2pc_discovery_counters dcnt;
    memset(&dcnt, 0, sizeof dcnt);
    dcnt.struct_size = sizeof dcnt;
    CHECK_OK(libp2pc_node_discovery_counters(n[0], &dcnt));
    uint8_t att[8] = {0x03, 0, 0, 0, 0, 0, 0, 0x80};
    uint64_t seq = 0, seq2 = 0;
    CHECK_OK(libp2pc_node_update_enr(n[0], att, 0x01, 0, &seq));
    CHECK(seq == dcnt.enr_seq + 1, "seq %llu after %llu", (unsigned long long)seq, (unsigned long long)dcnt.enr_seq);
    CHECK_OK(libp2pc_node_update_enr(n[0], NULL, 0xff, 0, &seq2));
    CHECK(seq2 == seq, "no-op update moved seq");
    CHECK_RC(libp2pc_node_update_enr(n[0], NULL, 0x10, 0, NULL), LIBP2PC_ERR_INVALID_ARGUMENT);

    /* The peer table: direction, agent, Status (our digest). */
    uint8_t digest[4];
    CHECK_OK(libp2pc_node_fork_digest(n[0], digest));
    libp2pc_peer_info *tab = NULL;
    size_t rows = 0;
    deadline = now_s() + 20 * time_scale();
    for (;;) {
        CHECK_OK(libp2pc_node_peer_table(n[0], &tab, &rows));
        int ok = rows >= TARGET;
        for (size_t i = 0; ok && i < rows; i++) {
            libp2pc_peer_info *p = &tab[i];
            ok = (p->flags & LIBP2PC_PEER_CONNECTED) && (p->flags & LIBP2PC_PEER_HAS_STATUS) &&
                 memcmp(p->fork_digest, digest, 4) == 0 && strcmp(p->agent, "libp2pc/0.1") == 0 &&
                 (strcmp(p->direction, "inbound") == 0 || strcmp(p->direction, "outbound") == 0) &&
                 p->connected_since_ms > 0 && p->banned_until_ms == 0 && p->ban_reason[0] == 0;
        }
        if (ok) break;
        libp2pc_peer_table_free(tab);
        CHECK(now_s() < deadline, "peer table incomplete (%zu rows)", rows);
        usleep(100000);
    }
    for (size_t i = 0; i < rows; i++) {
        libp2pc_peer_info *p = &tab[i];
        printf("  %s %s agent=%s score=%.1f enr=%d seq=%llu attnets[0]=%02x\n", p->peer_id, p->direction, p->agent,
               p->score, (p->flags & LIBP2PC_PEER_HAS_ENR) != 0, (unsigned long long)p->enr_seq, p->attnets[0]);
        if (p->flags & LIBP2PC_PEER_HAS_ENR) CHECK(p->attnets[0] == 0x01, "peer's ENR attnets %02x", p->attnets[0]);
    }
    libp2pc_peer_table_free(tab);
    libp2pc_peer_table_free(NULL);

    /* Ban node 1 from node 0 (connect them first if discovery did not). */
    CHECK_RC(libp2pc_node_ban(n[0], "not-a-peer-id", 0, 0), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_ban(n[0], ids[0], 0, 0), LIBP2PC_ERR_INVALID_ARGUMENT);
    peer_event conn = {LIBP2PC_EVENT_PEER_CONNECTED, ids[1], 0};
    if (rec_wait(&rec[0], pred_peer_event, &conn, 0) < 0) {
        char addr[512];
        uint64_t req;
        dial_addr(&rec[1], "/tcp/", addr, sizeof addr);
        CHECK_OK(libp2pc_node_dial(n[0], addr, &req));
        rec_wait_ok(&rec[0], req, "dial node 1");
    }
    CHECK_OK(libp2pc_node_ban(n[0], ids[1], BAN_SECONDS, 3));
    peer_event banned = {LIBP2PC_EVENT_PEER_BANNED, ids[1], 0};
    long bi = rec_wait(&rec[0], pred_peer_event, &banned, 20);
    CHECK(bi >= 0, "no PEER_BANNED");
    rec_event be = rec_get(&rec[0], bi);
    double banned_at = now_s();
    CHECK(be.text != NULL && strstr(be.text, "banned") != NULL, "ban text %s", be.text ? be.text : "(null)");
    peer_event gone = {LIBP2PC_EVENT_PEER_DISCONNECTED, ids[1], be.seq};
    long di = rec_wait(&rec[0], pred_peer_event, &gone, 20);
    CHECK(di >= 0, "banned peer not disconnected");
    rec_event de = rec_get(&rec[0], di);
    CHECK(de.text != NULL && strcmp(de.text, "goodbye sent: 251 (banned)") == 0, "disconnect text %s",
          de.text ? de.text : "(null)");
    peer_event bye = {LIBP2PC_EVENT_PEER_GOODBYE, ids[0], 0};
    CHECK(rec_wait(&rec[1], pred_peer_event, &bye, 20) >= 0, "node 1 got no goodbye");

    CHECK_OK(libp2pc_node_peer_table(n[0], &tab, &rows));
    int listed = 0;
    for (size_t i = 0; i < rows; i++) {
        if (strcmp(tab[i].peer_id, ids[1]) == 0) {
            listed = !(tab[i].flags & LIBP2PC_PEER_CONNECTED) && tab[i].banned_until_ms > 0 && tab[i].ban_reason[0] != 0;
        }
    }
    libp2pc_peer_table_free(tab);
    CHECK(listed, "the ban is not in the peer table");

    /* While banned: no reconnection (node 1 may try: it is refused). */
    peer_event again = {LIBP2PC_EVENT_PEER_CONNECTED, ids[1], de.seq};
    long ai = rec_wait(&rec[0], pred_peer_event, &again, BAN_SECONDS - 1);
    CHECK(ai < 0 || now_s() - banned_at >= BAN_SECONDS, "reconnected during the ban");

    memset(&dcnt, 0, sizeof dcnt);
    dcnt.struct_size = sizeof dcnt;
    CHECK_OK(libp2pc_node_discovery_counters(n[0], &dcnt));
    CHECK(dcnt.bans == 1 && dcnt.goodbyes_sent >= 1 && dcnt.discovered >= 1 && dcnt.enr_seq == seq,
          "counters: bans %llu goodbyes %llu discovered %llu", (unsigned long long)dcnt.bans,
          (unsigned long long)dcnt.goodbyes_sent, (unsigned long long)dcnt.discovered);
    printf("discovered %llu, dials %llu, bans %llu, refused while banned %llu\n",
           (unsigned long long)dcnt.discovered, (unsigned long long)dcnt.dials, (unsigned long long)dcnt.bans,
           (unsigned long long)dcnt.refused_banned);

    for (int i = 0; i < NODES; i++) {
        uint64_t req;
        CHECK_OK(libp2pc_node_stop(n[i], &req));
    }
    for (int i = 0; i < NODES; i++) {
        rec_wait_type(&rec[i], LIBP2PC_EVENT_STOPPED, 30);
        CHECK_OK(libp2pc_node_destroy(n[i]));
        rec_free(&rec[i]);
    }
    printf("test_discovery: ok\n");
    return 0;
}
