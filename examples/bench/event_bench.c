/*
 * event_bench: event delivery from a Go publisher to the host, three ways,
 * side by side in one run (`make bench-events`):
 *
 *   C     a node made through the public API in callback mode; its callback
 *         copies each MESSAGE's payload into a bounded lock-free SPSC ring
 *         that a C thread consumes, recording latency. The Go publisher
 *         (libp2pc_bench_inject) queues gossip Message events into the
 *         node's production queue; they reach the callback through the
 *         production delivery thread and ABI marshalling.
 *   Go    the same node, queue and delivery thread with a Go sink doing the
 *         same work (copy into a Go ring read by a goroutine): the limit.
 *   pipe  the same node with a Go sink writing each event as one
 *         length-prefixed frame to a child process (pipe_reader) over its
 *         stdin: the port approach.
 *
 * Throughput runs push COUNT events as fast as the consumer takes them (the
 * publisher pauses while the node's gossip queue holds `window` events, so
 * nothing is dropped; drops would be reported). Their latency is
 * queueing-dominated ("loaded"). Light-load runs send one event per
 * millisecond and give the latency of the path itself ("light").
 *
 * Usage: event_bench --reader PATH [--out FILE] [--small N] [--large N]
 *                    [--reps R] [--light N] [--cmd TEXT] [--go TEXT]
 *                    [--only c|go|pipe]   (one path, throughput runs only, no
 *                                          table: for profiling)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "libp2pc.h"
#include "bench.h"

#define SPIN_BEFORE_SLEEP 200 /* as spinBeforeSleep in libp2pc/internal/eventbench */

static void die(const char *what, int rc) {
    fprintf(stderr, "event_bench: %s failed: %d (%s): %s\n", what, rc, libp2pc_strerror(rc),
            libp2pc_last_error());
    exit(1);
}

static void futex_wait(_Atomic uint32_t *addr, uint32_t val, long timeout_ns) {
    struct timespec ts = {timeout_ns / 1000000000L, timeout_ns % 1000000000L};
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *addr) {
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* ---------------------------------------------------------------------- */
/* The host's ring: callback (producer, on the library's delivery thread)   */
/* -> consumer thread. Bounded, fixed-size slots, lock-free SPSC; a side     */
/* that finds it full/empty spins briefly, then sleeps on a futex that the   */
/* other side wakes only when the sleeper flagged itself.                    */
/* ---------------------------------------------------------------------- */

typedef struct cring {
    _Alignas(64) _Atomic uint64_t head; /* consumer position */
    _Alignas(64) _Atomic uint64_t tail; /* producer position */
    _Alignas(64) _Atomic uint32_t cons_wait;
    _Alignas(64) _Atomic uint32_t prod_wait;
    _Atomic uint64_t dropped;  /* latest DROPS total */
    _Atomic uint64_t others;   /* events other than MESSAGE/DROPS */
    _Alignas(64) uint32_t nslots;
    size_t slot_size;
    uint8_t *slots;
    uint32_t *lens;
    /* consumer's */
    uint64_t count, *lat, received, bytes, seq_errors, next, end_ns;
    int timed_out;
} cring;

static void ring_wake(_Atomic uint32_t *flag) {
    if (atomic_load(flag) && atomic_exchange(flag, 0)) {
        futex_wake(flag);
    }
}

static void ring_push(cring *r, const uint8_t *data, size_t len) {
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    int spins = 0;
    while (t - atomic_load_explicit(&r->head, memory_order_acquire) >= r->nslots) {
        if (++spins < SPIN_BEFORE_SLEEP) {
            cpu_relax();
            continue;
        }
        atomic_store(&r->prod_wait, 1);
        if (t - atomic_load(&r->head) >= r->nslots) {
            futex_wait(&r->prod_wait, 1, 100000000L);
        }
        atomic_store(&r->prod_wait, 0);
        spins = 0;
    }
    uint32_t i = (uint32_t)(t % r->nslots);
    if (len > r->slot_size) {
        len = r->slot_size;
    }
    memcpy(r->slots + (size_t)i * r->slot_size, data, len);
    r->lens[i] = (uint32_t)len;
    atomic_store(&r->tail, t + 1);
    ring_wake(&r->cons_wait);
}

static void on_event(const libp2pc_event *ev, void *user_data) {
    cring *r = user_data;
    switch (ev->type) {
    case LIBP2PC_EVENT_MESSAGE:
        ring_push(r, ev->data, ev->data_len);
        break;
    case LIBP2PC_EVENT_DROPS:
        atomic_store(&r->dropped, ev->dropped_gossip);
        atomic_store(&r->cons_wait, 0);
        futex_wake(&r->cons_wait);
        break;
    default:
        atomic_fetch_add(&r->others, 1);
    }
}

static void *consumer(void *arg) {
    cring *r = arg;
    uint64_t h = atomic_load(&r->head), last_progress = bench_now_ns();
    while (r->received + atomic_load(&r->dropped) < r->count) {
        int spins = 0;
        while (h == atomic_load_explicit(&r->tail, memory_order_acquire)) {
            if (r->received + atomic_load(&r->dropped) >= r->count) {
                goto done;
            }
            if (++spins < SPIN_BEFORE_SLEEP) {
                cpu_relax();
                continue;
            }
            atomic_store(&r->cons_wait, 1);
            if (h == atomic_load(&r->tail)) {
                futex_wait(&r->cons_wait, 1, 100000000L);
            }
            atomic_store(&r->cons_wait, 0);
            spins = 0;
            if (bench_now_ns() - last_progress > 30000000000ull) {
                r->timed_out = 1;
                goto done;
            }
        }
        uint32_t i = (uint32_t)(h % r->nslots);
        const uint8_t *p = r->slots + (size_t)i * r->slot_size;
        uint64_t now = bench_now_ns();
        uint64_t seq = bench_le64(p + 8);
        if (seq != r->next) {
            r->seq_errors++;
            r->next = seq;
        }
        r->next++;
        r->lat[r->received++] = now - bench_le64(p);
        r->bytes += r->lens[i];
        r->end_ns = last_progress = now;
        atomic_store(&r->head, ++h);
        ring_wake(&r->prod_wait);
    }
done:
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Cases                                                                    */
/* ---------------------------------------------------------------------- */

typedef struct size_cfg {
    const char *label;
    uint32_t size, queue_cap, window, ring_slots;
    uint64_t count;
} size_cfg;

enum { PATH_C, PATH_GO, PATH_PIPE, NPATHS };
static const char *path_names[NPATHS] = {"C callback -> C ring", "pure Go sink -> Go ring (limit)",
                                         "pipe, length-prefixed frames (port)"};
static const char *reader_path;

static void run_c(const size_cfg *sc, uint64_t count, uint64_t interval_ns, libp2pc_bench_stats *st) {
    /* The ring struct is never freed: the delivery thread may still be
     * returning from the callback after the consumer has seen the last
     * event. Its slots are (they are not touched after the last push). */
    cring *r = aligned_alloc(64, sizeof *r);
    if (r == NULL) {
        die("malloc", 0);
    }
    memset(r, 0, sizeof *r);
    r->nslots = sc->ring_slots;
    r->slot_size = sc->size;
    r->slots = malloc((size_t)sc->ring_slots * sc->size);
    r->lens = calloc(sc->ring_slots, sizeof *r->lens);
    r->lat = malloc(count * sizeof *r->lat);
    r->count = count;
    if (r->slots == NULL || r->lens == NULL || r->lat == NULL) {
        die("malloc", 0);
    }
    libp2pc_config cfg;
    int rc;
    if ((rc = libp2pc_config_init(&cfg)) != 0) die("libp2pc_config_init", rc);
    cfg.gossip_queue_capacity = sc->queue_cap;
    cfg.on_event = on_event;
    cfg.user_data = r;
    libp2pc_node node;
    if ((rc = libp2pc_node_new(&cfg, &node)) != 0) die("libp2pc_node_new", rc);
    pthread_t th;
    if (pthread_create(&th, NULL, consumer, r) != 0) die("pthread_create", 0);
    uint64_t start = 0;
    if ((rc = libp2pc_bench_inject(node, count, sc->size, interval_ns ? 0 : sc->window, interval_ns,
                                   &start)) != 0)
        die("libp2pc_bench_inject", rc);
    pthread_join(th, NULL);
    if (r->timed_out) {
        fprintf(stderr, "event_bench: C consumer stalled at %llu of %llu events\n",
                (unsigned long long)r->received, (unsigned long long)count);
        exit(1);
    }
    libp2pc_counters c = {.struct_size = sizeof c};
    if ((rc = libp2pc_node_counters(node, &c)) != 0) die("libp2pc_node_counters", rc);
    if ((rc = libp2pc_node_destroy(node)) != 0) die("libp2pc_node_destroy", rc);
    if (atomic_load(&r->others) != 0) {
        fprintf(stderr, "event_bench: %llu unexpected non-message events\n",
                (unsigned long long)atomic_load(&r->others));
    }
    memset(st, 0, sizeof *st);
    st->struct_size = sizeof *st;
    st->sent = count;
    st->received = r->received;
    st->dropped = c.dropped_gossip;
    st->seq_errors = r->seq_errors;
    st->start_ns = start;
    st->end_ns = r->end_ns;
    st->bytes = r->bytes;
    bench_percentiles(r->lat, r->received, st);
    free(r->slots);
    free(r->lens);
    free(r->lat);
}

static void run_path(int path, const size_cfg *sc, uint64_t count, uint64_t interval_ns,
                     libp2pc_bench_stats *st) {
    uint32_t window = interval_ns ? 0 : sc->window;
    int rc = 0;
    memset(st, 0, sizeof *st);
    st->struct_size = sizeof *st;
    switch (path) {
    case PATH_C:
        run_c(sc, count, interval_ns, st);
        break;
    case PATH_GO:
        rc = libp2pc_bench_go(count, sc->size, window, interval_ns, sc->queue_cap, sc->ring_slots, st);
        if (rc != 0) die("libp2pc_bench_go", rc);
        break;
    case PATH_PIPE:
        rc = libp2pc_bench_pipe(reader_path, count, sc->size, window, interval_ns, sc->queue_cap, st);
        if (rc != 0) die("libp2pc_bench_pipe", rc);
        break;
    }
}

static double rate(const libp2pc_bench_stats *st) {
    double secs = (double)(st->end_ns - st->start_ns) / 1e9;
    return secs > 0 ? (double)st->received / secs : 0;
}

static double mbps(const libp2pc_bench_stats *st) {
    double secs = (double)(st->end_ns - st->start_ns) / 1e9;
    return secs > 0 ? (double)st->bytes / secs / 1e6 : 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *fmt_ns(double ns, char *buf, size_t len) {
    if (ns >= 1e6) {
        snprintf(buf, len, "%.2f ms", ns / 1e6);
    } else {
        snprintf(buf, len, "%.1f µs", ns / 1e3);
    }
    return buf;
}

static const char *fmt_rate(double r, char *buf, size_t len) {
    if (r >= 1e6) {
        snprintf(buf, len, "%.2f M", r / 1e6);
    } else {
        snprintf(buf, len, "%.1f k", r / 1e3);
    }
    return buf;
}

#define MAX_REPS 9

typedef struct result {
    double rate, mbps, p50, p99; /* medians of the throughput runs */
    double light_p50, light_p99; /* the light-load run */
    uint64_t drops, seq_errors;
    double runs[MAX_REPS];
} result;

static void cpu_model(char *buf, size_t len) {
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) {
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p) {
                p += 1 + strspn(p + 1, " \t");
                p[strcspn(p, "\n")] = 0;
                snprintf(buf, len, "%s", p);
            }
            break;
        }
    }
    fclose(f);
}

int main(int argc, char **argv) {
    const char *out_path = NULL, *cmd = "make bench-events", *go_version = "";
    uint64_t n_small = 1000000, n_large = 20000, n_light = 1000;
    int reps = 5, only = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL) {
            fprintf(stderr, "event_bench: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--reader") == 0) reader_path = v;
        else if (strcmp(a, "--out") == 0) out_path = v;
        else if (strcmp(a, "--small") == 0) n_small = strtoull(v, NULL, 10);
        else if (strcmp(a, "--large") == 0) n_large = strtoull(v, NULL, 10);
        else if (strcmp(a, "--light") == 0) n_light = strtoull(v, NULL, 10);
        else if (strcmp(a, "--reps") == 0) reps = atoi(v);
        else if (strcmp(a, "--cmd") == 0) cmd = v;
        else if (strcmp(a, "--go") == 0) go_version = v;
        else if (strcmp(a, "--only") == 0) {
            only = strcmp(v, "c") == 0 ? PATH_C : strcmp(v, "go") == 0 ? PATH_GO
                 : strcmp(v, "pipe") == 0 ? PATH_PIPE : -2;
            if (only == -2) {
                fprintf(stderr, "event_bench: --only c|go|pipe\n");
                return 2;
            }
        }
        else {
            fprintf(stderr, "event_bench: unknown option %s\n", a);
            return 2;
        }
        i++;
    }
    if (reader_path == NULL || reps < 1 || reps > MAX_REPS || n_small == 0 || n_large == 0 || n_light == 0) {
        fprintf(stderr, "usage: event_bench --reader PATH [--out FILE] [--small N] [--large N] "
                        "[--reps 1..%d] [--light N] [--cmd TEXT] [--go TEXT]\n", MAX_REPS);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a dead pipe reader must be an error, not a kill */
    int rc = libp2pc_init(LIBP2PC_ABI_VERSION);
    if (rc != 0) die("libp2pc_init", rc);

    size_cfg sizes[2] = {
        {"100 B", 100, 16384, 8192, 8192, n_small},
        {"100 KiB", 100 * 1024, 512, 256, 32, n_large},
    };
    result res[2][NPATHS];
    memset(res, 0, sizeof res);
    for (int s = 0; s < 2; s++) {
        const size_cfg *sc = &sizes[s];
        double p50s[NPATHS][MAX_REPS], p99s[NPATHS][MAX_REPS], mb[NPATHS][MAX_REPS];
        for (int rep = 0; rep < reps; rep++) {
            for (int k = 0; k < NPATHS; k++) {
                int path = (k + rep) % NPATHS; /* rotate the order across repetitions */
                if (only >= 0 && path != only) {
                    continue;
                }
                libp2pc_bench_stats st;
                run_path(path, sc, sc->count, 0, &st);
                result *r = &res[s][path];
                r->runs[rep] = rate(&st);
                mb[path][rep] = mbps(&st);
                p50s[path][rep] = (double)st.p50_ns;
                p99s[path][rep] = (double)st.p99_ns;
                r->drops += st.dropped;
                r->seq_errors += st.seq_errors;
                fprintf(stderr, "  %-8s %-36s run %d: %10.0f events/s  p50 %8.1f µs  p99 %8.1f µs  "
                                "received %llu/%llu  dropped %llu\n",
                        sc->label, path_names[path], rep + 1, r->runs[rep], st.p50_ns / 1e3,
                        st.p99_ns / 1e3, (unsigned long long)st.received,
                        (unsigned long long)st.sent, (unsigned long long)st.dropped);
            }
        }
        if (only >= 0) {
            continue;
        }
        for (int path = 0; path < NPATHS; path++) {
            result *r = &res[s][path];
            double tmp[MAX_REPS];
            memcpy(tmp, r->runs, sizeof tmp);
            r->rate = median(tmp, reps);
            r->mbps = median(mb[path], reps);
            r->p50 = median(p50s[path], reps);
            r->p99 = median(p99s[path], reps);
            libp2pc_bench_stats st;
            run_path(path, sc, n_light, 1000000, &st);
            r->light_p50 = (double)st.p50_ns;
            r->light_p99 = (double)st.p99_ns;
            r->drops += st.dropped;
            r->seq_errors += st.seq_errors;
            fprintf(stderr, "  %-8s %-36s light: p50 %8.1f µs  p99 %8.1f µs  max %8.1f µs\n", sc->label,
                    path_names[path], st.p50_ns / 1e3, st.p99_ns / 1e3, st.max_ns / 1e3);
        }
    }

    if (only >= 0) {
        return 0;
    }

    /* The report. */
    char cpu[256], b1[32], b2[32], b3[32], b4[32], b5[32];
    cpu_model(cpu, sizeof cpu);
    struct utsname un;
    uname(&un);
    char *doc = NULL;
    size_t doc_len = 0;
    FILE *md = open_memstream(&doc, &doc_len);
    if (md == NULL) die("open_memstream", 0);
    fprintf(md, "### Event delivery: Go publisher -> host\n\n");
    fprintf(md, "Machine: %ld CPUs (nproc), %s, Linux %s %s%s%s\n\n", sysconf(_SC_NPROCESSORS_ONLN), cpu,
            un.release, un.machine, go_version[0] ? ", " : "", go_version);
    fprintf(md, "Command: `%s` (%llu x 100 B and %llu x 100 KiB events per throughput run, "
                "median of %d runs; light load: %llu events, one per ms)\n\n",
            cmd, (unsigned long long)n_small, (unsigned long long)n_large, reps,
            (unsigned long long)n_light);
    fprintf(md, "| payload | path | events/s | MB/s | vs pure Go | vs pipe | p50 loaded | p99 loaded "
                "| p50 light | p99 light | drops |\n");
    fprintf(md, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int s = 0; s < 2; s++) {
        for (int path = 0; path < NPATHS; path++) {
            result *r = &res[s][path];
            fprintf(md, "| %s | %s | %s | %.1f | %.2fx | %.1fx | %s | %s | %s | %s | %llu |\n",
                    sizes[s].label, path_names[path], fmt_rate(r->rate, b1, sizeof b1), r->mbps,
                    r->rate / res[s][PATH_GO].rate, r->rate / res[s][PATH_PIPE].rate,
                    fmt_ns(r->p50, b2, sizeof b2), fmt_ns(r->p99, b3, sizeof b3),
                    fmt_ns(r->light_p50, b4, sizeof b4), fmt_ns(r->light_p99, b5, sizeof b5),
                    (unsigned long long)r->drops);
        }
    }
    double vs_go = res[0][PATH_C].rate / res[0][PATH_GO].rate;
    double vs_pipe = res[0][PATH_C].rate / res[0][PATH_PIPE].rate;
    fprintf(md, "\nTarget (100 B): C >= 0.8x pure Go: %.2fx %s; C >= 10x pipe: %.1fx %s\n", vs_go,
            vs_go >= 0.8 ? "MET" : "MISSED", vs_pipe, vs_pipe >= 10 ? "MET" : "MISSED");
    fprintf(md, "\nLoaded latency is queueing-dominated (the publisher keeps up to half the gossip "
                "queue full: %u of %u events at 100 B, %u of %u at 100 KiB); light-load latency "
                "(one event per ms) is the path itself, including thread wake-ups.\n",
            sizes[0].window, sizes[0].queue_cap, sizes[1].window, sizes[1].queue_cap);
    fprintf(md, "\nRuns (events/s):\n\n");
    for (int s = 0; s < 2; s++) {
        for (int path = 0; path < NPATHS; path++) {
            fprintf(md, "- %s, %s:", sizes[s].label, path_names[path]);
            for (int rep = 0; rep < reps; rep++) {
                fprintf(md, " %.0f", res[s][path].runs[rep]);
            }
            fprintf(md, " (seq errors %llu)\n", (unsigned long long)res[s][path].seq_errors);
        }
    }
    fclose(md);
    fputs(doc, stdout);
    if (out_path != NULL) {
        FILE *f = fopen(out_path, "w");
        if (f == NULL || fputs(doc, f) < 0 || fclose(f) != 0) {
            fprintf(stderr, "event_bench: cannot write %s: %s\n", out_path, strerror(errno));
            return 1;
        }
    }
    free(doc);
    int bad = 0;
    for (int s = 0; s < 2; s++) {
        for (int path = 0; path < NPATHS; path++) {
            bad |= res[s][path].seq_errors != 0;
        }
    }
    return bad;
}
