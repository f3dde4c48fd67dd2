/*
 * The Node-API glue over nlshim: sockets as tagged externals, errors as
 * negative errno numbers (transport/native.ts turns them into typed errors),
 * and asynchronous receive in one of two ways, chosen at the first start():
 * uv_poll on the non-blocking fd, reading on the event loop's own thread, or
 * the socket's own reader thread (reader.h), which hands datagrams over
 * through a uv_async. Either way no thread-pool thread ever waits in recv.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../nlshim.h"
#include "reader.h"
#include "host.h"
#include "tun.h"

/*
 * Datagrams read per readiness callback. A dump refills the socket from
 * inside recv, so "until EAGAIN" could mean a whole million-route dump in
 * one callback; after this many the loop gets a turn, and uv_poll, which is
 * level-triggered, calls back on its next iteration.
 */
#define DRAIN_BUDGET 64

typedef struct sock sock_t;

/*
 * The loop handle (uv_poll, or uv_async with a reader thread), created on
 * first receive and closed with the socket. It outlives the socket until
 * libuv calls back from uv_close. Its cleanup hook makes a worker's exit
 * close it and wait for that callback: otherwise the worker would unload
 * this addon with the callback still pending, and libuv would then call
 * into unmapped code.
 */
typedef struct {
  union { /* first: libuv hands back a pointer to it */
    uv_handle_t handle;
    uv_poll_t poll;
    uv_async_t async;
  } h;
  sock_t *sock; /* NULL once the socket has let go */
  napi_async_cleanup_hook_handle cleanup;
} poller_t;

struct sock {
  int fd;                    /* -1 once closed */
  napi_env env;
  poller_t *poll;
  reader_t *reader;          /* with a reader thread; poll then holds its uv_async */
  napi_ref callback;         /* the receiver, while receiving */
  napi_ref self;             /* strong while receiving: a socket in use is never collected */
  napi_async_context async;  /* so that callbacks run with async hooks and microtasks as usual */
  bool draining, finalized;  /* the finalizer defers free() while a drain is on the stack */
  bool wide_dumps;           /* a peek has offered NLS_DUMP_BUFFER (see nls_next_size) */
};

static const napi_type_tag SOCK_TAG = {0x6e6c776972657368ULL, 0x696d736f636b6574ULL};

static napi_value num(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

static napi_value undefined(napi_env env) {
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

/* The socket behind args[0]; NULL (with a TypeError thrown) for anything else. */
static sock_t *sock_arg(napi_env env, napi_callback_info info, size_t want, napi_value *args) {
  size_t argc = want;
  bool ours = false;
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < want || napi_check_object_type_tag(env, args[0], &SOCK_TAG, &ours) != napi_ok || !ours ||
      napi_get_value_external(env, args[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an nlwire socket and its arguments");
    return NULL;
  }
  return data;
}

static bool u32_arg(napi_env env, napi_value v, uint32_t *out) {
  if (napi_get_value_uint32(env, v, out) == napi_ok) return true;
  napi_throw_type_error(env, NULL, "expected a number");
  return false;
}

/* Stops delivery; the loop handle (and reader) stay for a later start. */
static void stop_receiving(sock_t *s) {
  if (s->reader) {
    reader_set_paused(s->reader, true);
    uv_unref(&s->poll->h.handle); /* a paused socket keeps no loop alive, as a stopped uv_poll does not */
  } else if (s->poll) {
    uv_poll_stop(&s->poll->h.poll);
  }
  if (s->callback) napi_delete_reference(s->env, s->callback);
  if (s->self) napi_delete_reference(s->env, s->self);
  s->callback = s->self = NULL;
}

static void poller_closed(uv_handle_t *h) {
  poller_t *p = (poller_t *)h;
  napi_remove_async_cleanup_hook(p->cleanup);
  free(p);
}

static void close_sock(sock_t *s) {
  stop_receiving(s);
  /* The thread is joined, and the handle leaves epoll, before the fd is closed. */
  if (s->reader) reader_stop(s->reader);
  s->reader = NULL;
  if (s->poll) {
    s->poll->sock = NULL;
    uv_close(&s->poll->h.handle, poller_closed);
  }
  s->poll = NULL;
  if (s->async) napi_async_destroy(s->env, s->async);
  s->async = NULL;
  if (s->fd >= 0) nls_close(s->fd);
  s->fd = -1;
}

/* The environment (a worker, the process) is going away with the socket still open. */
static void on_teardown(napi_async_cleanup_hook_handle h, void *arg) {
  (void)h;
  poller_t *p = arg;
  if (p->sock) close_sock(p->sock); /* else a close is under way, and poller_closed removes the hook */
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  sock_t *s = data;
  close_sock(s); /* the last resort: close() was never called */
  s->finalized = true;
  if (!s->draining) free(s);
}

/* Calls the receiver as (datagram | undefined, errno, fromPort, nsid | undefined); false if it threw. */
static bool deliver(sock_t *s, napi_value datagram, long err, const struct nls_recv_info *ri) {
  napi_env env = s->env;
  napi_value cb, global, argv[4];
  if (napi_get_reference_value(env, s->callback, &cb) != napi_ok || !cb) return false;
  napi_get_global(env, &global); /* napi_make_callback wants an object as `this` */
  argv[0] = datagram ? datagram : undefined(env);
  argv[1] = num(env, (double)err);
  argv[2] = num(env, ri ? ri->from_port : 0);
  argv[3] = ri && ri->has_nsid ? num(env, ri->nsid) : undefined(env);
  if (napi_make_callback(env, s->async, global, cb, 4, argv, NULL) == napi_ok) return true;
  /* As with an exception in an event handler: 'uncaughtException', or the process ends. */
  bool pending = false;
  napi_value e;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending && napi_get_and_clear_last_exception(env, &e) == napi_ok) {
    napi_fatal_exception(env, e);
  }
  return false;
}

/* One datagram in a fresh ArrayBuffer of exactly its size: nothing is ever reused under JS. */
static long take_one(sock_t *s, long size, napi_value *out, struct nls_recv_info *ri) {
  void *data;
  napi_value ab;
  if (napi_create_arraybuffer(s->env, (size_t)size, &data, &ab) != napi_ok) return -NLS_ENOMEM;
  long n = nls_recv(s->fd, data, (size_t)size, ri);
  if (n >= 0) napi_create_typedarray(s->env, napi_uint8_array, (size_t)n, ab, 0, out);
  return n;
}

static void drain(sock_t *s) {
  for (int budget = DRAIN_BUDGET; budget > 0 && s->callback && s->fd >= 0; budget--) {
    napi_handle_scope scope;
    napi_open_handle_scope(s->env, &scope);
    struct nls_recv_info ri = {0};
    napi_value datagram = NULL;
    long n = next_datagram_size(s->fd, &s->wide_dumps);
    if (n >= 0) n = take_one(s, n, &datagram, &ri);
    bool go_on = n != -NLS_EAGAIN && deliver(s, datagram, n < 0 ? n : 0, &ri);
    napi_close_handle_scope(s->env, scope);
    if (!go_on) break;
    /* ENOBUFS says messages were dropped; the queue behind it is intact. Anything else ends reception. */
    if (n < 0 && n != -NLS_ENOBUFS) {
      stop_receiving(s);
      break;
    }
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  sock_t *s = ((poller_t *)handle)->sock;
  /*
   * libuv reports EPOLLERR as UV_EBADF and stops the handle, but a netlink
   * socket signals EPOLLERR for ENOBUFS (netlink_overrun sets sk_err). The
   * socket itself says what happened: drain it, then poll again.
   */
  s->draining = true;
  drain(s);
  s->draining = false;
  if (s->finalized) {
    free(s);
    return;
  }
  if (status < 0 && s->callback && s->poll) uv_poll_start(&s->poll->h.poll, UV_READABLE, on_readable);
}

static void free_block(napi_env env, void *data, void *block) {
  (void)env, (void)data;
  free(block);
}

/* A datagram from the reader thread as a Uint8Array over its own block (copied where externals are refused). */
static napi_value wrap_datagram(napi_env env, reader_item_t *it) {
  napi_value ab, out = NULL;
  void *copy;
  if (napi_create_external_arraybuffer(env, it->data, (size_t)it->len, free_block, it->block, &ab) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) napi_get_and_clear_last_exception(env, &ab);
    if (napi_create_arraybuffer(env, (size_t)it->len, &copy, &ab) != napi_ok) return free(it->block), NULL;
    memcpy(copy, it->data, (size_t)it->len);
    free(it->block);
  }
  napi_create_typedarray(env, napi_uint8_array, (size_t)it->len, ab, 0, &out);
  return out;
}

/* The reader thread has queued something: deliver it, DRAIN_BUDGET at a time. */
static void on_ready(uv_async_t *handle) {
  sock_t *s = ((poller_t *)handle)->sock;
  if (!s || !s->reader) return;
  s->draining = true;
  int budget = DRAIN_BUDGET;
  reader_item_t it;
  for (; budget > 0 && s->callback && s->reader && reader_take(s->reader, &it); budget--) {
    napi_handle_scope scope;
    napi_open_handle_scope(s->env, &scope);
    napi_value datagram = it.len >= 0 ? wrap_datagram(s->env, &it) : NULL;
    long err = it.len >= 0 ? (datagram ? 0 : -NLS_ENOMEM) : it.len;
    bool delivered = deliver(s, datagram, err, &it.info);
    napi_close_handle_scope(s->env, scope);
    if (err < 0 && err != -NLS_ENOBUFS) stop_receiving(s);
    if (!delivered) break;
  }
  s->draining = false;
  if (s->finalized) {
    free(s);
    return;
  }
  /* More may be queued than one turn delivers: come back after the loop has had its turn. */
  if (budget == 0 && s->callback && s->poll) uv_async_send(&s->poll->h.async);
}

/* open(protocol, netns?: string | number) → socket | -errno */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2], out;
  napi_valuetype t = napi_undefined;
  uint32_t protocol;
  int32_t ns_fd = -1;
  char *ns_path = NULL;
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 1 || !u32_arg(env, args[0], &protocol)) return NULL;
  if (argc > 1) napi_typeof(env, args[1], &t);
  if (t == napi_number) {
    napi_get_value_int32(env, args[1], &ns_fd);
    if (ns_fd < 0) return num(env, -NLS_EBADF);
  } else if (t == napi_string) {
    size_t len;
    napi_get_value_string_utf8(env, args[1], NULL, 0, &len);
    if (!(ns_path = malloc(len + 1))) return num(env, -NLS_ENOMEM);
    napi_get_value_string_utf8(env, args[1], ns_path, len + 1, &len);
  }
  sock_t *s = calloc(1, sizeof *s);
  int fd = s ? nls_open((int)protocol, ns_path, ns_fd) : -NLS_ENOMEM;
  free(ns_path);
  if (fd < 0) {
    free(s);
    return num(env, fd);
  }
  *s = (sock_t){.fd = fd, .env = env};
  if (napi_create_external(env, s, finalize, NULL, &out) != napi_ok ||
      napi_type_tag_object(env, out, &SOCK_TAG) != napi_ok) {
    nls_close(fd);
    free(s);
    return num(env, -NLS_ENOMEM);
  }
  return out;
}

/* bind(socket, groups) · join(socket, group) · leave(socket, group) → 0 | -errno */
static napi_value js_bind(napi_env env, napi_callback_info info) {
  napi_value a[2];
  uint32_t v;
  sock_t *s = sock_arg(env, info, 2, a);
  if (!s || !u32_arg(env, a[1], &v)) return NULL;
  return num(env, s->fd < 0 ? -NLS_EBADF : nls_bind(s->fd, v));
}

static napi_value membership(napi_env env, napi_callback_info info, int (*op)(int, uint32_t)) {
  napi_value a[2];
  uint32_t v;
  sock_t *s = sock_arg(env, info, 2, a);
  if (!s || !u32_arg(env, a[1], &v)) return NULL;
  return num(env, s->fd < 0 ? -NLS_EBADF : op(s->fd, v));
}

static napi_value js_join(napi_env env, napi_callback_info info) {
  return membership(env, info, nls_join_group);
}

static napi_value js_leave(napi_env env, napi_callback_info info) {
  return membership(env, info, nls_leave_group);
}

/* setOption(socket, index, value) → 0 | -errno */
static napi_value js_set_option(napi_env env, napi_callback_info info) {
  napi_value a[3];
  uint32_t opt;
  int32_t value;
  sock_t *s = sock_arg(env, info, 3, a);
  if (!s || !u32_arg(env, a[1], &opt)) return NULL;
  if (napi_get_value_int32(env, a[2], &value) != napi_ok) return napi_throw_type_error(env, NULL, "expected a number"), NULL;
  return num(env, s->fd < 0 ? -NLS_EBADF : nls_set_option(s->fd, (int)opt, value));
}

/* getOption(socket, index) → value (never negative) | -errno */
static napi_value js_get_option(napi_env env, napi_callback_info info) {
  napi_value a[2];
  uint32_t opt;
  int value = 0;
  sock_t *s = sock_arg(env, info, 2, a);
  if (!s || !u32_arg(env, a[1], &opt)) return NULL;
  int r = s->fd < 0 ? -NLS_EBADF : nls_get_option(s->fd, (int)opt, &value);
  return num(env, r < 0 ? (double)r : (double)value);
}

/* portId(socket) → u32 | -errno */
static napi_value js_port_id(napi_env env, napi_callback_info info) {
  napi_value a[1];
  uint32_t port = 0;
  sock_t *s = sock_arg(env, info, 1, a);
  if (!s) return NULL;
  int r = s->fd < 0 ? -NLS_EBADF : nls_port_id(s->fd, &port);
  return num(env, r < 0 ? (double)r : (double)port);
}

/* send(socket, Uint8Array) → bytes sent | -errno */
static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value a[2], ab;
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  sock_t *s = sock_arg(env, info, 2, a);
  if (!s) return NULL;
  if (napi_get_typedarray_info(env, a[1], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array) {
    return napi_throw_type_error(env, NULL, "expected a Uint8Array"), NULL;
  }
  return num(env, s->fd < 0 ? -NLS_EBADF : (double)nls_send(s->fd, data, length));
}

/* The loop handle of the mode asked for: uv_poll on the fd, or a uv_async fed by a reader thread. */
static int make_poller(napi_env env, sock_t *s, bool threaded) {
  uv_loop_t *loop;
  poller_t *p = calloc(1, sizeof *p);
  if (!p) return -NLS_ENOMEM;
  napi_get_uv_event_loop(env, &loop);
  int r = threaded ? uv_async_init(loop, &p->h.async, on_ready) : uv_poll_init(loop, &p->h.poll, s->fd);
  if (r < 0) return free(p), r;
  p->sock = s;
  if (threaded && !(s->reader = reader_start(s->fd, &p->h.async))) {
    uv_close(&p->h.handle, (uv_close_cb)free);
    return -NLS_ENOMEM;
  }
  napi_add_async_cleanup_hook(env, on_teardown, p, &p->cleanup);
  s->poll = p;
  return 0;
}

/*
 * start(socket, callback, threaded?) → 0 | -errno: delivers datagrams until
 * stop or close; a second call swaps the callback. The first call picks the
 * mode for good (a later call asking for the other one is -EINVAL).
 */
static napi_value js_start(napi_env env, napi_callback_info info) {
  napi_value a[3], name;
  napi_valuetype t;
  bool threaded = false;
  size_t argc = 3;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  sock_t *s = sock_arg(env, info, 2, a);
  if (!s) return NULL;
  if (napi_typeof(env, a[1], &t) != napi_ok || t != napi_function) return napi_throw_type_error(env, NULL, "expected a function"), NULL;
  if (argc > 2) napi_get_value_bool(env, a[2], &threaded);
  if (s->fd < 0) return num(env, -NLS_EBADF);
  if (s->poll && threaded != (s->reader != NULL)) return num(env, -NLS_EINVAL);
  if (!s->poll) {
    int r = make_poller(env, s, threaded);
    if (r < 0) return num(env, r);
  }
  if (!s->async) {
    napi_create_string_utf8(env, "nlwire:socket", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, NULL, name, &s->async);
  }
  if (s->callback) napi_delete_reference(env, s->callback);
  napi_create_reference(env, a[1], 1, &s->callback);
  if (!s->self) napi_create_reference(env, a[0], 1, &s->self);
  if (!s->reader) return num(env, uv_poll_start(&s->poll->h.poll, UV_READABLE, on_readable));
  uv_ref(&s->poll->h.handle);
  reader_set_paused(s->reader, false);
  uv_async_send(&s->poll->h.async); /* what was queued while paused */
  return num(env, 0);
}

/* stop(socket) · close(socket) → 0; both are idempotent. */
static napi_value js_stop(napi_env env, napi_callback_info info) {
  napi_value a[1];
  sock_t *s = sock_arg(env, info, 1, a);
  if (!s) return NULL;
  stop_receiving(s);
  return num(env, 0);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value a[1];
  sock_t *s = sock_arg(env, info, 1, a);
  if (!s) return NULL;
  close_sock(s);
  return num(env, 0);
}

/* The option names in the shim's numbering: the index is what setOption takes. */
static napi_value option_names(napi_env env) {
  napi_value list, name;
  napi_create_array(env, &list);
  for (int i = 0; nls_option_name(i); i++) {
    napi_create_string_utf8(env, nls_option_name(i), NAPI_AUTO_LENGTH, &name);
    napi_set_element(env, list, (uint32_t)i, name);
  }
  return list;
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"join", NULL, js_join, NULL, NULL, NULL, napi_enumerable, NULL},
      {"leave", NULL, js_leave, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setOption", NULL, js_set_option, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getOption", NULL, js_get_option, NULL, NULL, NULL, napi_enumerable, NULL},
      {"portId", NULL, js_port_id, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"start", NULL, js_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stop", NULL, js_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"options", NULL, NULL, NULL, NULL, option_names(env), napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  nls_host_register(env, exports); /* the raw calls for the WASI build's native-backed host */
  nls_tun_register(env, exports);
  return exports;
}
