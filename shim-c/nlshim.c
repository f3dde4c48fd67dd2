/* The shim's logic, over the platform layer of sys.h (see nlshim.h). */
#include "nlshim.h"

struct option_def {
  const char *name;
  int level;
  int optname;
};

/* Indexed by enum nls_option. */
static const struct option_def OPTIONS[NLS_OPT_COUNT] = {
    [NLS_OPT_EXT_ACK] = {"extAck", NLS_SOL_NETLINK, NLS_NETLINK_EXT_ACK},
    [NLS_OPT_GET_STRICT_CHK] = {"getStrictChk", NLS_SOL_NETLINK, NLS_NETLINK_GET_STRICT_CHK},
    [NLS_OPT_CAP_ACK] = {"capAck", NLS_SOL_NETLINK, NLS_NETLINK_CAP_ACK},
    [NLS_OPT_NO_ENOBUFS] = {"noEnobufs", NLS_SOL_NETLINK, NLS_NETLINK_NO_ENOBUFS},
    [NLS_OPT_LISTEN_ALL_NSID] = {"listenAllNsid", NLS_SOL_NETLINK, NLS_NETLINK_LISTEN_ALL_NSID},
    [NLS_OPT_BROADCAST_ERROR] = {"broadcastError", NLS_SOL_NETLINK, NLS_NETLINK_BROADCAST_ERROR},
    [NLS_OPT_RCVBUF] = {"rcvbuf", NLS_SOL_SOCKET, NLS_SO_RCVBUF},
    [NLS_OPT_RCVBUFFORCE] = {"rcvbufForce", NLS_SOL_SOCKET, NLS_SO_RCVBUFFORCE},
    [NLS_OPT_SNDBUF] = {"sndbuf", NLS_SOL_SOCKET, NLS_SO_SNDBUF},
};

const char *nls_option_name(int option) {
  return option >= 0 && option < NLS_OPT_COUNT ? OPTIONS[option].name : 0;
}

/*
 * Going home after socket() can fail only for lack of memory (the kernel
 * allocates an nsproxy; permission was probed before leaving), so a few
 * retries cover it. If it still fails, the thread would go on in the wrong
 * namespace, and every socket it opens later, the process's own included,
 * would silently live there: dying is the lesser harm.
 */
static void go_home(int home) {
  for (int i = 0; i < 5; i++) {
    if (nls_sys_netns_enter(home) >= 0) return;
  }
  nls_sys_fatal("nlshim: cannot return the thread to its network namespace");
}

int nls_in_netns(int target, int (*fn)(void *), void *arg) {
  int home = nls_sys_netns_current();
  if (home < 0) return home;
  /*
   * Entering the namespace we are in checks the same permission that the
   * way back needs: a process may well be allowed into the target but not
   * back (CAP_SYS_ADMIN in a child user namespace only). Refuse up front.
   */
  int r = nls_sys_netns_enter(home);
  if (r >= 0) r = nls_sys_netns_enter(target);
  if (r >= 0) {
    r = fn(arg);
    go_home(home);
  }
  nls_sys_close(home);
  return r;
}

static int make_socket(void *protocol) {
  return nls_sys_socket(*(int *)protocol);
}

/* socket() inside the namespace behind target; the thread is home again on return. */
static int socket_in(int protocol, int target) {
  return nls_in_netns(target, make_socket, &protocol);
}

int nls_open(int protocol, const char *netns_path, int netns_fd) {
  if (!netns_path && netns_fd < 0) return nls_sys_socket(protocol);
  int target = netns_path ? nls_sys_netns_open(netns_path) : netns_fd;
  if (target < 0) return target;
  int fd = socket_in(protocol, target);
  if (netns_path) nls_sys_close(target);
  return fd;
}

int nls_bind(int fd, uint32_t groups) {
  struct nls_sockaddr_nl addr = {.family = NLS_AF_NETLINK, .groups = groups};
  return nls_sys_bind(fd, &addr);
}

int nls_join_group(int fd, uint32_t group) {
  return nls_sys_setsockopt(fd, NLS_SOL_NETLINK, NLS_NETLINK_ADD_MEMBERSHIP, (int)group);
}

int nls_leave_group(int fd, uint32_t group) {
  return nls_sys_setsockopt(fd, NLS_SOL_NETLINK, NLS_NETLINK_DROP_MEMBERSHIP, (int)group);
}

int nls_set_option(int fd, int option, int value) {
  if (!nls_option_name(option)) return -NLS_EINVAL;
  return nls_sys_setsockopt(fd, OPTIONS[option].level, OPTIONS[option].optname, value);
}

int nls_get_option(int fd, int option, int *value) {
  if (!nls_option_name(option)) return -NLS_EINVAL;
  /* SO_RCVBUFFORCE only sets; the size it set reads back as SO_RCVBUF. */
  int optname = option == NLS_OPT_RCVBUFFORCE ? NLS_SO_RCVBUF : OPTIONS[option].optname;
  return nls_sys_getsockopt(fd, OPTIONS[option].level, optname, value);
}

int nls_port_id(int fd, uint32_t *port_id) {
  struct nls_sockaddr_nl addr = {0};
  int r = nls_sys_getsockname(fd, &addr);
  if (r >= 0) *port_id = addr.port_id;
  return r;
}

long nls_send(int fd, const void *buf, size_t len) {
  struct nls_sockaddr_nl kernel = {.family = NLS_AF_NETLINK};
  long r;
  do r = nls_sys_sendto(fd, buf, len, &kernel);
  while (r == -NLS_EINTR);
  return r;
}

long nls_next_size(int fd, void *probe, size_t probe_len) {
  unsigned char none;
  long r;
  /* With MSG_TRUNC the kernel returns the real length however small the buffer. */
  do r = nls_sys_recv(fd, probe ? probe : &none, probe ? probe_len : 0, NLS_MSG_PEEK | NLS_MSG_TRUNC, 0);
  while (r == -NLS_EINTR);
  return r;
}

long nls_recv(int fd, void *buf, size_t cap, struct nls_recv_info *info) {
  long r;
  do r = nls_sys_recv(fd, buf, cap, NLS_MSG_TRUNC, info);
  while (r == -NLS_EINTR);
  return r >= 0 && (size_t)r > cap ? -NLS_EMSGSIZE : r;
}

int nls_close(int fd) {
  /* Not retried on EINTR: Linux releases the fd whatever close() returns. */
  return nls_sys_close(fd);
}
