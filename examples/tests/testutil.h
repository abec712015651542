/*
 * Helpers shared by the C tests: a watchdog that turns a deadlock into a
 * failure, an event recorder usable as a libp2pc callback (it copies every
 * event, since event data is only borrowed), and wait/check helpers.
 *
 * Header-only (static functions): each test is one .c file.
 */
#ifndef LIBP2PC_TESTUTIL_H
#define LIBP2PC_TESTUTIL_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libp2pc.h"

#define FAIL(...)                                                        \
    do {                                                                 \
        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);             \
        fprintf(stderr, __VA_ARGS__);                                    \
        fprintf(stderr, "\n");                                           \
        exit(1);                                                         \
    } while (0)

#define CHECK(cond, ...)                                                 \
    do {                                                                 \
        if (!(cond)) FAIL(__VA_ARGS__);                                  \
    } while (0)

/* CHECK_RC: the call must return want; prints libp2pc_last_error otherwise. */
#define CHECK_RC(call, want)                                             \
    do {                                                                 \
        int rc_ = (call);                                                \
        if (rc_ != (want))                                               \
            FAIL("%s returned %d (%s), want %d; last error: %s", #call,  \
                 rc_, libp2pc_strerror(rc_), (want), libp2pc_last_error()); \
    } while (0)

#define CHECK_OK(call) CHECK_RC(call, LIBP2PC_OK)

/* LIBP2PC_TEST_TIME_SCALE (e.g. 10 under valgrind) stretches every wait and
 * the watchdog alike: slower, never different. */
static inline double time_scale(void) {
    const char *scale = getenv("LIBP2PC_TEST_TIME_SCALE");
    return (scale != NULL && atoi(scale) > 1) ? (double)atoi(scale) : 1.0;
}

/* Watchdog: if the test has not finished after `seconds`, it is deadlocked
 * (or hopelessly stuck): say so and exit non-zero. */
static inline void watchdog_fire(int sig) {
    (void)sig;
    static const char msg[] = "FAIL: watchdog fired: the test is deadlocked or stuck\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(3);
}

static inline void watchdog_start(unsigned seconds) {
    seconds = (unsigned)(seconds * time_scale());
    signal(SIGALRM, watchdog_fire);
    alarm(seconds);
}

static inline double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline char *dupstr(const char *s) { return s ? strdup(s) : NULL; }

/* A copied event. */
typedef struct rec_event {
    uint32_t type;
    int32_t status;
    uint64_t seq, request_id;
    char *peer_id, *topic, *text, *direction;
    uint8_t *data;
    size_t data_len, msg_id_len;
    char **addrs;
    size_t addrs_len;
    uint64_t dropped_gossip, dropped_errors;
    pthread_t thread;
} rec_event;

typedef struct recorder {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rec_event *ev;
    size_t n, cap;
    /* gate: while closed, the callback blocks (simulates a stuck host). */
    int gate_closed;
    int in_callback; /* the callback is currently blocked on the gate */
    pthread_cond_t gate_cv;
    /* optional hook run inside the callback, after recording */
    void (*hook)(struct recorder *, const libp2pc_event *);
    void *hook_arg;
} recorder;

static inline void rec_init(recorder *r) {
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_cond_init(&r->gate_cv, NULL);
}

static inline void rec_free(recorder *r) {
    for (size_t i = 0; i < r->n; i++) {
        rec_event *e = &r->ev[i];
        free(e->peer_id);
        free(e->topic);
        free(e->text);
        free(e->direction);
        free(e->data);
        for (size_t j = 0; j < e->addrs_len; j++) free(e->addrs[j]);
        free(e->addrs);
    }
    free(r->ev);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    pthread_cond_destroy(&r->gate_cv);
}

static inline void rec_close_gate(recorder *r) {
    pthread_mutex_lock(&r->mu);
    r->gate_closed = 1;
    pthread_mutex_unlock(&r->mu);
}

static inline void rec_open_gate(recorder *r) {
    pthread_mutex_lock(&r->mu);
    r->gate_closed = 0;
    pthread_cond_broadcast(&r->gate_cv);
    pthread_mutex_unlock(&r->mu);
}

/* The libp2pc callback: copy the event, then maybe block on the gate. */
static inline void rec_cb(const libp2pc_event *ev, void *user_data) {
    recorder *r = user_data;
    rec_event c;
    memset(&c, 0, sizeof c);
    c.type = ev->type;
    c.status = ev->status;
    c.seq = ev->seq;
    c.request_id = ev->request_id;
    c.peer_id = dupstr(ev->peer_id);
    c.topic = dupstr(ev->topic);
    c.text = dupstr(ev->text);
    c.direction = dupstr(ev->direction);
    c.data_len = ev->data_len;
    c.msg_id_len = ev->msg_id_len;
    if (ev->data_len > 0) {
        c.data = malloc(ev->data_len + 1);
        memcpy(c.data, ev->data, ev->data_len);
        c.data[ev->data_len] = 0;
    }
    if (ev->addrs_len > 0) {
        c.addrs = calloc(ev->addrs_len, sizeof(char *));
        c.addrs_len = ev->addrs_len;
        for (size_t i = 0; i < ev->addrs_len; i++) c.addrs[i] = strdup(ev->addrs[i]);
    }
    c.dropped_gossip = ev->dropped_gossip;
    c.dropped_errors = ev->dropped_errors;
    c.thread = pthread_self();

    pthread_mutex_lock(&r->mu);
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->ev = realloc(r->ev, r->cap * sizeof *r->ev);
    }
    r->ev[r->n++] = c;
    pthread_cond_broadcast(&r->cv);
    while (r->gate_closed) {
        r->in_callback = 1;
        pthread_cond_broadcast(&r->cv);
        pthread_cond_wait(&r->gate_cv, &r->mu);
    }
    r->in_callback = 0;
    void (*hook)(recorder *, const libp2pc_event *) = r->hook;
    pthread_mutex_unlock(&r->mu);
    if (hook) hook(r, ev);
}

typedef int (*rec_pred)(const rec_event *e, const void *arg);

/* Waits until an event matches; returns its index, or -1 after timeout_s. */
static inline long rec_wait(recorder *r, rec_pred pred, const void *arg, double timeout_s) {
    double deadline = now_s() + timeout_s * time_scale();
    size_t from = 0;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        for (size_t i = from; i < r->n; i++) {
            if (pred(&r->ev[i], arg)) {
                pthread_mutex_unlock(&r->mu);
                return (long)i;
            }
        }
        from = 0; /* rescan everything: predicates may depend on order */
        if (now_s() > deadline) {
            pthread_mutex_unlock(&r->mu);
            return -1;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
    }
}

static inline int pred_type(const rec_event *e, const void *arg) { return e->type == *(const uint32_t *)arg; }
static inline int pred_request(const rec_event *e, const void *arg) {
    return e->type == LIBP2PC_EVENT_REQUEST_DONE && e->request_id == *(const uint64_t *)arg;
}

/* Copy of event i (pointers stay owned by the recorder). */
static inline rec_event rec_get(recorder *r, long i) {
    pthread_mutex_lock(&r->mu);
    rec_event e = r->ev[i];
    pthread_mutex_unlock(&r->mu);
    return e;
}

static inline size_t rec_count_type(recorder *r, uint32_t type) {
    size_t k = 0;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n; i++) k += r->ev[i].type == type;
    pthread_mutex_unlock(&r->mu);
    return k;
}

static inline rec_event rec_wait_type(recorder *r, uint32_t type, double timeout_s) {
    long i = rec_wait(r, pred_type, &type, timeout_s);
    if (i < 0) FAIL("no %s event within %.0f s", libp2pc_event_type_name(type), timeout_s);
    return rec_get(r, i);
}

/* Waits for a request's completion and requires success. */
static inline void rec_wait_ok(recorder *r, uint64_t req, const char *what) {
    long i = rec_wait(r, pred_request, &req, 60);
    if (i < 0) FAIL("%s (request %llu) never completed", what, (unsigned long long)req);
    rec_event e = rec_get(r, i);
    if (e.status != 0) FAIL("%s failed: %d %s", what, e.status, e.text ? e.text : "");
}

static inline int rec_request_status(recorder *r, uint64_t req) {
    long i = rec_wait(r, pred_request, &req, 60);
    if (i < 0) FAIL("request %llu never completed", (unsigned long long)req);
    return rec_get(r, i).status;
}

/* Standard node: callback mode into rec, listening on loopback TCP (and
 * QUIC when quic != 0). Waits until it listens. */
static inline libp2pc_node start_node(recorder *rec, const char *key_path, int quic) {
    const char *addrs[] = {"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"};
    libp2pc_config cfg;
    CHECK_OK(libp2pc_config_init(&cfg));
    cfg.listen_addrs = addrs;
    cfg.listen_addrs_len = quic ? 2 : 1;
    cfg.identity_key_path = key_path;
    cfg.stop_grace_ms = 2000;
    cfg.on_event = rec_cb;
    cfg.user_data = rec;
    libp2pc_node n = 0;
    CHECK_OK(libp2pc_node_new(&cfg, &n));
    uint64_t req;
    CHECK_OK(libp2pc_node_start(n, &req));
    rec_wait_ok(rec, req, "start");
    return n;
}

/* A dialable address (listen addr + /p2p/id) containing proto. */
static inline void dial_addr(recorder *rec, const char *proto, char *out, size_t out_len) {
    rec_event l = rec_wait_type(rec, LIBP2PC_EVENT_LISTENING, 30);
    for (size_t i = 0; i < l.addrs_len; i++) {
        if (strstr(l.addrs[i], proto)) {
            snprintf(out, out_len, "%s/p2p/%s", l.addrs[i], l.peer_id);
            return;
        }
    }
    FAIL("no %s listen address", proto);
}

/* Stops (if running) and destroys a node, then waits for STOPPED. */
static inline void stop_and_destroy(libp2pc_node n, recorder *rec) {
    uint64_t req;
    if (libp2pc_node_stop(n, &req) == LIBP2PC_OK) rec_wait_ok(rec, req, "stop");
    CHECK_OK(libp2pc_node_destroy(n));
    rec_wait_type(rec, LIBP2PC_EVENT_STOPPED, 60);
}

static inline void init_lib(void) { CHECK_OK(libp2pc_init(LIBP2PC_ABI_VERSION)); }

#endif
