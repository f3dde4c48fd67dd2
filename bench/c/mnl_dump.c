/*
 * mnl_dump: the C reference for the live-dump benchmark (bench/live.ts). It
 * does what a libmnl user does to list routes or links: one NETLINK_ROUTE
 * socket (in the namespace NETNS, entered with setns before anything is
 * timed), an RTM_GETROUTE (rtm_family AF_INET) or RTM_GETLINK dump request,
 * recv into a 32 KiB buffer, mnl_cb_run over each datagram, and per message
 * mnl_attr_parse into a tb[] table with validation, read into a small struct
 * per route or link. Like the client it switches on NETLINK_EXT_ACK and
 * NETLINK_GET_STRICT_CHK.
 *
 *   mnl_dump route|link NETNS WARMUP REPEATS   -> one JSON object on stdout
 *
 * NETNS is a name under /run/netns, a path, or "-" for this namespace. Each
 * repetition is timed with CLOCK_MONOTONIC from just before the request is
 * sent to the NLMSG_DONE; every sample is printed, with the median.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

/* Large enough for the biggest datagram the kernel builds for a dump (it caps them near 32 KiB). */
#define BUF_SIZE 32768

static int fail(const char *what) {
  fprintf(stderr, "mnl_dump: %s\n", what);
  return 1;
}

/* What a libmnl user keeps of a route or a link; one per item, into arrays with external
 * linkage so that the stores are not dead code. */
struct route {
  uint8_t type, dst_len;
  uint32_t table, oif, priority;
  unsigned char dst[16];
};
struct link {
  int index;
  unsigned flags;
  uint32_t mtu;
  char ifname[IFNAMSIZ];
  unsigned char addr[32];
};
struct route *routes;
struct link *links;
static size_t cap;

struct state {
  size_t items;
  uint64_t check;
  const struct nlattr **tb;
  uint16_t addr_len;
};

static int route_attr_cb(const struct nlattr *attr, void *data) {
  struct state *s = data;
  if (mnl_attr_type_valid(attr, RTA_MAX) < 0) return MNL_CB_OK;
  int type = mnl_attr_get_type(attr);
  switch (type) {
    case RTA_TABLE:
    case RTA_OIF:
    case RTA_PRIORITY:
      if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0) return MNL_CB_ERROR;
      break;
    case RTA_DST:
    case RTA_GATEWAY:
    case RTA_PREFSRC:
      if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, s->addr_len) < 0) return MNL_CB_ERROR;
      break;
  }
  s->tb[type] = attr;
  return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data) {
  struct state *s = data;
  if (nlh->nlmsg_type != RTM_NEWROUTE) return MNL_CB_OK;
  const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
  const struct nlattr *tb[RTA_MAX + 1] = {0};
  s->tb = tb;
  s->addr_len = rtm->rtm_family == AF_INET ? 4 : rtm->rtm_family == AF_INET6 ? 16 : 0;
  if (mnl_attr_parse(nlh, sizeof(struct rtmsg), route_attr_cb, s) < 0) return MNL_CB_ERROR;
  if (s->items == cap && !(routes = realloc(routes, (cap = cap ? cap * 2 : 1024) * sizeof *routes))) return MNL_CB_ERROR;
  struct route *r = &routes[s->items++];
  r->type = rtm->rtm_type;
  r->dst_len = rtm->rtm_dst_len;
  r->table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
  r->oif = tb[RTA_OIF] ? mnl_attr_get_u32(tb[RTA_OIF]) : 0;
  r->priority = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
  if (tb[RTA_DST]) memcpy(r->dst, mnl_attr_get_payload(tb[RTA_DST]), s->addr_len);
  s->check += r->table + r->dst_len;
  return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data) {
  struct state *s = data;
  if (mnl_attr_type_valid(attr, IFLA_MAX) < 0) return MNL_CB_OK;
  int type = mnl_attr_get_type(attr);
  switch (type) {
    case IFLA_IFNAME:
      if (mnl_attr_validate(attr, MNL_TYPE_STRING) < 0) return MNL_CB_ERROR;
      break;
    case IFLA_MTU:
    case IFLA_LINK:
    case IFLA_MASTER:
      if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0) return MNL_CB_ERROR;
      break;
  }
  s->tb[type] = attr;
  return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data) {
  struct state *s = data;
  if (nlh->nlmsg_type != RTM_NEWLINK) return MNL_CB_OK;
  const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
  const struct nlattr *tb[IFLA_MAX + 1] = {0};
  s->tb = tb;
  if (mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, s) < 0) return MNL_CB_ERROR;
  if (s->items == cap && !(links = realloc(links, (cap = cap ? cap * 2 : 1024) * sizeof *links))) return MNL_CB_ERROR;
  struct link *l = &links[s->items++];
  l->index = ifm->ifi_index;
  l->flags = ifm->ifi_flags;
  l->mtu = tb[IFLA_MTU] ? mnl_attr_get_u32(tb[IFLA_MTU]) : 0;
  if (tb[IFLA_IFNAME]) snprintf(l->ifname, sizeof l->ifname, "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
  if (tb[IFLA_ADDRESS]) {
    uint16_t n = mnl_attr_get_payload_len(tb[IFLA_ADDRESS]);
    memcpy(l->addr, mnl_attr_get_payload(tb[IFLA_ADDRESS]), n < sizeof l->addr ? n : sizeof l->addr);
  }
  s->check += (uint64_t)l->index + l->mtu + (unsigned char)l->ifname[0];
  return MNL_CB_OK;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return (a > b) - (a < b);
}

/* Same rule as bench/timing.ts. Sorts `v` in place: call it after the samples have been printed. */
static double median(int64_t *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_i64);
  return n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static int enter_netns(const char *ns) {
  if (strcmp(ns, "-") == 0) return 0;
  char path[4096];
  snprintf(path, sizeof path, strchr(ns, '/') ? "%s" : "/run/netns/%s", ns);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int r = setns(fd, CLONE_NEWNET);
  close(fd);
  return r;
}

struct pass {
  size_t items, datagrams, bytes, max_datagram;
  uint64_t check;
};

/* One dump, request to DONE. Returns 0, or -1 on any error (errno-style message on stderr). */
static int dump(struct mnl_socket *nl, int is_route, unsigned seq, char *buf, struct pass *p) {
  char req[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
  nlh->nlmsg_type = is_route ? RTM_GETROUTE : RTM_GETLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = seq;
  if (is_route) {
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = AF_INET;
  } else {
    mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
  }
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) return -1;
  unsigned portid = mnl_socket_get_portid(nl);
  struct state s = {0};
  mnl_cb_t cb = is_route ? route_cb : link_cb;
  *p = (struct pass){0};
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl, buf, BUF_SIZE);
    if (n < 0) return -1;
    p->datagrams++;
    p->bytes += (size_t)n;
    if ((size_t)n > p->max_datagram) p->max_datagram = (size_t)n;
    int r = mnl_cb_run(buf, (size_t)n, seq, portid, cb, &s);
    if (r == MNL_CB_STOP) break;
    if (r < 0) return -1;
  }
  p->items = s.items;
  p->check = s.check;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 5) return fail("usage: mnl_dump route|link NETNS WARMUP REPEATS");
  int is_route = strcmp(argv[1], "route") == 0;
  if (!is_route && strcmp(argv[1], "link") != 0) return fail("the kind is route or link");
  int warmup = atoi(argv[3]), repeats = atoi(argv[4]);
  if (warmup < 0 || repeats < 1) return fail("WARMUP must be >= 0 and REPEATS >= 1");
  if (enter_netns(argv[2]) < 0) return perror("mnl_dump: setns"), 1;

  struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
  if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) return perror("mnl_dump: socket"), 1;
  int one = 1;
  mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof one);
  mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  char *buf = malloc(BUF_SIZE);
  int64_t *samples = malloc((size_t)repeats * sizeof *samples);
  if (!buf || !samples) return fail("out of memory");

  struct pass p = {0};
  unsigned seq = (unsigned)time(NULL);
  for (int i = 0; i < warmup + repeats; i++) {
    int64_t t0 = now_ns();
    if (dump(nl, is_route, ++seq, buf, &p) < 0) return perror("mnl_dump: dump"), 1;
    int64_t t = now_ns() - t0;
    if (i >= warmup) samples[i - warmup] = t;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);

  printf("{\"kind\": \"%s\", \"items\": %zu, \"check\": %llu, \"datagrams\": %zu, \"bytes\": %zu, \"maxDatagram\": %zu, "
         "\"maxRssKiB\": %ld, \"samplesNs\": [",
         argv[1], p.items, (unsigned long long)p.check, p.datagrams, p.bytes, p.max_datagram, ru.ru_maxrss);
  for (int i = 0; i < repeats; i++) printf("%s%lld", i ? ", " : "", (long long)samples[i]);
  printf("], \"medianNs\": %.0f}\n", median(samples, repeats));
  mnl_socket_close(nl);
  free(samples);
  free(buf);
  free(routes);
  free(links);
  return 0;
}
