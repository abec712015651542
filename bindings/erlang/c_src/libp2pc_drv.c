/* libp2pc_drv: an Erlang port driver over libp2pc in poll mode.
 *
 * No entry point blocks a scheduler: control() only makes libp2pc calls that
 * validate, copy and return (the header's "never blocking" rule), and events
 * are read in ready_input(), which the VM calls when libp2pc_node_event_fd
 * is readable (registered with driver_select(ERL_DRV_READ | ERL_DRV_USE)).
 * Each event goes to the port owner as {libp2pc, Port, Event}.
 *
 * The event fd belongs to libp2pc (libp2pc_node_destroy closes it). With
 * ERL_DRV_USE the VM calls stop_select() once the fd is out of every poll
 * set and safe to close; that is where we call libp2pc_node_destroy, so the
 * fd is closed exactly once, by its owner, after the VM has let go of it.
 *
 * Creating the node (libp2pc_node_new reads or writes the identity key
 * file) is the one call that touches the disk: it runs on the VM's async
 * thread pool, never on a scheduler (see new_job).
 */
#include <string.h>

#include "erl_driver.h"
#include "libp2pc.h"
#include "p2p_common.h"

#define POLL_BATCH 64

typedef struct drv {
    ErlDrvPort port;
    ErlDrvTermData tport;
    libp2pc_node node;
    int fd;
    int selected;
    int saw_stopped;
    int creating; /* a NEW runs on the async thread pool */
} drv;

/* A NEW command run off the scheduler: libp2pc_node_new reads or writes the
 * identity key file, so it runs on the VM's async thread pool
 * (driver_async), and its reply reaches the port owner as
 * {libp2pc_new, Port, Reply} from ready_async, on the port's thread. */
typedef struct new_job {
    libp2pc_node node;
    unsigned char *args;
    size_t len;
    p2p_buf out;
} new_job;

/* fd -> node for stop_select, which gets only the event. */
#define FD_SLOTS 1024
static struct { int fd; libp2pc_node node; } fd_table[FD_SLOTS];
static ErlDrvMutex *fd_mutex;
static int init_rc = -1000;

static int fd_put(int fd, libp2pc_node node) {
    int i, ok = 0;
    erl_drv_mutex_lock(fd_mutex);
    for (i = 0; i < FD_SLOTS; i++) {
        if (fd_table[i].node == 0) {
            fd_table[i].fd = fd;
            fd_table[i].node = node;
            ok = 1;
            break;
        }
    }
    erl_drv_mutex_unlock(fd_mutex);
    return ok;
}

static libp2pc_node fd_take(int fd) {
    int i;
    libp2pc_node n = 0;
    erl_drv_mutex_lock(fd_mutex);
    for (i = 0; i < FD_SLOTS; i++) {
        if (fd_table[i].node != 0 && fd_table[i].fd == fd) {
            n = fd_table[i].node;
            fd_table[i].node = 0;
            break;
        }
    }
    erl_drv_mutex_unlock(fd_mutex);
    return n;
}

static int drv_init(void) {
    /* The .so is linked with -z nodelete, so statics survive a reload. */
    if (!fd_mutex) fd_mutex = erl_drv_mutex_create("libp2pc_drv_fd_table");
    if (!fd_mutex) return -1;
    init_rc = libp2pc_init(LIBP2PC_ABI_VERSION);
    return 0;
}

static ErlDrvData drv_start(ErlDrvPort port, char *cmd) {
    (void)cmd;
    drv *d = driver_alloc(sizeof *d);
    if (!d) return ERL_DRV_ERROR_GENERAL;
    memset(d, 0, sizeof *d);
    d->port = port;
    d->tport = driver_mk_port(port);
    d->fd = -1;
    return (ErlDrvData)d;
}

static ErlDrvEvent fd_event(int fd) { return (ErlDrvEvent)(ErlDrvSInt)fd; }

/* Stops watching the fd; stop_select() then destroys the node. */
static void release_node(drv *d) {
    if (d->selected) {
        d->selected = 0;
        d->node = 0;
        driver_select(d->port, fd_event(d->fd), ERL_DRV_READ | ERL_DRV_USE, 0);
    } else if (d->node) {
        libp2pc_node_destroy(d->node);
        d->node = 0;
    }
}

static void drv_stop(ErlDrvData data) {
    drv *d = (drv *)data;
    release_node(d);
    driver_free(d);
}

static void drv_stop_select(ErlDrvEvent event, void *reserved) {
    (void)reserved;
    int fd = (int)(ErlDrvSInt)event;
    libp2pc_node n = fd_take(fd);
    if (n) libp2pc_node_destroy(n); /* closes fd */
}

#define S(s) ((ErlDrvTermData)(s)), ((ErlDrvTermData)strlen(s))
#define STR(s) ERL_DRV_BUF2BINARY, S((s) ? (s) : "")

static void on_event(const libp2pc_event *ev, void *ud) {
    drv *d = (drv *)ud;
    ErlDrvTermData small[64];
    ErlDrvTermData *spec = small;
    size_t cap = 64 + 3 * ev->addrs_len, i;
    ErlDrvUInt64 u1, u2;
    int n = 0;
    if (cap > 64) spec = driver_alloc(cap * sizeof(ErlDrvTermData));
    if (!spec) return;
#define PUT(...) do { ErlDrvTermData t_[] = {__VA_ARGS__}; memcpy(spec + n, t_, sizeof t_); n += (int)(sizeof t_ / sizeof t_[0]); } while (0)
    PUT(ERL_DRV_ATOM, driver_mk_atom("libp2pc"), ERL_DRV_PORT, d->tport);
    switch (ev->type) {
    case LIBP2PC_EVENT_LISTENING:
        PUT(ERL_DRV_ATOM, driver_mk_atom("listening"), STR(ev->peer_id));
        for (i = 0; i < ev->addrs_len; i++) PUT(STR(ev->addrs[i]));
        PUT(ERL_DRV_NIL, ERL_DRV_LIST, (ErlDrvTermData)(ev->addrs_len + 1), ERL_DRV_TUPLE, 3);
        break;
    case LIBP2PC_EVENT_PEER_CONNECTED:
        PUT(ERL_DRV_ATOM, driver_mk_atom("peer_connected"), STR(ev->peer_id),
            ERL_DRV_ATOM, driver_mk_atom((char *)(ev->direction ? ev->direction : "unknown")),
            STR(ev->addr), ERL_DRV_TUPLE, 4);
        break;
    case LIBP2PC_EVENT_PEER_DISCONNECTED:
        PUT(ERL_DRV_ATOM, driver_mk_atom("peer_disconnected"), STR(ev->peer_id),
            STR(ev->text), ERL_DRV_TUPLE, 3);
        break;
    case LIBP2PC_EVENT_MESSAGE:
        PUT(ERL_DRV_ATOM, driver_mk_atom("message"), STR(ev->topic), STR(ev->peer_id),
            ERL_DRV_BUF2BINARY, (ErlDrvTermData)(ev->msg_id ? (const void *)ev->msg_id : ""),
            (ErlDrvTermData)ev->msg_id_len,
            ERL_DRV_BUF2BINARY, (ErlDrvTermData)(ev->data ? (const void *)ev->data : ""),
            (ErlDrvTermData)ev->data_len, ERL_DRV_TUPLE, 5);
        break;
    case LIBP2PC_EVENT_REQUEST_DONE:
        u1 = ev->request_id;
        PUT(ERL_DRV_ATOM, driver_mk_atom("request_done"), ERL_DRV_UINT64, (ErlDrvTermData)&u1);
        if (ev->status == LIBP2PC_OK) {
            PUT(ERL_DRV_ATOM, driver_mk_atom("ok"));
        } else {
            PUT(ERL_DRV_ATOM, driver_mk_atom("error"),
                ERL_DRV_ATOM, driver_mk_atom((char *)p2p_err_atom(ev->status)),
                STR(ev->text), ERL_DRV_TUPLE, 3);
        }
        PUT(ERL_DRV_TUPLE, 3);
        break;
    case LIBP2PC_EVENT_ERROR:
        PUT(ERL_DRV_ATOM, driver_mk_atom("error"),
            ERL_DRV_ATOM, driver_mk_atom((char *)p2p_err_atom(ev->status)),
            STR(ev->text), ERL_DRV_TUPLE, 3);
        break;
    case LIBP2PC_EVENT_DROPS:
        u1 = ev->dropped_gossip;
        u2 = ev->dropped_errors;
        PUT(ERL_DRV_ATOM, driver_mk_atom("drops"), ERL_DRV_UINT64, (ErlDrvTermData)&u1,
            ERL_DRV_UINT64, (ErlDrvTermData)&u2, ERL_DRV_TUPLE, 3);
        break;
    case LIBP2PC_EVENT_STOPPED:
        d->saw_stopped = 1;
        PUT(ERL_DRV_ATOM, driver_mk_atom("stopped"), STR(ev->text), ERL_DRV_TUPLE, 2);
        break;
    case LIBP2PC_EVENT_TOPIC_PEER_JOINED:
    case LIBP2PC_EVENT_TOPIC_PEER_LEFT:
        PUT(ERL_DRV_ATOM,
            driver_mk_atom(ev->type == LIBP2PC_EVENT_TOPIC_PEER_JOINED ? "topic_peer_joined"
                                                                      : "topic_peer_left"),
            STR(ev->topic), STR(ev->peer_id), ERL_DRV_TUPLE, 3);
        break;
    default:
        u1 = ev->type;
        PUT(ERL_DRV_ATOM, driver_mk_atom("unknown_event"), ERL_DRV_UINT64,
            (ErlDrvTermData)&u1, ERL_DRV_TUPLE, 2);
        break;
    }
    PUT(ERL_DRV_TUPLE, 3);
#undef PUT
    erl_drv_output_term(d->tport, spec, n);
    if (spec != small) driver_free(spec);
}

static void drv_ready_input(ErlDrvData data, ErlDrvEvent event) {
    drv *d = (drv *)data;
    size_t delivered = 0;
    (void)event;
    if (!d->node) return;
    int rc = libp2pc_node_poll(d->node, on_event, d, POLL_BATCH, &delivered);
    if (d->saw_stopped || rc == LIBP2PC_ERR_STOPPED) {
        /* STOPPED is the node's last event: let go of the fd and destroy. */
        release_node(d);
    }
}

static void reply_bytes(const p2p_buf *b, char **rbuf, ErlDrvSizeT rlen) {
    if (b->len > rlen) {
        char *p = driver_alloc(b->len);
        if (!p) return;
        *rbuf = p;
    }
    memcpy(*rbuf, b->p, b->len);
}

static void async_new(void *p) {
    new_job *j = p;
    p2p_exec(&j->node, P2P_CMD_NEW, j->args, j->len, &j->out);
}

/* Frees a job; destroys its node if ready_async never took it (the port
 * closed first). */
static void free_new_job(void *p) {
    new_job *j = p;
    if (j->node) libp2pc_node_destroy(j->node);
    p2p_buf_free(&j->out);
    driver_free(j->args);
    driver_free(j);
}

/* A new node: register its event fd (poll mode) or, failing that, destroy
 * it and turn *out into the error reply. */
static void attach_node(drv *d, p2p_buf *out) {
    int fd = -1;
    int rc = libp2pc_node_event_fd(d->node, &fd);
    if (rc != LIBP2PC_OK || !fd_put(fd, d->node)) {
        libp2pc_node_destroy(d->node);
        d->node = 0;
        out->len = 0;
        p2p_buf_u8(out, 1);
        p2p_buf_u32(out, (uint32_t)(rc != LIBP2PC_OK ? rc : LIBP2PC_ERR_QUEUE_FULL));
        const char *m = rc != LIBP2PC_OK ? libp2pc_last_error() : "too many nodes";
        p2p_buf_put(out, m, strlen(m));
    } else {
        d->fd = fd;
        d->selected = 1;
        driver_select(d->port, fd_event(fd), ERL_DRV_READ | ERL_DRV_USE, 1);
    }
}

static void drv_ready_async(ErlDrvData data, ErlDrvThreadData thread_data) {
    drv *d = (drv *)data;
    new_job *j = (new_job *)thread_data;
    d->creating = 0;
    if (j->out.len > 0 && j->out.p[0] == 0) {
        d->node = j->node;
        j->node = 0;
        attach_node(d, &j->out);
    }
    ErlDrvTermData spec[] = {ERL_DRV_ATOM, driver_mk_atom("libp2pc_new"), ERL_DRV_PORT, d->tport,
                             ERL_DRV_BUF2BINARY, (ErlDrvTermData)j->out.p, (ErlDrvTermData)j->out.len,
                             ERL_DRV_TUPLE, 3};
    erl_drv_output_term(d->tport, spec, sizeof spec / sizeof spec[0]);
    free_new_job(j);
}

static ErlDrvSSizeT drv_control(ErlDrvData data, unsigned int command, char *buf,
                                ErlDrvSizeT len, char **rbuf, ErlDrvSizeT rlen) {
    drv *d = (drv *)data;
    p2p_buf out = {0};
    if (init_rc != LIBP2PC_OK) {
        p2p_buf_u8(&out, 1);
        p2p_buf_u32(&out, (uint32_t)LIBP2PC_ERR_NOT_INITIALIZED);
        const char *m = "libp2pc_init failed";
        p2p_buf_put(&out, m, strlen(m));
    } else if (command == P2P_CMD_NEW && (d->node || d->saw_stopped || d->creating)) {
        p2p_buf_u8(&out, 1);
        p2p_buf_u32(&out, (uint32_t)LIBP2PC_ERR_BAD_STATE);
        const char *m = "this port already has a node";
        p2p_buf_put(&out, m, strlen(m));
    } else if (command == P2P_CMD_NEW) {
        /* Key-file I/O: off the scheduler. The reply <<2>> says "pending";
         * the result comes as {libp2pc_new, Port, Reply}. */
        new_job *j = driver_alloc(sizeof *j);
        unsigned char *args = driver_alloc(len ? len : 1);
        if (!j || !args) {
            if (j) driver_free(j);
            if (args) driver_free(args);
            p2p_buf_u8(&out, 1);
            p2p_buf_u32(&out, (uint32_t)LIBP2PC_ERR_INTERNAL);
            const char *m = "out of memory";
            p2p_buf_put(&out, m, strlen(m));
        } else {
            memset(j, 0, sizeof *j);
            memcpy(args, buf, len);
            j->args = args;
            j->len = len;
            d->creating = 1;
            driver_async(d->port, NULL, async_new, j, free_new_job);
            p2p_buf_u8(&out, 2);
        }
    } else {
        p2p_exec(&d->node, (int)command, (const unsigned char *)buf, len, &out);
    }
    reply_bytes(&out, rbuf, rlen);
    ErlDrvSSizeT n = (ErlDrvSSizeT)out.len;
    p2p_buf_free(&out);
    return n;
}

static ErlDrvEntry drv_entry = {
    .init = drv_init,
    .start = drv_start,
    .stop = drv_stop,
    .ready_input = drv_ready_input,
    .ready_async = drv_ready_async,
    .driver_name = "libp2pc_drv",
    .control = drv_control,
    .extended_marker = ERL_DRV_EXTENDED_MARKER,
    .major_version = ERL_DRV_EXTENDED_MAJOR_VERSION,
    .minor_version = ERL_DRV_EXTENDED_MINOR_VERSION,
    .driver_flags = ERL_DRV_FLAG_USE_PORT_LOCKING,
    .stop_select = drv_stop_select,
};

DRIVER_INIT(libp2pc_drv) { return &drv_entry; }
