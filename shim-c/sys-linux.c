/* The platform layer of sys.h on Linux, through libc. */
#define _GNU_SOURCE
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* sys.h spells the kernel's numbers out by hand; the compiler checks them here. */
_Static_assert(NLS_AF_NETLINK == AF_NETLINK, "AF_NETLINK");
_Static_assert(NLS_SOL_SOCKET == SOL_SOCKET && NLS_SOL_NETLINK == SOL_NETLINK, "levels");
_Static_assert(NLS_SO_SNDBUF == SO_SNDBUF && NLS_SO_RCVBUF == SO_RCVBUF && NLS_SO_RCVBUFFORCE == SO_RCVBUFFORCE, "SO_*");
_Static_assert(NLS_NETLINK_ADD_MEMBERSHIP == NETLINK_ADD_MEMBERSHIP && NLS_NETLINK_DROP_MEMBERSHIP == NETLINK_DROP_MEMBERSHIP,
               "memberships");
_Static_assert(NLS_NETLINK_BROADCAST_ERROR == NETLINK_BROADCAST_ERROR && NLS_NETLINK_NO_ENOBUFS == NETLINK_NO_ENOBUFS &&
                   NLS_NETLINK_LISTEN_ALL_NSID == NETLINK_LISTEN_ALL_NSID && NLS_NETLINK_CAP_ACK == NETLINK_CAP_ACK &&
                   NLS_NETLINK_EXT_ACK == NETLINK_EXT_ACK && NLS_NETLINK_GET_STRICT_CHK == NETLINK_GET_STRICT_CHK,
               "NETLINK_*");
_Static_assert(NLS_MSG_PEEK == MSG_PEEK && NLS_MSG_TRUNC == MSG_TRUNC, "MSG_*");

static long result(long r) {
  return r < 0 ? -errno : r;
}

static struct sockaddr_nl to_native(const struct nls_sockaddr_nl *a) {
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = a->family;
  sa.nl_pid = a->port_id;
  sa.nl_groups = a->groups;
  return sa;
}

int nls_sys_socket(int protocol) {
  return (int)result(socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
}

int nls_sys_bind(int fd, const struct nls_sockaddr_nl *addr) {
  struct sockaddr_nl sa = to_native(addr);
  return (int)result(bind(fd, (struct sockaddr *)&sa, sizeof sa));
}

int nls_sys_getsockname(int fd, struct nls_sockaddr_nl *addr) {
  struct sockaddr_nl sa;
  socklen_t len = sizeof sa;
  memset(&sa, 0, sizeof sa);
  int r = (int)result(getsockname(fd, (struct sockaddr *)&sa, &len));
  if (r >= 0) *addr = (struct nls_sockaddr_nl){.family = sa.nl_family, .port_id = sa.nl_pid, .groups = sa.nl_groups};
  return r;
}

int nls_sys_setsockopt(int fd, int level, int name, int value) {
  return (int)result(setsockopt(fd, level, name, &value, sizeof value));
}

int nls_sys_getsockopt(int fd, int level, int name, int *value) {
  socklen_t len = sizeof *value;
  return (int)result(getsockopt(fd, level, name, value, &len));
}

long nls_sys_sendto(int fd, const void *buf, size_t len, const struct nls_sockaddr_nl *to) {
  struct sockaddr_nl sa = to_native(to);
  return result(sendto(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa));
}

long nls_sys_recv(int fd, void *buf, size_t len, int flags, struct nls_recv_info *info) {
  struct sockaddr_nl from;
  struct iovec iov = {.iov_base = buf, .iov_len = len};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {
      .msg_name = &from,
      .msg_namelen = sizeof from,
      .msg_iov = &iov,
      .msg_iovlen = 1,
      .msg_control = control.buf,
      .msg_controllen = sizeof control.buf,
  };
  memset(&from, 0, sizeof from);
  long r = result(recvmsg(fd, &msg, MSG_DONTWAIT | flags));
  if (r < 0 || !info) return r;
  *info = (struct nls_recv_info){.from_port = from.nl_pid};
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_NETLINK && c->cmsg_type == NETLINK_LISTEN_ALL_NSID) {
      memcpy(&info->nsid, CMSG_DATA(c), sizeof(int));
      info->has_nsid = 1;
    }
  }
  return r;
}

int nls_sys_close(int fd) {
  return (int)result(close(fd));
}

int nls_sys_netns_current(void) {
  /* thread-self, not self: setns moves only the calling thread, which need not be the main one. */
  return nls_sys_netns_open("/proc/thread-self/ns/net");
}

int nls_sys_netns_open(const char *path) {
  return (int)result(open(path, O_RDONLY | O_CLOEXEC));
}

int nls_sys_netns_enter(int fd) {
  return (int)result(setns(fd, CLONE_NEWNET));
}

void nls_sys_fatal(const char *message) {
  fprintf(stderr, "%s: %s\n", message, strerror(errno));
  abort();
}
