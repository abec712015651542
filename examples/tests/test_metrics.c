/*
 * Metrics: two nodes exchange gossip; the receiver's
 * libp2pc_node_metrics_text reports libp2p_peers 1 and as many received
 * messages as libp2pc_node_counters says, in the Prometheus text format.
 * libp2pc_node_metrics_serve binds a port-0 endpoint whose /metrics (read
 * here with a plain socket) carries the same numbers; a host name, a second
 * endpoint and NULL arguments get their specific errors.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "testutil.h"

static int pred_message(const rec_event *e, const void *arg) {
    (void)arg;
    return e->type == LIBP2PC_EVENT_MESSAGE;
}

static int pred_joined(const rec_event *e, const void *arg) {
    return e->type == LIBP2PC_EVENT_TOPIC_PEER_JOINED && e->peer_id && strcmp(e->peer_id, (const char *)arg) == 0;
}

/* sample_value finds the line "name value" (a metric without labels) and
 * parses its value; -1 if absent. */
static double sample_value(const char *text, const char *name) {
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, n) == 0 && p[n] == ' ') return strtod(p + n + 1, NULL);
    }
    return -1;
}

/* http_get reads http://addr/metrics (addr "127.0.0.1:PORT") into a malloc'd
 * NUL-terminated buffer. */
static char *http_get(const char *addr) {
    char host[64];
    snprintf(host, sizeof host, "%s", addr);
    char *colon = strrchr(host, ':');
    CHECK(colon != NULL, "bound address %s", addr);
    *colon = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    CHECK(inet_pton(AF_INET, host, &sa.sin_addr) == 1, "address %s", host);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0, "socket");
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect %s: %s", addr, strerror(errno));
    const char req[] = "GET /metrics HTTP/1.0\r\nAccept: text/plain\r\n\r\n";
    CHECK(write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1), "write");
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    CHECK(buf != NULL, "malloc");
    for (;;) {
        if (len + 4096 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            CHECK(buf != NULL, "realloc");
        }
        ssize_t k = read(fd, buf + len, cap - len - 1);
        CHECK(k >= 0, "read: %s", strerror(errno));
        if (k == 0) break;
        len += (size_t)k;
    }
    close(fd);
    buf[len] = 0;
    CHECK(strncmp(buf, "HTTP/1.0 200", 12) == 0 || strncmp(buf, "HTTP/1.1 200", 12) == 0, "response: %.80s", buf);
    char *body = strstr(buf, "\r\n\r\n");
    CHECK(body != NULL, "no body");
    memmove(buf, body + 4, strlen(body + 4) + 1);
    return buf;
}

int main(void) {
    watchdog_start(120);
    init_lib();
    recorder ra, rb;
    rec_init(&ra);
    rec_init(&rb);
    libp2pc_node a = start_node(&ra, NULL, 0);
    libp2pc_node b = start_node(&rb, NULL, 0);
    char id_b[128], addr_b[512];
    CHECK_OK(libp2pc_node_peer_id(b, id_b, sizeof id_b));
    dial_addr(&rb, "/tcp/", addr_b, sizeof addr_b);

    /* Before any peer. */
    char *text = NULL;
    size_t len = 0;
    CHECK_OK(libp2pc_node_metrics_text(b, &text, &len));
    CHECK(text != NULL && len == strlen(text), "text %p len %zu", (void *)text, len);
    CHECK(sample_value(text, "libp2p_peers") == 0, "libp2p_peers before dialling:\n%s", text);
    CHECK(strstr(text, "# TYPE libp2pc_gossip_messages_received_total counter\n") != NULL, "no TYPE line:\n%s", text);
    libp2pc_free(text);

    uint64_t req;
    const char *topic = "metrics-test";
    CHECK_OK(libp2pc_node_dial(a, addr_b, &req));
    rec_wait_ok(&ra, req, "dial");
    CHECK_OK(libp2pc_node_subscribe(a, topic, &req));
    rec_wait_ok(&ra, req, "subscribe a");
    CHECK_OK(libp2pc_node_subscribe(b, topic, &req));
    rec_wait_ok(&rb, req, "subscribe b");
    CHECK(rec_wait(&ra, pred_joined, id_b, 30) >= 0, "b never joined the topic");
    enum { N = 5 };
    for (int i = 0; i < N; i++) {
        char msg[32];
        int k = snprintf(msg, sizeof msg, "metrics message %d", i);
        CHECK_OK(libp2pc_node_publish(a, topic, (const uint8_t *)msg, (size_t)k, &req));
        rec_wait_ok(&ra, req, "publish");
    }
    double deadline = now_s() + 30 * time_scale();
    while (rec_count_type(&rb, LIBP2PC_EVENT_MESSAGE) < N) {
        CHECK(now_s() < deadline, "b received %zu of %d messages", rec_count_type(&rb, LIBP2PC_EVENT_MESSAGE), N);
        (void)rec_wait(&rb, pred_message, NULL, 0.1);
        usleep(20000);
    }

    libp2pc_counters c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    CHECK_OK(libp2pc_node_counters(b, &c));
    CHECK(c.messages_received == N && c.connected_peers == 1, "counters: received %llu peers %llu",
          (unsigned long long)c.messages_received, (unsigned long long)c.connected_peers);
    CHECK_OK(libp2pc_node_metrics_text(b, &text, &len));
    CHECK(sample_value(text, "libp2p_peers") == 1, "libp2p_peers:\n%s", text);
    CHECK(sample_value(text, "libp2pc_gossip_messages_received_total") == (double)c.messages_received,
          "messages received %g, counters %llu", sample_value(text, "libp2pc_gossip_messages_received_total"),
          (unsigned long long)c.messages_received);
    CHECK(strstr(text, "libp2pc_event_queue_capacity{class=\"gossip\"} ") != NULL, "no queue capacity:\n%s", text);
    libp2pc_free(text);

    /* The HTTP endpoint. */
    char bound[64];
    CHECK_OK(libp2pc_node_metrics_serve(b, "127.0.0.1:0", bound, sizeof bound));
    CHECK(strncmp(bound, "127.0.0.1:", 10) == 0 && atoi(bound + 10) > 0, "bound %s", bound);
    char *body = http_get(bound);
    CHECK(sample_value(body, "libp2p_peers") == 1, "scraped libp2p_peers:\n%s", body);
    CHECK(sample_value(body, "libp2pc_gossip_messages_received_total") == N, "scraped messages:\n%s", body);
    free(body);
    CHECK_RC(libp2pc_node_metrics_serve(b, "127.0.0.1:0", NULL, 0), LIBP2PC_ERR_BAD_STATE);
    CHECK_RC(libp2pc_node_metrics_serve(a, "localhost:9100", NULL, 0), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_metrics_serve(a, bound, NULL, 0), LIBP2PC_ERR_NETWORK); /* b holds the port */
    char tiny[4];
    CHECK_RC(libp2pc_node_metrics_serve(a, "127.0.0.1:0", tiny, sizeof tiny), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_metrics_serve(a, NULL, NULL, 0), LIBP2PC_ERR_INVALID_ARGUMENT);
    CHECK_RC(libp2pc_node_metrics_text(a, NULL, &len), LIBP2PC_ERR_INVALID_ARGUMENT);

    stop_and_destroy(a, &ra);
    stop_and_destroy(b, &rb);
    /* destroy closed b's endpoint: the port is free again */
    CHECK_RC(libp2pc_node_metrics_text(b, &text, &len), LIBP2PC_ERR_BAD_HANDLE);
    rec_free(&ra);
    rec_free(&rb);
    printf("test_metrics: ok\n");
    return 0;
}
