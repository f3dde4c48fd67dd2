/*
 * `host`: the platform layer of sys.h offered to JavaScript over plain fds,
 * for the WASI build of the shim, whose `sys` imports it answers (see
 * wasm/wit/shim.wit). Results are numbers, negative for a Linux errno.
 *
 * watch(fd, callback) tells when an fd is readable, with uv_poll on the
 * event loop's thread (level-triggered, like the addon's own receive): the
 * guest then reads until EAGAIN, and no thread ever sits blocked in recv.
 *
 * watch(fd, callback, true) reads ahead instead, on the socket's own reader
 * thread (reader.h, as the native transport's default): the kernel builds a
 * dump's next datagrams while JavaScript decodes the last. The guest's recv
 * calls on that fd are then answered from the thread's queue, with the same
 * semantics (MSG_PEEK leaves the datagram, MSG_TRUNC gives its whole length,
 * EAGAIN when empty); watch(fd, null) pauses the thread, and the kernel
 * queues meanwhile, as it does for an fd nobody reads.
 */
#define NAPI_VERSION 8
#include "host.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <uv.h>

#include <string.h>

#include "../nlshim.h"
#include "reader.h"

typedef struct watcher {
  union {
    uv_poll_t poll;   /* without a reader thread */
    uv_async_t ready; /* with one: it says the queue has gained an item */
  } h;                /* first: libuv hands back a pointer to it */
  int fd;             /* -1 once let go: the handle is closing */
  napi_env env;
  napi_ref callback;  /* NULL while paused (threaded only) */
  napi_async_context async;
  napi_async_cleanup_hook_handle cleanup;
  reader_t *reader;
  reader_item_t head; /* taken from the reader, not yet received: what a peek sees */
  bool has_head;
  struct watcher *next;
} watcher_t;

/*
 * One list per process is enough: watchers are few (one per receiving
 * socket), and fds are unique in a process. Workers call in from their own
 * threads, hence the lock; a watcher itself is only touched by its env's thread.
 */
static watcher_t *watchers;
static pthread_mutex_t watchers_lock = PTHREAD_MUTEX_INITIALIZER;

static napi_value num(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

/* Reads `n` int32 arguments; false (with a TypeError thrown) if any is not a number. */
static bool ints(napi_env env, napi_callback_info info, size_t n, int32_t *out, napi_value *args) {
  size_t argc = n;
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  for (size_t i = 0; i < n; i++) {
    if (i >= argc || napi_get_value_int32(env, args[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "expected numbers");
      return false;
    }
  }
  return true;
}

static watcher_t *find(int fd) {
  watcher_t *w;
  pthread_mutex_lock(&watchers_lock);
  for (w = watchers; w && w->fd != fd; w = w->next) {
  }
  pthread_mutex_unlock(&watchers_lock);
  return w;
}

static void closed(uv_handle_t *h) {
  watcher_t *w = (watcher_t *)h;
  napi_remove_async_cleanup_hook(w->cleanup);
  free(w);
}

/* Stops watching: the handle leaves epoll before anyone closes the fd, as uv_poll requires. */
static void unwatch(watcher_t *w) {
  pthread_mutex_lock(&watchers_lock);
  for (watcher_t **p = &watchers; *p; p = &(*p)->next) {
    if (*p == w) {
      *p = w->next;
      break;
    }
  }
  pthread_mutex_unlock(&watchers_lock);
  w->fd = -1;
  if (w->reader) {
    reader_stop(w->reader); /* joined: the fd is the caller's to close */
    if (w->has_head) free(w->head.block);
    w->reader = NULL;
    w->has_head = false;
  } else {
    uv_poll_stop(&w->h.poll);
  }
  if (w->callback) napi_delete_reference(w->env, w->callback);
  w->callback = NULL;
  napi_async_destroy(w->env, w->async);
  uv_close((uv_handle_t *)&w->h, closed);
}

/* A worker (or the process) is going away while watching: close the handle before the addon is unloaded. */
static void on_teardown(napi_async_cleanup_hook_handle h, void *arg) {
  (void)h;
  watcher_t *w = arg;
  int fd = w->fd;
  if (fd < 0) return;
  unwatch(w);
  nls_sys_close(fd); /* nobody is left to close it: the guest that owned it goes with the environment */
}

/* Calls the watcher's callback, as an event handler: an exception goes to 'uncaughtException'. */
static void call_back(watcher_t *w) {
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_value cb, global;
  if (!w->callback) return;
  napi_open_handle_scope(env, &scope);
  napi_get_global(env, &global);
  if (napi_get_reference_value(env, w->callback, &cb) == napi_ok && cb &&
      napi_make_callback(env, w->async, global, cb, 0, NULL, NULL) != napi_ok) {
    bool pending = false;
    napi_value e;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending && napi_get_and_clear_last_exception(env, &e) == napi_ok) {
      napi_fatal_exception(env, e);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* True if the reader has something for recv; takes it into head. */
static bool ahead(watcher_t *w) {
  if (!w->has_head && w->reader) w->has_head = reader_take(w->reader, &w->head);
  return w->has_head;
}

static void on_ready(uv_async_t *handle) {
  watcher_t *w = (watcher_t *)handle;
  int fd = w->fd;
  call_back(w);
  /* uv_async is no level trigger: while items wait (the guest stopped at its budget), come back next turn. */
  if (w->fd == fd && fd >= 0 && w->callback && ahead(w)) uv_async_send(&w->h.ready);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  watcher_t *w = (watcher_t *)handle;
  int fd = w->fd;
  call_back(w);
  /*
   * libuv reports EPOLLERR as UV_EBADF and stops the handle, but a netlink
   * socket raises EPOLLERR for ENOBUFS: the callback has read the socket, so
   * poll again if it still wants to hear (w is only freed by uv_close's callback).
   */
  if (status < 0 && w->fd == fd && fd >= 0) uv_poll_start(&w->h.poll, UV_READABLE, on_readable);
}

static watcher_t *new_watcher(napi_env env, int fd, bool threaded, int *err) {
  uv_loop_t *loop;
  napi_value name;
  watcher_t *w = calloc(1, sizeof *w);
  if (!w) return *err = -NLS_ENOMEM, NULL;
  napi_get_uv_event_loop(env, &loop);
  int r = threaded ? uv_async_init(loop, &w->h.ready, on_ready) : uv_poll_init(loop, &w->h.poll, fd);
  if (r < 0) {
    free(w);
    return *err = r == UV_EBADF ? -NLS_EBADF : -NLS_EINVAL, NULL;
  }
  if (threaded && !(w->reader = reader_start(fd, &w->h.ready))) {
    uv_close((uv_handle_t *)&w->h, (uv_close_cb)free);
    return *err = -NLS_ENOMEM, NULL;
  }
  w->fd = fd;
  w->env = env;
  napi_create_string_utf8(env, "nlwire:host-watch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->async);
  napi_add_async_cleanup_hook(env, on_teardown, w, &w->cleanup);
  pthread_mutex_lock(&watchers_lock);
  w->next = watchers;
  watchers = w;
  pthread_mutex_unlock(&watchers_lock);
  return w;
}

/*
 * watch(fd, callback | null, threaded?) → 0 | -errno; a second call swaps
 * the callback. The mode is fixed by the first call (EINVAL to change it);
 * with a reader thread, null pauses it and the watch lasts until close(fd).
 */
static napi_value js_watch(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_valuetype t = napi_undefined;
  int32_t fd;
  bool threaded = false;
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, args[0], &fd) != napi_ok) return napi_throw_type_error(env, NULL, "expected an fd"), NULL;
  if (argc > 2) napi_get_value_bool(env, args[2], &threaded);
  napi_typeof(env, args[1], &t);
  watcher_t *w = find(fd);
  if (w && t == napi_function && threaded != (w->reader != NULL)) return num(env, -NLS_EINVAL);
  if (t != napi_function) {
    if (w && w->reader) {
      reader_set_paused(w->reader, true);
      if (w->callback) napi_delete_reference(env, w->callback);
      w->callback = NULL;
    } else if (w) {
      unwatch(w);
    }
    return num(env, 0);
  }
  int err = 0;
  if (!w && !(w = new_watcher(env, fd, threaded, &err))) return num(env, err);
  if (w->callback) napi_delete_reference(env, w->callback);
  napi_create_reference(env, args[1], 1, &w->callback);
  if (w->reader) {
    reader_set_paused(w->reader, false);
    if (ahead(w)) uv_async_send(&w->h.ready); /* what was queued before the pause: no new item will say so */
    return num(env, 0);
  }
  return num(env, uv_poll_start(&w->h.poll, UV_READABLE, on_readable) < 0 ? -NLS_EINVAL : 0);
}

static napi_value js_socket(napi_env env, napi_callback_info info) {
  int32_t a[1];
  napi_value v[1];
  return ints(env, info, 1, a, v) ? num(env, nls_sys_socket(a[0])) : NULL;
}

static napi_value js_bind(napi_env env, napi_callback_info info) {
  int32_t a[3];
  napi_value v[3];
  if (!ints(env, info, 3, a, v)) return NULL;
  struct nls_sockaddr_nl addr = {.family = NLS_AF_NETLINK, .port_id = (uint32_t)a[1], .groups = (uint32_t)a[2]};
  return num(env, nls_sys_bind(a[0], &addr));
}

/* getsockname(fd) → [port id, groups] | -errno */
static napi_value js_getsockname(napi_env env, napi_callback_info info) {
  int32_t a[1];
  napi_value v[1], out;
  struct nls_sockaddr_nl addr = {0};
  if (!ints(env, info, 1, a, v)) return NULL;
  int r = nls_sys_getsockname(a[0], &addr);
  if (r < 0) return num(env, r);
  napi_create_array_with_length(env, 2, &out);
  napi_set_element(env, out, 0, num(env, addr.port_id));
  napi_set_element(env, out, 1, num(env, addr.groups));
  return out;
}

static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  int32_t a[4];
  napi_value v[4];
  return ints(env, info, 4, a, v) ? num(env, nls_sys_setsockopt(a[0], a[1], a[2], a[3])) : NULL;
}

/* getsockopt(fd, level, name) → value (the options it serves are never negative) | -errno */
static napi_value js_getsockopt(napi_env env, napi_callback_info info) {
  int32_t a[3];
  napi_value v[3];
  int value = 0;
  if (!ints(env, info, 3, a, v)) return NULL;
  int r = nls_sys_getsockopt(a[0], a[1], a[2], &value);
  return num(env, r < 0 ? r : value);
}

/* sendto(fd, Uint8Array, port id, groups) → bytes sent | -errno */
static napi_value js_sendto(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4], ab;
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  int32_t fd, port, groups;
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 4 || napi_get_value_int32(env, args[0], &fd) != napi_ok || napi_get_value_int32(env, args[2], &port) != napi_ok ||
      napi_get_value_int32(env, args[3], &groups) != napi_ok ||
      napi_get_typedarray_info(env, args[1], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array) {
    return napi_throw_type_error(env, NULL, "expected fd, Uint8Array, port id, groups"), NULL;
  }
  struct nls_sockaddr_nl to = {.family = NLS_AF_NETLINK, .port_id = (uint32_t)port, .groups = (uint32_t)groups};
  long r;
  do r = nls_sys_sendto(fd, data, length, &to);
  while (r == -NLS_EINTR);
  return num(env, (double)r);
}

/*
 * recv from a reader thread's queue, as recvmsg would give it: the head
 * stays for MSG_PEEK; an error item is reported once.
 */
static long recv_queued(watcher_t *w, void *buf, size_t len, int flags, struct nls_recv_info *ri) {
  if (!ahead(w)) return -NLS_EAGAIN;
  reader_item_t *it = &w->head;
  long n = it->len;
  if (n >= 0) {
    memcpy(buf, it->data, (size_t)n < len ? (size_t)n : len);
    *ri = it->info;
  }
  if (n < 0 || !(flags & NLS_MSG_PEEK)) {
    free(it->block);
    w->has_head = false;
  }
  if (n < 0) return n;
  return (flags & NLS_MSG_TRUNC) || (size_t)n <= len ? n : (long)len;
}

/*
 * recv(fd, buf: Uint8Array, len, flags, info: Int32Array(4)) → bytes put in
 * buf (at most len) | -errno. info gets [whole length (with MSG_TRUNC),
 * sender's port id, has nsid, nsid]. The caller's buffer is reused, so a
 * receive allocates nothing.
 */
static napi_value js_recv(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5], ab;
  napi_typedarray_type type;
  size_t buf_len, info_len, offset;
  void *buf, *info_data;
  int32_t fd, len, flags;
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 5 || napi_get_value_int32(env, args[0], &fd) != napi_ok ||
      napi_get_typedarray_info(env, args[1], &type, &buf_len, &buf, &ab, &offset) != napi_ok || type != napi_uint8_array ||
      napi_get_value_int32(env, args[2], &len) != napi_ok || napi_get_value_int32(env, args[3], &flags) != napi_ok || len < 0 ||
      (size_t)len > buf_len ||
      napi_get_typedarray_info(env, args[4], &type, &info_len, &info_data, &ab, &offset) != napi_ok || type != napi_int32_array ||
      info_len < 4) {
    return napi_throw_type_error(env, NULL, "expected fd, Uint8Array, length (<= its size), flags, Int32Array(4)"), NULL;
  }
  struct nls_recv_info ri = {0};
  unsigned char none;
  watcher_t *w = find(fd);
  long r;
  if (w && w->reader) r = recv_queued(w, len ? buf : &none, (size_t)len, flags, &ri);
  else do r = nls_sys_recv(fd, len ? buf : &none, (size_t)len, flags, &ri);
    while (r == -NLS_EINTR);
  if (r < 0) return num(env, (double)r);
  int32_t *o = info_data;
  o[0] = (int32_t)r;
  o[1] = (int32_t)ri.from_port;
  o[2] = ri.has_nsid;
  o[3] = ri.nsid;
  return num(env, (double)(r < len ? r : len));
}

/* close(fd) → 0 | -errno; a watch on the fd ends first. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  int32_t a[1];
  napi_value v[1];
  if (!ints(env, info, 1, a, v)) return NULL;
  watcher_t *w = find(a[0]);
  if (w) unwatch(w);
  return num(env, nls_sys_close(a[0]));
}

static napi_value js_netns_current(napi_env env, napi_callback_info info) {
  (void)info;
  return num(env, nls_sys_netns_current());
}

static napi_value js_netns_open(napi_env env, napi_callback_info info) {
  size_t argc = 1, len;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, arg, NULL, 0, &len) != napi_ok) return napi_throw_type_error(env, NULL, "expected a path"), NULL;
  char *path = malloc(len + 1);
  if (!path) return num(env, -NLS_ENOMEM);
  napi_get_value_string_utf8(env, arg, path, len + 1, &len);
  int r = nls_sys_netns_open(path);
  free(path);
  return num(env, r);
}

static napi_value js_netns_enter(napi_env env, napi_callback_info info) {
  int32_t a[1];
  napi_value v[1];
  return ints(env, info, 1, a, v) ? num(env, nls_sys_netns_enter(a[0])) : NULL;
}

void nls_host_register(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getsockname", NULL, js_getsockname, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockopt", NULL, js_setsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getsockopt", NULL, js_getsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendto", NULL, js_sendto, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recv", NULL, js_recv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsCurrent", NULL, js_netns_current, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsOpen", NULL, js_netns_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsEnter", NULL, js_netns_enter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value host;
  napi_create_object(env, &host);
  napi_define_properties(env, host, sizeof props / sizeof props[0], props);
  napi_set_named_property(env, exports, "host", host);
}
