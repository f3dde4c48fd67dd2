/*
 * A socket's reader thread: receives datagrams into a bounded queue while
 * the event loop's thread decodes the ones before.
 *
 * Why a thread: the kernel builds a dump's next datagram inside recvmsg, on
 * the thread that reads. Read from the event loop, the kernel's work and the
 * decoding take turns on one core; read here, they run side by side. The
 * thread is the socket's own (never a libuv thread-pool thread), waits in
 * poll() rather than in recv, and holds no more than about the socket's
 * receive buffer (SO_RCVBUF) in its queue, so that flow control and overruns
 * behave as the kernel's buffer says: when the queue is full, or delivery is
 * paused, the thread stops reading and the kernel queues (or drops) as usual.
 */
#ifndef NLSHIM_NODE_READER_H
#define NLSHIM_NODE_READER_H

#include <stdbool.h>
#include <uv.h>

#include "../nlshim.h"

typedef struct reader reader_t;

/*
 * One received datagram (len >= 0) or a negative errno (data and block
 * NULL). The datagram's bytes live inside `block`, which is the taker's to
 * free().
 */
typedef struct {
  void *data;
  long len;
  struct nls_recv_info info;
  void *block;
} reader_item_t;

/*
 * Starts the thread on fd, paused; `ready` is sent (uv_async_send) whenever
 * the queue gains an item. Returns NULL when a thread cannot be had.
 */
reader_t *reader_start(int fd, uv_async_t *ready);
/* Reading on or off; the queue keeps what it holds while paused. */
void reader_set_paused(reader_t *r, bool paused);
/* Takes the oldest item; false when the queue is empty. */
bool reader_take(reader_t *r, reader_item_t *out);
/* Stops and joins the thread and frees what is queued; before the fd is closed. */
void reader_stop(reader_t *r);

/*
 * The length of the next datagram (nls_next_size), offering the kernel one
 * wide buffer once so that dumps come in NLS_DUMP_BUFFER datagrams. `wide`
 * records that the wide peek was made; the event-loop and thread paths share it.
 */
long next_datagram_size(int fd, bool *wide);

#endif
