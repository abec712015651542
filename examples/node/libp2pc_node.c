/*
 * libp2pc-node: a reference host program over the public C API only.
 *
 *   libp2pc-node [--listen MULTIADDR]... [--key FILE] [--peer MULTIADDR]...
 *                [--subscribe TOPIC]... [--publish TOPIC=FILE]... [--publish-on-signal]
 *                [--exit-after-s N]
 *
 * Prints one JSON object per line on stdout for every event ("event" and
 * "seq" fields). Each --publish file is published once, when the first peer
 * joins its topic (which must also be given with --subscribe), or, with
 * --publish-on-signal, when the process receives SIGUSR1. SIGINT,
 * SIGTERM or --exit-after-s stop the node cleanly; the last line is the
 * "stopped" event with delivered and dropped counts. Errors go to stderr
 * with exit status 1.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libp2pc.h"

#define MAX_ITEMS 32

struct publish_item {
    char *topic;
    uint8_t *data;
    size_t len;
    int done;
};

static struct {
    libp2pc_node node;
    struct publish_item pubs[MAX_ITEMS];
    int npubs;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopped;
    int publish_on_signal;
} app = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void die(const char *what) {
    fprintf(stderr, "libp2pc-node: %s: %s\n", what, libp2pc_last_error());
    exit(1);
}

static void usage(void) {
    fprintf(stderr,
            "usage: libp2pc-node [--listen MULTIADDR]... [--key FILE] [--peer MULTIADDR]...\n"
            "                    [--subscribe TOPIC]... [--publish TOPIC=FILE]... [--publish-on-signal]\n"
            "                    [--exit-after-s N]\n");
    exit(1);
}

/* Writes s as a JSON string. */
static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void json_field(FILE *f, const char *key, const char *val) {
    fprintf(f, ",\"%s\":", key);
    json_str(f, val);
}

/* Publishes the files for topic (all topics when NULL) not yet published.
 * Called from the delivery thread and from main: app.mu serialises it. */
static void publish_pending(const char *topic) {
    pthread_mutex_lock(&app.mu);
    for (int i = 0; i < app.npubs; i++) {
        struct publish_item *p = &app.pubs[i];
        if (p->done || (topic && strcmp(p->topic, topic) != 0)) continue;
        uint64_t req;
        if (libp2pc_node_publish(app.node, p->topic, p->data, p->len, &req) != LIBP2PC_OK) {
            fprintf(stderr, "libp2pc-node: publish %s: %s\n", p->topic, libp2pc_last_error());
            continue;
        }
        p->done = 1;
        printf("{\"event\":\"publishing\",\"topic\":");
        json_str(stdout, p->topic);
        printf(",\"size\":%zu,\"request_id\":%llu}\n", p->len, (unsigned long long)req);
        fflush(stdout);
    }
    pthread_mutex_unlock(&app.mu);
}

/* Runs on the node's delivery thread. */
static void on_event(const libp2pc_event *ev, void *user_data) {
    (void)user_data;
    FILE *f = stdout;
    fprintf(f, "{\"event\":\"%s\",\"seq\":%llu", libp2pc_event_type_name(ev->type), (unsigned long long)ev->seq);
    switch (ev->type) {
    case LIBP2PC_EVENT_LISTENING:
        json_field(f, "peer_id", ev->peer_id);
        fprintf(f, ",\"addrs\":[");
        for (size_t i = 0; i < ev->addrs_len; i++) {
            if (i) fputc(',', f);
            json_str(f, ev->addrs[i]);
        }
        fputc(']', f);
        break;
    case LIBP2PC_EVENT_PEER_CONNECTED:
        json_field(f, "peer_id", ev->peer_id);
        json_field(f, "direction", ev->direction);
        json_field(f, "addr", ev->addr);
        break;
    case LIBP2PC_EVENT_PEER_DISCONNECTED:
        json_field(f, "peer_id", ev->peer_id);
        json_field(f, "reason", ev->text);
        break;
    case LIBP2PC_EVENT_MESSAGE:
        json_field(f, "topic", ev->topic);
        json_field(f, "from", ev->peer_id);
        fprintf(f, ",\"msg_id\":\"");
        for (size_t i = 0; i < ev->msg_id_len; i++) fprintf(f, "%02x", ev->msg_id[i]);
        fprintf(f, "\",\"size\":%zu", ev->data_len);
        break;
    case LIBP2PC_EVENT_TOPIC_PEER_JOINED:
    case LIBP2PC_EVENT_TOPIC_PEER_LEFT:
        json_field(f, "topic", ev->topic);
        json_field(f, "peer_id", ev->peer_id);
        break;
    case LIBP2PC_EVENT_REQUEST_DONE:
        fprintf(f, ",\"request_id\":%llu,\"status\":%d", (unsigned long long)ev->request_id, ev->status);
        if (ev->status != 0) json_field(f, "error", ev->text);
        break;
    case LIBP2PC_EVENT_ERROR:
        fprintf(f, ",\"status\":%d", ev->status);
        json_field(f, "error", ev->text);
        break;
    case LIBP2PC_EVENT_DROPS:
        fprintf(f, ",\"dropped_gossip\":%llu,\"dropped_errors\":%llu", (unsigned long long)ev->dropped_gossip,
                (unsigned long long)ev->dropped_errors);
        break;
    case LIBP2PC_EVENT_STOPPED: {
        libp2pc_counters c = {.struct_size = sizeof c};
        if (libp2pc_node_counters(app.node, &c) == LIBP2PC_OK) {
            fprintf(f, ",\"delivered\":%llu,\"dropped_gossip\":%llu,\"dropped_errors\":%llu,\"messages_received\":%llu",
                    (unsigned long long)c.events_delivered, (unsigned long long)c.dropped_gossip,
                    (unsigned long long)c.dropped_errors, (unsigned long long)c.messages_received);
        }
        break;
    }
    }
    fprintf(f, "}\n");
    fflush(f);
    if (ev->type == LIBP2PC_EVENT_TOPIC_PEER_JOINED && !app.publish_on_signal) publish_pending(ev->topic);
    if (ev->type == LIBP2PC_EVENT_STOPPED) {
        pthread_mutex_lock(&app.mu);
        app.stopped = 1;
        pthread_cond_signal(&app.cv);
        pthread_mutex_unlock(&app.mu);
    }
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "libp2pc-node: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv) {
    const char *listen[MAX_ITEMS], *peers[MAX_ITEMS], *topics[MAX_ITEMS];
    int nlisten = 0, npeers = 0, ntopics = 0;
    const char *key = NULL;
    long exit_after = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--publish-on-signal") == 0) {
            app.publish_on_signal = 1;
            continue;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) usage();
        if (strcmp(a, "--listen") == 0 && nlisten < MAX_ITEMS) listen[nlisten++] = v;
        else if (strcmp(a, "--peer") == 0 && npeers < MAX_ITEMS) peers[npeers++] = v;
        else if (strcmp(a, "--subscribe") == 0 && ntopics < MAX_ITEMS) topics[ntopics++] = v;
        else if (strcmp(a, "--key") == 0) key = v;
        else if (strcmp(a, "--exit-after-s") == 0) exit_after = strtol(v, NULL, 10);
        else if (strcmp(a, "--publish") == 0 && app.npubs < MAX_ITEMS) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) usage();
            struct publish_item *p = &app.pubs[app.npubs++];
            p->topic = strndup(v, (size_t)(eq - v));
            p->data = read_file(eq + 1, &p->len);
        } else usage();
        i++;
    }

    /* Signals are taken by sigwait on the main thread only. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    if (libp2pc_init(LIBP2PC_ABI_VERSION) != LIBP2PC_OK) die("init");
    libp2pc_config cfg;
    libp2pc_config_init(&cfg);
    cfg.listen_addrs = listen;
    cfg.listen_addrs_len = (size_t)nlisten;
    cfg.identity_key_path = key;
    cfg.on_event = on_event;
    if (libp2pc_node_new(&cfg, &app.node) != LIBP2PC_OK) die("create node");
    uint64_t req;
    if (libp2pc_node_start(app.node, &req) != LIBP2PC_OK) die("start");
    /* Calls are accepted once the node runs; retry while it starts. */
    for (int i = 0; i < ntopics; i++) {
        int rc;
        while ((rc = libp2pc_node_subscribe(app.node, topics[i], &req)) == LIBP2PC_ERR_BAD_STATE) {
            pthread_mutex_lock(&app.mu);
            int stopped = app.stopped;
            pthread_mutex_unlock(&app.mu);
            if (stopped) break; /* start failed; the events said why */
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        }
        if (rc != LIBP2PC_OK && rc != LIBP2PC_ERR_BAD_STATE) die("subscribe");
    }
    for (int i = 0; i < npeers; i++)
        if (libp2pc_node_dial(app.node, peers[i], &req) != LIBP2PC_OK && !app.stopped) die("dial");

    /* Wait for a signal or the deadline. */
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += exit_after >= 0 ? exit_after : 100L * 365 * 86400;
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        if (now.tv_sec >= deadline.tv_sec) break;
        struct timespec step = {1, 0};
        if (deadline.tv_sec - now.tv_sec < 1) step.tv_sec = 0, step.tv_nsec = 200000000;
        int sig = sigtimedwait(&sigs, NULL, &step);
        if (sig == SIGUSR1) {
            publish_pending(NULL);
            continue;
        }
        if (sig > 0) break;
        pthread_mutex_lock(&app.mu);
        int stopped = app.stopped;
        pthread_mutex_unlock(&app.mu);
        if (stopped) break;
    }
    int failed_start = 0;
    if (libp2pc_node_stop(app.node, &req) != LIBP2PC_OK) failed_start = 1; /* already stopped: start failed */
    pthread_mutex_lock(&app.mu);
    while (!app.stopped) pthread_cond_wait(&app.cv, &app.mu);
    pthread_mutex_unlock(&app.mu);
    if (libp2pc_node_destroy(app.node) != LIBP2PC_OK) die("destroy");
    for (int i = 0; i < app.npubs; i++) {
        free(app.pubs[i].topic);
        free(app.pubs[i].data);
    }
    if (failed_start) {
        fprintf(stderr, "libp2pc-node: the node stopped on its own (see the events above)\n");
        return 1;
    }
    return 0;
}
