/*
 * The ABI growth test (make test-abi-growth): the structs of a library in
 * which libp2pc_config and libp2pc_counters gained one field each at their
 * end, as a later minor version of ABI 2 may add them. The library built
 * with -tags abigrowth_test (libp2pc/abi/growth_on.go) uses these, and so
 * does the "new" host (host_grown.c); the "old" host is the frozen ABI 2.0
 * host (examples/tests/frozen), unchanged.
 *
 * Embedding the 2.0 struct and appending is the same layout as appending a
 * field inside it: the header's structs have no tail padding (make
 * header-check compiles it with -Wpadded).
 */
#ifndef LIBP2PC_GROWTH_H
#define LIBP2PC_GROWTH_H

#include "libp2pc.h"

/* What the library reads for growth_probe when the host's struct_size ends
 * before it (an older host), or the host left it 0. */
#define LIBP2PC_GROWTH_PROBE_DEFAULT 7

typedef struct libp2pc_config_grown {
    libp2pc_config v2_0;
    uint64_t growth_probe; /* 0: LIBP2PC_GROWTH_PROBE_DEFAULT */
} libp2pc_config_grown;

typedef struct libp2pc_counters_grown {
    libp2pc_counters v2_0;
    uint64_t growth_probe_echo; /* the growth_probe the library read */
} libp2pc_counters_grown;

#endif
