/*
 * The platform layer under nlshim.c: one function per system call the shim
 * makes. sys-linux.c implements it with libc; a wasm32-wasi build will
 * implement it with imports from its host. Every function returns a
 * non-negative result or a negative *Linux* errno, whatever the platform's
 * libc numbers its errors (wasi-libc's differ), and every constant below has
 * its Linux value: they travel to the kernel unchanged. No system header is
 * included, so this compiles where <linux/netlink.h> does not.
 */
#ifndef NLSHIM_SYS_H
#define NLSHIM_SYS_H

#include <stddef.h>
#include <stdint.h>

#define NLS_AF_NETLINK 16
#define NLS_SOL_SOCKET 1
#define NLS_SO_SNDBUF 7
#define NLS_SO_RCVBUF 8
#define NLS_SO_RCVBUFFORCE 33
#define NLS_SOL_NETLINK 270
#define NLS_NETLINK_ADD_MEMBERSHIP 1
#define NLS_NETLINK_DROP_MEMBERSHIP 2
#define NLS_NETLINK_BROADCAST_ERROR 4
#define NLS_NETLINK_NO_ENOBUFS 5
#define NLS_NETLINK_LISTEN_ALL_NSID 8
#define NLS_NETLINK_CAP_ACK 10
#define NLS_NETLINK_EXT_ACK 11
#define NLS_NETLINK_GET_STRICT_CHK 12
#define NLS_MSG_PEEK 0x2
#define NLS_MSG_TRUNC 0x20

/* struct sockaddr_nl, declared here so that no kernel header is needed. */
struct nls_sockaddr_nl {
  uint16_t family;
  uint16_t pad;
  uint32_t port_id;
  uint32_t groups;
};

/* What recvmsg says about a datagram besides its bytes. */
struct nls_recv_info {
  uint32_t from_port; /* the sender's port id: 0 is the kernel */
  int32_t nsid;       /* with LISTEN_ALL_NSID: the sender's netns id */
  int has_nsid;       /* nsid is set only when the kernel attached one */
};

/* An AF_NETLINK SOCK_RAW socket, non-blocking and close-on-exec. */
int nls_sys_socket(int protocol);
int nls_sys_bind(int fd, const struct nls_sockaddr_nl *addr);
int nls_sys_getsockname(int fd, struct nls_sockaddr_nl *addr);
int nls_sys_setsockopt(int fd, int level, int name, int value);
int nls_sys_getsockopt(int fd, int level, int name, int *value);
long nls_sys_sendto(int fd, const void *buf, size_t len, const struct nls_sockaddr_nl *to);
/* recvmsg with MSG_DONTWAIT | flags; returns the datagram's full length when flags has MSG_TRUNC. */
long nls_sys_recv(int fd, void *buf, size_t len, int flags, struct nls_recv_info *info);
int nls_sys_close(int fd);

/* An fd for the network namespace of the calling thread (not the process's main thread). */
int nls_sys_netns_current(void);
/* Opens a namespace file, such as /run/netns/NAME, read-only and close-on-exec. */
int nls_sys_netns_open(const char *path);
/* Moves the calling thread into the network namespace behind fd. */
int nls_sys_netns_enter(int fd);
/* Ends the process: for the one state worse than dying (see nls_open). */
void nls_sys_fatal(const char *message);

#endif
