/*
 * The platform layer of sys.h for wasm32-wasi: every system call is an
 * import from the host (the `sys` interface of wasm/wit/shim.wit). WASI
 * itself is not used at all, so the module needs no WASI adapter, and the
 * host alone decides what a socket reaches: a kernel, a capture, a policy.
 * Errnos come from the host in Linux's numbering, as sys.h wants them.
 */
#include "sys.h"

#include <stdlib.h>
#include <string.h>

#include "wasi/abi.h"

#define SYS_IMPORT(name) __attribute__((import_module(NLS_WIT_SYS), import_name(name)))

SYS_IMPORT("socket") void host_socket(uint32_t protocol, struct abi_int_result *ret);
SYS_IMPORT("bind") void host_bind(int32_t fd, uint32_t port_id, uint32_t groups, struct abi_unit_result *ret);
SYS_IMPORT("getsockname") void host_getsockname(int32_t fd, struct abi_pair_result *ret);
SYS_IMPORT("setsockopt") void host_setsockopt(int32_t fd, int32_t level, int32_t name, int32_t value, struct abi_unit_result *ret);
SYS_IMPORT("getsockopt") void host_getsockopt(int32_t fd, int32_t level, int32_t name, struct abi_int_result *ret);
SYS_IMPORT("sendto")
void host_sendto(int32_t fd, const void *data, uint32_t len, uint32_t port_id, uint32_t groups, struct abi_int_result *ret);
SYS_IMPORT("recv") void host_recv(int32_t fd, uint32_t len, int32_t flags, struct abi_datagram_result *ret);
SYS_IMPORT("close") void host_close(int32_t fd, struct abi_unit_result *ret);
SYS_IMPORT("netns-current") void host_netns_current(struct abi_int_result *ret);
SYS_IMPORT("netns-open") void host_netns_open(const char *path, uint32_t len, struct abi_int_result *ret);
SYS_IMPORT("netns-enter") void host_netns_enter(int32_t fd, struct abi_unit_result *ret);
SYS_IMPORT("fatal") void host_fatal(const char *message, uint32_t len);

static int unit(struct abi_unit_result r) {
  return r.is_err ? -(int)r.err : 0;
}

static int integer(struct abi_int_result r) {
  return r.is_err ? -(int)r.val.err : r.val.ok;
}

int nls_sys_socket(int protocol) {
  struct abi_int_result r;
  host_socket((uint32_t)protocol, &r);
  return integer(r);
}

int nls_sys_bind(int fd, const struct nls_sockaddr_nl *addr) {
  struct abi_unit_result r;
  host_bind(fd, addr->port_id, addr->groups, &r);
  return unit(r);
}

int nls_sys_getsockname(int fd, struct nls_sockaddr_nl *addr) {
  struct abi_pair_result r;
  host_getsockname(fd, &r);
  if (r.is_err) return -(int)r.val.err;
  *addr = (struct nls_sockaddr_nl){.family = NLS_AF_NETLINK, .port_id = r.val.ok.a, .groups = r.val.ok.b};
  return 0;
}

int nls_sys_setsockopt(int fd, int level, int name, int value) {
  struct abi_unit_result r;
  host_setsockopt(fd, level, name, value, &r);
  return unit(r);
}

int nls_sys_getsockopt(int fd, int level, int name, int *value) {
  struct abi_int_result r;
  host_getsockopt(fd, level, name, &r);
  if (!r.is_err) *value = r.val.ok;
  return r.is_err ? -(int)r.val.err : 0;
}

long nls_sys_sendto(int fd, const void *buf, size_t len, const struct nls_sockaddr_nl *to) {
  struct abi_int_result r;
  host_sendto(fd, buf, (uint32_t)len, to->port_id, to->groups, &r);
  return r.is_err ? -(long)r.val.err : (long)(uint32_t)r.val.ok;
}

long nls_sys_recv(int fd, void *buf, size_t len, int flags, struct nls_recv_info *info) {
  struct abi_datagram_result r;
  abi_expect_bytes(buf, (uint32_t)len);
  host_recv(fd, (uint32_t)len, flags, &r);
  int in_place = abi_got_expected(r.is_err ? 0 : r.val.ok.data.ptr);
  if (r.is_err) return -(long)r.val.err;
  struct abi_datagram *d = &r.val.ok;
  if (!in_place) {
    /* The host gave the bytes a block of their own (or gave none): copy what fits. */
    memcpy(buf, d->data.ptr, d->data.len < len ? d->data.len : len);
    free(d->data.ptr);
  }
  if (info) *info = (struct nls_recv_info){.from_port = d->from_port, .nsid = d->nsid, .has_nsid = d->has_nsid};
  /* Without MSG_TRUNC recvmsg returns what it copied; with it, the datagram's whole length. */
  return (flags & NLS_MSG_TRUNC) ? (long)d->length : (long)(d->length < len ? d->length : len);
}

int nls_sys_close(int fd) {
  struct abi_unit_result r;
  host_close(fd, &r);
  return unit(r);
}

int nls_sys_netns_current(void) {
  struct abi_int_result r;
  host_netns_current(&r);
  return integer(r);
}

int nls_sys_netns_open(const char *path) {
  struct abi_int_result r;
  host_netns_open(path, (uint32_t)strlen(path), &r);
  return integer(r);
}

int nls_sys_netns_enter(int fd) {
  struct abi_unit_result r;
  host_netns_enter(fd, &r);
  return unit(r);
}

void nls_sys_fatal(const char *message) {
  host_fatal(message, (uint32_t)strlen(message));
  __builtin_trap(); /* a host that returns anyway gets a trap, never a guest going on */
}
