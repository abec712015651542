/*
 * Shared by the event-delivery benchmark's C programs (event_bench.c,
 * pipe_reader.c): the result record of one run, the clock, futex waits and
 * percentiles. Bench-only; not part of the public API.
 *
 * libp2pc_bench_stats must stay identical to the copy in
 * libp2pc/abi/bench_export.go (all fields uint64_t; struct_size is checked).
 */
#ifndef LIBP2PC_BENCH_H
#define LIBP2PC_BENCH_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct libp2pc_bench_stats {
    uint64_t struct_size; /* sizeof(libp2pc_bench_stats), set by the caller */
    uint64_t sent;        /* events the publisher injected */
    uint64_t received;    /* message events the consumer took */
    uint64_t dropped;     /* gossip events the node's queue dropped */
    uint64_t seq_errors;  /* payload sequence numbers out of order */
    uint64_t start_ns;    /* CLOCK_MONOTONIC: publisher started */
    uint64_t end_ns;      /* CLOCK_MONOTONIC: consumer took the last event */
    uint64_t bytes;       /* payload bytes the consumer took */
    uint64_t p50_ns;      /* delivery latency: publisher stamp -> consumer */
    uint64_t p99_ns;
    uint64_t max_ns;
} libp2pc_bench_stats;

/* Bench-only exports of build/bench/libp2pc_bench.so
 * (libp2pc/abi/bench_export.go, over libp2pc/internal/eventbench). */
int libp2pc_bench_inject(uint64_t node, uint64_t count, uint32_t payload_size,
                         uint32_t window, uint64_t interval_ns, uint64_t *start_ns);
int libp2pc_bench_go(uint64_t count, uint32_t payload_size, uint32_t window,
                     uint64_t interval_ns, uint32_t queue_capacity, uint32_t ring_slots,
                     libp2pc_bench_stats *out);
int libp2pc_bench_pipe(const char *reader_path, uint64_t count, uint32_t payload_size,
                       uint32_t window, uint64_t interval_ns, uint32_t queue_capacity,
                       libp2pc_bench_stats *out);

static inline uint64_t bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline int bench_cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts lat[0..n) and fills p50/p99/max. */
static inline void bench_percentiles(uint64_t *lat, uint64_t n, libp2pc_bench_stats *st) {
    st->p50_ns = st->p99_ns = st->max_ns = 0;
    if (n == 0) {
        return;
    }
    qsort(lat, n, sizeof lat[0], bench_cmp_u64);
    st->p50_ns = lat[(n - 1) / 2];
    st->p99_ns = lat[(n - 1) * 99 / 100];
    st->max_ns = lat[n - 1];
}

/* Payload layout written by the Go publisher: [0,8) CLOCK_MONOTONIC stamp
 * (little-endian ns), [8,16) publisher sequence number from 0. */
static inline uint64_t bench_le64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8); /* x86-64 / arm64 little-endian hosts */
    return v;
}

#endif
