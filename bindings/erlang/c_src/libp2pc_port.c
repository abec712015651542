/* libp2pc_port: the out-of-process mode. A port program that runs one
 * libp2pc node in poll mode and talks {packet, 4} frames over stdin/stdout:
 *   in:  <<Cmd:8, Args/binary>>           (same commands as the driver)
 *   out: <<$r, Reply/binary>>              (reply to the last command)
 *        <<$e, ExternalTermFormat/binary>> (one event; binary_to_term/1)
 * A crash here (or in libp2pc) takes down this OS process, not the VM.
 * Exits when stdin closes (port closed / owner gone), destroying the node. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libp2pc.h"
#include "p2p_common.h"

static int write_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r == 0) return -1;
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void send_frame(char tag, const p2p_buf *b) {
    unsigned char hdr[5];
    uint32_t n = (uint32_t)b->len + 1;
    hdr[0] = (unsigned char)(n >> 24);
    hdr[1] = (unsigned char)(n >> 16);
    hdr[2] = (unsigned char)(n >> 8);
    hdr[3] = (unsigned char)n;
    hdr[4] = (unsigned char)tag;
    if (write_all(1, hdr, 5) || write_all(1, b->p, b->len)) exit(0);
}

/* A minimal external term format encoder. */
static void t_tuple(p2p_buf *b, int arity) {
    p2p_buf_u8(b, 104);
    p2p_buf_u8(b, (uint8_t)arity);
}
static void t_atom(p2p_buf *b, const char *a) {
    size_t n = strlen(a);
    p2p_buf_u8(b, 119);
    p2p_buf_u8(b, (uint8_t)n);
    p2p_buf_put(b, a, n);
}
static void t_bin(p2p_buf *b, const void *p, size_t n) {
    p2p_buf_u8(b, 109);
    p2p_buf_u32(b, (uint32_t)n);
    if (n) p2p_buf_put(b, p, n);
}
static void t_str(p2p_buf *b, const char *s) { t_bin(b, s ? s : "", s ? strlen(s) : 0); }
static void t_uint(p2p_buf *b, uint64_t v) {
    if (v <= 0x7fffffff) {
        p2p_buf_u8(b, 98);
        p2p_buf_u32(b, (uint32_t)v);
        return;
    }
    unsigned char d[8];
    int n = 0;
    while (v) { d[n++] = (unsigned char)(v & 0xff); v >>= 8; }
    p2p_buf_u8(b, 110);
    p2p_buf_u8(b, (uint8_t)n);
    p2p_buf_u8(b, 0);
    p2p_buf_put(b, d, (size_t)n);
}

static int saw_stopped;

static void on_event(const libp2pc_event *ev, void *ud) {
    p2p_buf *b = (p2p_buf *)ud;
    size_t i;
    b->len = 0;
    p2p_buf_u8(b, 131);
    switch (ev->type) {
    case LIBP2PC_EVENT_LISTENING:
        t_tuple(b, 3); t_atom(b, "listening"); t_str(b, ev->peer_id);
        if (ev->addrs_len) {
            p2p_buf_u8(b, 108);
            p2p_buf_u32(b, (uint32_t)ev->addrs_len);
            for (i = 0; i < ev->addrs_len; i++) t_str(b, ev->addrs[i]);
        }
        p2p_buf_u8(b, 106);
        break;
    case LIBP2PC_EVENT_PEER_CONNECTED:
        t_tuple(b, 4); t_atom(b, "peer_connected"); t_str(b, ev->peer_id);
        t_atom(b, ev->direction ? ev->direction : "unknown"); t_str(b, ev->addr);
        break;
    case LIBP2PC_EVENT_PEER_DISCONNECTED:
        t_tuple(b, 3); t_atom(b, "peer_disconnected"); t_str(b, ev->peer_id); t_str(b, ev->text);
        break;
    case LIBP2PC_EVENT_MESSAGE:
        t_tuple(b, 5); t_atom(b, "message"); t_str(b, ev->topic); t_str(b, ev->peer_id);
        t_bin(b, ev->msg_id, ev->msg_id_len); t_bin(b, ev->data, ev->data_len);
        break;
    case LIBP2PC_EVENT_REQUEST_DONE:
        t_tuple(b, 3); t_atom(b, "request_done"); t_uint(b, ev->request_id);
        if (ev->status == LIBP2PC_OK) t_atom(b, "ok");
        else { t_tuple(b, 3); t_atom(b, "error"); t_atom(b, p2p_err_atom(ev->status)); t_str(b, ev->text); }
        break;
    case LIBP2PC_EVENT_ERROR:
        t_tuple(b, 3); t_atom(b, "error"); t_atom(b, p2p_err_atom(ev->status)); t_str(b, ev->text);
        break;
    case LIBP2PC_EVENT_DROPS:
        t_tuple(b, 3); t_atom(b, "drops"); t_uint(b, ev->dropped_gossip); t_uint(b, ev->dropped_errors);
        break;
    case LIBP2PC_EVENT_STOPPED:
        saw_stopped = 1;
        t_tuple(b, 2); t_atom(b, "stopped"); t_str(b, ev->text);
        break;
    case LIBP2PC_EVENT_TOPIC_PEER_JOINED:
    case LIBP2PC_EVENT_TOPIC_PEER_LEFT:
        t_tuple(b, 3);
        t_atom(b, ev->type == LIBP2PC_EVENT_TOPIC_PEER_JOINED ? "topic_peer_joined" : "topic_peer_left");
        t_str(b, ev->topic); t_str(b, ev->peer_id);
        break;
    default:
        t_tuple(b, 2); t_atom(b, "unknown_event"); t_uint(b, ev->type);
        break;
    }
    send_frame('e', b);
}

int main(void) {
    libp2pc_node node = 0;
    int evfd = -1;
    p2p_buf out = {0}, evbuf = {0};
    unsigned char *in = NULL;
    size_t in_cap = 0;
    int init_rc = libp2pc_init(LIBP2PC_ABI_VERSION);

    for (;;) {
        struct pollfd pfd[2] = {{.fd = 0, .events = POLLIN}, {.fd = evfd, .events = POLLIN}};
        int nfds = evfd >= 0 ? 2 : 1;
        if (poll(pfd, (nfds_t)nfds, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (nfds == 2 && (pfd[1].revents & POLLIN)) {
            size_t delivered = 0;
            int rc = libp2pc_node_poll(node, on_event, &evbuf, 64, &delivered);
            if (saw_stopped || rc == LIBP2PC_ERR_STOPPED) evfd = -1; /* stop watching */
        }
        if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            unsigned char hdr[4];
            if (read_all(0, hdr, 4)) break;
            size_t n = ((size_t)hdr[0] << 24) | ((size_t)hdr[1] << 16) | ((size_t)hdr[2] << 8) | hdr[3];
            if (n == 0) continue;
            if (n > in_cap) {
                free(in);
                in = malloc(n);
                if (!in) return 1;
                in_cap = n;
            }
            if (read_all(0, in, n)) break;
            out.len = 0;
            if (init_rc != LIBP2PC_OK) {
                p2p_buf_u8(&out, 1);
                p2p_buf_u32(&out, (uint32_t)LIBP2PC_ERR_NOT_INITIALIZED);
                p2p_buf_put(&out, "libp2pc_init failed", 19);
            } else if (in[0] == P2P_CMD_NEW && (node || saw_stopped)) {
                p2p_buf_u8(&out, 1);
                p2p_buf_u32(&out, (uint32_t)LIBP2PC_ERR_BAD_STATE);
                p2p_buf_put(&out, "this port already has a node", 28);
            } else {
                p2p_exec(&node, in[0], in + 1, n - 1, &out);
                if (in[0] == P2P_CMD_NEW && out.len > 0 && out.p[0] == 0) {
                    int rc = libp2pc_node_event_fd(node, &evfd);
                    if (rc != LIBP2PC_OK) {
                        evfd = -1;
                        out.len = 0;
                        p2p_buf_u8(&out, 1);
                        p2p_buf_u32(&out, (uint32_t)rc);
                        p2p_buf_put(&out, libp2pc_last_error(), strlen(libp2pc_last_error()));
                    }
                }
            }
            send_frame('r', &out);
        }
    }
    if (node) libp2pc_node_destroy(node);
    return 0;
}
