/*
 * The `shim` interface of wasm/wit/shim.wit over nlshim.h, lifted by hand:
 * arguments arrive flattened (lists and strings as pointer and length, in
 * memory the host got from cabi_realloc and hands over to us), results that
 * do not fit in one core value are returned through a pointer to a static
 * area, and cabi_post_* frees what a result pointed into once the host has
 * copied it out. One call at a time: a component instance is not reentrant.
 */
#include <stdlib.h>
#include <string.h>

#include "../nlshim.h"
#include "abi.h"

#define EXPORT(name) __attribute__((export_name(NLS_WIT_SHIM name)))
#define POST_RETURN(name) __attribute__((export_name("cabi_post_" NLS_WIT_SHIM name)))

/* The area results are returned through; the host reads it before the next call. */
static union {
  struct abi_unit_result unit;
  struct abi_int_result integer;
  struct abi_datagram_result datagram;
  struct abi_bytes list;
} ret;

/* The buffer abi_expect_bytes offers to the next allocation (see abi.h). */
static struct {
  void *dest;
  uint32_t capacity;
  int taken;
} offer;
static uint8_t empty; /* what a zero-byte allocation points at: never freed */

void abi_expect_bytes(void *dest, uint32_t capacity) {
  offer.dest = dest;
  offer.capacity = capacity;
  offer.taken = 0;
}

int abi_got_expected(const void *p) {
  int hit = offer.taken && p == offer.dest;
  offer.dest = 0;
  offer.taken = 0;
  return hit;
}

__attribute__((export_name("cabi_realloc"))) void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size, (void)align; /* malloc's 16-byte alignment covers every type in the WIT */
  if (!old && offer.dest && !offer.taken && new_size <= offer.capacity) {
    offer.taken = 1; /* one allocation per offer */
    return offer.dest;
  }
  if (new_size == 0) return &empty;
  void *p = realloc(old == &empty ? 0 : old, new_size);
  if (!p) __builtin_trap(); /* the canonical ABI has no way to report it */
  return p;
}

/* Frees a block that came from cabi_realloc. */
static void release(void *p) {
  if (p && p != &empty) free(p);
}

static struct abi_unit_result *unit(int r) {
  ret.unit = r < 0 ? (struct abi_unit_result){.is_err = 1, .err = (uint16_t)-r} : (struct abi_unit_result){0};
  return &ret.unit;
}

static struct abi_int_result *integer(long r) {
  ret.integer = r < 0 ? (struct abi_int_result){.is_err = 1, .val.err = (uint16_t)-r}
                      : (struct abi_int_result){.val.ok = (int32_t)r};
  return &ret.integer;
}

/* For u32 results, which may be above INT32_MAX (port ids are): the errno comes apart from the value. */
static struct abi_int_result *u32_or_errno(int r, uint32_t value) {
  ret.integer = r < 0 ? (struct abi_int_result){.is_err = 1, .val.err = (uint16_t)-r} : (struct abi_int_result){.val.ok = (int32_t)value};
  return &ret.integer;
}

EXPORT("option-names") struct abi_bytes *shim_option_names(void) {
  static struct abi_bytes names[NLS_OPT_COUNT];
  for (int i = 0; i < NLS_OPT_COUNT; i++) {
    const char *n = nls_option_name(i);
    names[i] = (struct abi_bytes){(uint8_t *)n, (uint32_t)strlen(n)};
  }
  ret.list = (struct abi_bytes){(uint8_t *)names, NLS_OPT_COUNT};
  return &ret.list;
}

/* netns: option<variant { path(string), fd(s32) }>, flattened to four values. */
EXPORT("open") struct abi_int_result *shim_open(uint32_t protocol, int32_t has_netns, int32_t kind, int32_t a, int32_t b) {
  if (!has_netns) return integer(nls_open((int)protocol, 0, -1));
  if (kind == 1) return integer(a < 0 ? -NLS_EBADF : nls_open((int)protocol, 0, a));
  char *path = (char *)(uintptr_t)a;
  uint32_t len = (uint32_t)b;
  /* A C string of it: the bytes have the length after them, not a NUL. */
  char *z = malloc(len + 1);
  long r = -NLS_ENOMEM;
  if (z) {
    memcpy(z, path, len);
    z[len] = 0;
    r = strlen(z) == len ? nls_open((int)protocol, z, -1) : -NLS_EINVAL; /* a NUL inside would cut the path */
    free(z);
  }
  release(path);
  return integer(r);
}

EXPORT("bind") struct abi_unit_result *shim_bind(int32_t fd, uint32_t groups) {
  return unit(nls_bind(fd, groups));
}

EXPORT("join-group") struct abi_unit_result *shim_join_group(int32_t fd, uint32_t group) {
  return unit(nls_join_group(fd, group));
}

EXPORT("leave-group") struct abi_unit_result *shim_leave_group(int32_t fd, uint32_t group) {
  return unit(nls_leave_group(fd, group));
}

EXPORT("set-option") struct abi_unit_result *shim_set_option(int32_t fd, uint32_t option, int32_t value) {
  return unit(option >= NLS_OPT_COUNT ? -NLS_EINVAL : nls_set_option(fd, (int)option, value));
}

EXPORT("get-option") struct abi_int_result *shim_get_option(int32_t fd, uint32_t option) {
  int value = 0;
  int r = option >= NLS_OPT_COUNT ? -NLS_EINVAL : nls_get_option(fd, (int)option, &value);
  return integer(r < 0 ? r : value);
}

EXPORT("port-id") struct abi_int_result *shim_port_id(int32_t fd) {
  uint32_t port = 0;
  return u32_or_errno(nls_port_id(fd, &port), port);
}

EXPORT("send") struct abi_int_result *shim_send(int32_t fd, uint8_t *data, uint32_t len) {
  long r = nls_send(fd, data, len);
  release(data);
  return integer(r);
}

EXPORT("next-size") struct abi_int_result *shim_next_size(int32_t fd, uint32_t probe) {
  void *buf = probe ? malloc(probe) : 0;
  long r = nls_next_size(fd, buf, buf ? probe : 0);
  free(buf);
  return integer(r);
}

/* The next datagram into a fresh block of `capacity` bytes, which the post-return frees. */
static struct abi_datagram_result *receive(int32_t fd, uint32_t capacity) {
  uint8_t *buf = malloc(capacity ? capacity : 1);
  struct nls_recv_info info = {0};
  long r = buf ? nls_recv(fd, buf, capacity, &info) : -NLS_ENOMEM;
  if (r < 0) {
    free(buf);
    ret.datagram = (struct abi_datagram_result){.is_err = 1, .val.err = (uint16_t)-r};
  } else {
    ret.datagram = (struct abi_datagram_result){
        .val.ok = {{buf, (uint32_t)r}, (uint32_t)r, info.from_port, (uint8_t)(info.has_nsid != 0), info.nsid}};
  }
  return &ret.datagram;
}

static void free_datagram(struct abi_datagram_result *r) {
  if (!r->is_err) free(r->val.ok.data.ptr);
}

EXPORT("recv") struct abi_datagram_result *shim_recv(int32_t fd, uint32_t capacity) {
  return receive(fd, capacity);
}

POST_RETURN("recv") void shim_recv_post(struct abi_datagram_result *r) {
  free_datagram(r);
}

EXPORT("take") struct abi_datagram_result *shim_take(int32_t fd, uint32_t probe) {
  struct abi_int_result *size = shim_next_size(fd, probe);
  if (size->is_err) {
    uint16_t err = size->val.err;
    ret.datagram = (struct abi_datagram_result){.is_err = 1, .val.err = err};
    return &ret.datagram;
  }
  return receive(fd, (uint32_t)size->val.ok);
}

POST_RETURN("take") void shim_take_post(struct abi_datagram_result *r) {
  free_datagram(r);
}

EXPORT("close") struct abi_unit_result *shim_close(int32_t fd) {
  return unit(nls_close(fd));
}
