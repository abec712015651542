/* Shared by the port driver and the port program: command execution with a
 * small binary reply format that src/libp2pc.erl decodes. */
#ifndef P2P_COMMON_H
#define P2P_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include "libp2pc.h"

enum {
    P2P_CMD_NEW = 1,
    P2P_CMD_START = 2,
    P2P_CMD_STOP = 3,
    P2P_CMD_DIAL = 4,
    P2P_CMD_SUBSCRIBE = 5,
    P2P_CMD_UNSUBSCRIBE = 6,
    P2P_CMD_PUBLISH = 7,
    P2P_CMD_PEERS = 8,
    P2P_CMD_PEER_ID = 9,
    P2P_CMD_COUNTERS = 10,
    P2P_CMD_PANIC = 11,
    P2P_CMD_DISCONNECT = 12
};

typedef struct p2p_buf {
    unsigned char *p;
    size_t len, cap;
} p2p_buf;

void p2p_buf_put(p2p_buf *b, const void *data, size_t n);
void p2p_buf_u8(p2p_buf *b, uint8_t v);
void p2p_buf_u32(p2p_buf *b, uint32_t v);
void p2p_buf_u64(p2p_buf *b, uint64_t v);
void p2p_buf_free(p2p_buf *b);

/* Atom name of a LIBP2PC_ERR_* code ("internal", "bad_state", ...). */
const char *p2p_err_atom(int code);

/* Runs one command on *node (P2P_CMD_NEW sets *node) and writes the reply
 * into out: <<0, ...>> on success, <<1, Code:32/signed, Msg/binary>> on
 * failure. Only non-blocking libp2pc calls are made. */
void p2p_exec(libp2pc_node *node, int cmd, const unsigned char *args, size_t len,
              p2p_buf *out);

#endif
