/*
 * nlshim: the socket side of nlwire, one C implementation for every host.
 * It moves whole datagrams and knows nothing of messages or attributes.
 *
 * Every function returns a non-negative value on success or a negative Linux
 * errno (-NLS_ENOBUFS, ...): never a crash, never the platform's own errno.
 * Sockets are non-blocking: a receive with nothing queued is -NLS_EAGAIN,
 * and the host decides how to wait (uv_poll in the Node addon).
 */
#ifndef NLSHIM_H
#define NLSHIM_H

#include "sys.h"

/* Linux errno values the shim itself reports or reacts to. */
#define NLS_EINTR 4
#define NLS_EBADF 9
#define NLS_EAGAIN 11
#define NLS_ENOMEM 12
#define NLS_EINVAL 22
#define NLS_EMSGSIZE 90
#define NLS_ENOBUFS 105

/* Socket options by the shim's own numbering; nls_option_name gives their names. */
enum nls_option {
  NLS_OPT_EXT_ACK,
  NLS_OPT_GET_STRICT_CHK,
  NLS_OPT_CAP_ACK,
  NLS_OPT_NO_ENOBUFS,
  NLS_OPT_LISTEN_ALL_NSID,
  NLS_OPT_BROADCAST_ERROR,
  NLS_OPT_RCVBUF,
  NLS_OPT_RCVBUFFORCE,
  NLS_OPT_SNDBUF,
  NLS_OPT_COUNT
};

/* The option's name as the TypeScript side spells it ("extAck", ...); NULL when out of range. */
const char *nls_option_name(int option);

/*
 * Opens a socket of the given netlink protocol. With netns_path (a file such
 * as /run/netns/NAME) or netns_fd >= 0 the socket is created inside that
 * network namespace: the calling thread enters it for the socket() call only
 * and is back in its own namespace before this returns, error or not. The
 * caller keeps ownership of netns_fd. Returns the socket's fd.
 */
int nls_open(int protocol, const char *netns_path, int netns_fd);
/*
 * Runs fn(arg) with the calling thread inside the network namespace behind
 * the fd target, and returns its result; the thread is back in its own
 * namespace before this returns, error or not (nls_open's way in and out,
 * for what else is created per namespace: a tun device, say).
 */
int nls_in_netns(int target, int (*fn)(void *), void *arg);
/* Binds with a multicast group mask (bit n-1 is group n); the kernel picks the port id. */
int nls_bind(int fd, uint32_t groups);
/* Joins or leaves one group by number: also the groups above 32 that no mask can name. */
int nls_join_group(int fd, uint32_t group);
int nls_leave_group(int fd, uint32_t group);
int nls_set_option(int fd, int option, int value);
int nls_get_option(int fd, int option, int *value);
int nls_port_id(int fd, uint32_t *port_id);
/* Sends one datagram to the kernel; returns the bytes sent. */
long nls_send(int fd, const void *buf, size_t len);
/*
 * The length of the next queued datagram, without taking it (MSG_PEEK |
 * MSG_TRUNC), so that the caller can size a buffer for it. -NLS_EAGAIN when
 * none is queued; -NLS_ENOBUFS once when the kernel had to drop datagrams for
 * this socket, after which the queue is read as usual.
 *
 * The peek may copy up to probe_len bytes into probe (NULL, 0 is fine). Why
 * offer any: the kernel sizes a dump's datagrams by the largest buffer that
 * recvmsg was ever given on the socket (up to 32 KiB; netlink_recvmsg's
 * max_recvmsg_len), and a peek sized to the datagram offers only that. One
 * peek with an NLS_DUMP_BUFFER probe, once a datagram has arrived, makes
 * every later dump come in 32 KiB datagrams rather than a page each.
 */
#define NLS_DUMP_BUFFER 32768
long nls_next_size(int fd, void *probe, size_t probe_len);
/*
 * Takes the next datagram into buf and returns its length. -NLS_EMSGSIZE if
 * it was longer than cap: it is then lost, so size buf with nls_next_size.
 */
long nls_recv(int fd, void *buf, size_t cap, struct nls_recv_info *info);
int nls_close(int fd);

#endif
