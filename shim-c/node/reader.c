/* The reader thread of reader.h. */
#define _GNU_SOURCE
#include "reader.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

/*
 * The thread's stack: it calls poll, recv and malloc, nothing deep. glibc
 * keeps the stacks of finished threads for reuse (up to 40 MiB by default),
 * so a small stack also keeps sockets opened and closed by the thousand
 * from showing up as resident memory.
 */
#define STACK_SIZE (128 * 1024)

/* A bound on queued items besides the byte budget: many tiny datagrams are still a lot of mallocs. */
#define MAX_QUEUED 4096

/*
 * Below this receive buffer the wide peek is not used: once the kernel has
 * seen a 32 KiB recvmsg it builds 32 KiB dump datagrams, and a socket whose
 * buffer cannot hold one gets ENOBUFS on every read while the dump never
 * moves (seen with SO_RCVBUF 4 KiB..16 KiB on 6.18).
 */
#define WIDE_MIN_RCVBUF (4 * NLS_DUMP_BUFFER)

typedef struct node {
  struct node *next;
  reader_item_t item;
} node_t;

struct reader {
  int fd;
  int wake_fd; /* eventfd: pulls the thread out of poll() to look at its state again */
  uv_async_t *ready;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  node_t *head, *tail;
  size_t count, bytes;
  bool paused, stopping, failed; /* failed: a receive error other than ENOBUFS ended reading */
  bool wide;                     /* touched by the thread only */
  node_t last_words;             /* for the error that ends reading, should malloc fail then */
};

long next_datagram_size(int fd, bool *wide) {
  if (*wide) return nls_next_size(fd, NULL, 0);
  int rcvbuf = 0;
  if (nls_get_option(fd, NLS_OPT_RCVBUF, &rcvbuf) < 0 || rcvbuf < WIDE_MIN_RCVBUF) return nls_next_size(fd, NULL, 0);
  void *probe = malloc(NLS_DUMP_BUFFER);
  long n = nls_next_size(fd, probe, probe ? NLS_DUMP_BUFFER : 0);
  free(probe);
  *wide = n >= 0 && probe; /* only a peek that found a datagram counts */
  return n;
}

/* With the lock held: room for one more? Always for the first, so a datagram larger than rcvbuf still passes. */
static bool has_room(reader_t *r) {
  if (r->count == 0) return true;
  int rcvbuf = 0;
  if (nls_get_option(r->fd, NLS_OPT_RCVBUF, &rcvbuf) < 0) rcvbuf = 0;
  return r->count < MAX_QUEUED && r->bytes < (size_t)rcvbuf;
}

/* Queues n (its item filled in) and tells the event loop. */
static void push(reader_t *r, node_t *n) {
  long len = n->item.len;
  n->next = NULL;
  pthread_mutex_lock(&r->lock);
  if (r->tail) r->tail->next = n;
  else r->head = n;
  r->tail = n;
  r->count++;
  if (len > 0) r->bytes += (size_t)len;
  if (len < 0 && len != -NLS_ENOBUFS) r->failed = true;
  pthread_mutex_unlock(&r->lock);
  uv_async_send(r->ready);
}

/* An error for the event loop; one that ends reading goes out even when memory is short. */
static void push_error(reader_t *r, long err) {
  node_t *n = malloc(sizeof *n);
  if (!n) n = &r->last_words, err = err == -NLS_ENOBUFS ? -NLS_ENOMEM : err;
  n->item = (reader_item_t){.len = err};
  push(r, n);
}

/*
 * Receives one datagram into the queue; false when nothing was queued
 * (EAGAIN). The datagram's bytes follow its queue node in one allocation,
 * which the event loop hands to JavaScript as it is.
 */
static bool receive_one(reader_t *r) {
  struct nls_recv_info info = {0};
  long n = next_datagram_size(r->fd, &r->wide);
  if (n == -NLS_EAGAIN) return false;
  node_t *node = n >= 0 ? malloc(sizeof *node + (size_t)n) : NULL;
  if (n >= 0 && !node) n = -NLS_ENOMEM;
  if (node) {
    n = nls_recv(r->fd, node + 1, (size_t)n, &info);
    if (n == -NLS_EAGAIN) return free(node), false;
    if (n < 0) free(node), node = NULL;
  }
  if (!node) return push_error(r, n), true;
  node->item = (reader_item_t){.data = node + 1, .len = n, .info = info, .block = node};
  push(r, node);
  return true;
}

static void drain_wake(reader_t *r) {
  uint64_t v;
  while (read(r->wake_fd, &v, sizeof v) > 0) {
  }
}

static void *run(void *arg) {
  reader_t *r = arg;
  for (;;) {
    pthread_mutex_lock(&r->lock);
    while (!r->stopping && (r->paused || r->failed || !has_room(r))) pthread_cond_wait(&r->changed, &r->lock);
    bool stop = r->stopping;
    pthread_mutex_unlock(&r->lock);
    if (stop) return NULL;
    struct pollfd fds[2] = {{.fd = r->fd, .events = POLLIN}, {.fd = r->wake_fd, .events = POLLIN}};
    if (poll(fds, 2, -1) < 0) {
      if (errno != EINTR) push_error(r, -errno);
      continue;
    }
    if (fds[1].revents) drain_wake(r);
    /* POLLERR too: a netlink socket signals ENOBUFS that way, and the receive reports it. */
    if (fds[0].revents) receive_one(r);
  }
}

static void wake(reader_t *r) {
  uint64_t one = 1;
  (void)!write(r->wake_fd, &one, sizeof one);
}

reader_t *reader_start(int fd, uv_async_t *ready) {
  reader_t *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  *r = (reader_t){.fd = fd, .ready = ready, .paused = true};
  r->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (r->wake_fd < 0) return free(r), NULL;
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->changed, NULL);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, STACK_SIZE);
  int failed = pthread_create(&r->thread, &attr, run, r);
  pthread_attr_destroy(&attr);
  if (failed) {
    close(r->wake_fd);
    free(r);
    return NULL;
  }
  return r;
}

void reader_set_paused(reader_t *r, bool paused) {
  pthread_mutex_lock(&r->lock);
  r->paused = paused;
  pthread_cond_signal(&r->changed);
  pthread_mutex_unlock(&r->lock);
  if (paused) wake(r); /* out of poll(), to see it */
}

bool reader_take(reader_t *r, reader_item_t *out) {
  pthread_mutex_lock(&r->lock);
  node_t *n = r->head;
  if (n) {
    r->head = n->next;
    if (!r->head) r->tail = NULL;
    r->count--;
    if (n->item.len > 0) r->bytes -= (size_t)n->item.len;
    pthread_cond_signal(&r->changed); /* room again */
  }
  pthread_mutex_unlock(&r->lock);
  if (!n) return false;
  *out = n->item;
  if (n != &r->last_words && !n->item.block) free(n); /* a datagram's node is its block: the taker frees it */
  return true;
}

void reader_stop(reader_t *r) {
  pthread_mutex_lock(&r->lock);
  r->stopping = true;
  pthread_cond_signal(&r->changed);
  pthread_mutex_unlock(&r->lock);
  wake(r);
  pthread_join(r->thread, NULL);
  reader_item_t it;
  while (reader_take(r, &it)) free(it.block);
  pthread_cond_destroy(&r->changed);
  pthread_mutex_destroy(&r->lock);
  close(r->wake_fd);
  free(r);
}
