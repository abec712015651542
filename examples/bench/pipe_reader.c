/*
 * pipe_reader: the consumer of the benchmark's pipe case (the port
 * approach: a Go process feeds its host over a pipe, as a port program
 * feeds an Erlang VM through stdin/stdout with {packet,4}).
 *
 * Usage: pipe_reader COUNT   (spawned by libp2pc_bench_pipe)
 *
 * Reads length-prefixed frames from stdin in large chunks (as a port driver
 * does), takes each MESSAGE's payload stamp and sequence number, and stops
 * once it has COUNT messages, or messages plus reported drops reach COUNT,
 * or at EOF. Prints "ready" at start and, at the end, one line:
 *   received bytes seq_errors first_ns last_ns p50_ns p99_ns max_ns
 *
 * Frame (big-endian): u32 len | u8 type | u64 seq | u16+topic | u16+peer_id
 *                     | u16+msg_id | u32+data | u64 dropped_gossip
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define EV_MESSAGE 4
#define EV_DROPS 7

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: pipe_reader COUNT\n");
        return 2;
    }
    uint64_t count = strtoull(argv[1], NULL, 10);
    uint64_t *lat = malloc((count ? count : 1) * sizeof *lat);
    size_t cap = 1 << 20, len = 0;
    uint8_t *buf = malloc(cap);
    if (lat == NULL || buf == NULL) {
        fprintf(stderr, "pipe_reader: out of memory\n");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);

    uint64_t received = 0, dropped = 0, bytes = 0, seq_errors = 0, next = 0;
    uint64_t first_ns = 0, last_ns = 0;
    int eof = 0;
    while (received + dropped < count && !eof) {
        ssize_t n = read(0, buf + len, cap - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            perror("pipe_reader: read");
            return 1;
        }
        if (n == 0) {
            eof = 1;
        }
        len += (size_t)n;
        size_t off = 0;
        while (len - off >= 4) {
            uint32_t flen = be32(buf + off);
            if (len - off - 4 < flen) {
                if (flen + 4 > cap) { /* grow for a frame larger than the buffer */
                    memmove(buf, buf + off, len - off);
                    len -= off;
                    off = 0;
                    while (cap < flen + 4) {
                        cap *= 2;
                    }
                    buf = realloc(buf, cap);
                    if (buf == NULL) {
                        fprintf(stderr, "pipe_reader: out of memory\n");
                        return 1;
                    }
                }
                break;
            }
            const uint8_t *f = buf + off + 4, *end = f + flen;
            uint8_t type = f[0];
            const uint8_t *p = f + 1 + 8;
            p += 2 + be16(p); /* topic */
            p += 2 + be16(p); /* peer id */
            p += 2 + be16(p); /* msg id */
            uint32_t dlen = be32(p);
            const uint8_t *data = p + 4;
            if (data + dlen + 8 != end) {
                fprintf(stderr, "pipe_reader: malformed frame\n");
                return 1;
            }
            if (type == EV_MESSAGE && dlen >= 16) {
                uint64_t now = bench_now_ns();
                if (received == 0) {
                    first_ns = now;
                }
                last_ns = now;
                uint64_t seq = bench_le64(data + 8);
                if (seq != next) {
                    seq_errors++;
                    next = seq;
                }
                next++;
                if (received < count) {
                    lat[received] = now - bench_le64(data);
                }
                received++;
                bytes += dlen;
            } else if (type == EV_DROPS) {
                dropped = be64(data + dlen);
            }
            off += 4 + flen;
        }
        memmove(buf, buf + off, len - off);
        len -= off;
    }
    libp2pc_bench_stats st = {0};
    bench_percentiles(lat, received < count ? received : count, &st);
    printf("%llu %llu %llu %llu %llu %llu %llu %llu\n", (unsigned long long)received,
           (unsigned long long)bytes, (unsigned long long)seq_errors,
           (unsigned long long)first_ns, (unsigned long long)last_ns,
           (unsigned long long)st.p50_ns, (unsigned long long)st.p99_ns,
           (unsigned long long)st.max_ns);
    fflush(stdout);
    free(lat);
    free(buf);
    return 0;
}
