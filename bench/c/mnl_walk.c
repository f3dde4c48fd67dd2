/*
 * mnl_walk: the C reference for the codec benchmark. It walks an nlrecord
 * file (per datagram: u32 little-endian length, then the bytes) the way a
 * libmnl user would: mnl_nlmsg_ok/mnl_nlmsg_next to split each datagram,
 * mnl_attr_parse with a callback for the attributes after struct rtmsg, and
 * (walk "table") the usual tb[RTA_MAX + 1] table with validation, read into
 * a small struct per route: what the codec's decoders are measured against.
 *
 *   mnl_walk FILE WARMUP REPEATS   -> one JSON object on stdout
 *
 * Each repetition is timed with CLOCK_MONOTONIC; every sample is printed
 * (the runner pools them across processes, as it does for TypeScript) along
 * with this process's median.
 */
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

struct dgram {
  const unsigned char *buf;
  int len;
};

struct input {
  unsigned char *file;
  struct dgram *d;
  size_t n;
  uint64_t bytes;
};

/* Sums kept by the walks: they feed the output so no walk is dead code,
 * and let the runner check that C and TypeScript saw the same data. */
struct acc {
  uint64_t messages;
  uint64_t attrs;
  uint64_t check;
};

static int fail(const char *what) {
  fprintf(stderr, "mnl_walk: %s\n", what);
  return 1;
}

static unsigned char *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  unsigned char *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && (fseek(f, 0, SEEK_SET) != 0 || fread(buf, 1, (size_t)n, f) != (size_t)n)) {
      free(buf);
      buf = NULL;
    }
    *size = n >= 0 ? (size_t)n : 0;
  }
  fclose(f);
  return buf;
}

/* Indexes the records in place: the walks then read straight from memory. */
static int load(const char *path, struct input *in) {
  size_t size = 0;
  in->file = slurp(path, &size);
  if (!in->file) return -1;
  size_t cap = 1024;
  in->d = malloc(cap * sizeof *in->d);
  if (!in->d) return -1;
  for (size_t pos = 0; pos + 4 <= size;) {
    const unsigned char *p = in->file + pos;
    uint32_t len = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
    if (len > size - pos - 4) return -1;
    if (in->n == cap && !(in->d = realloc(in->d, (cap *= 2) * sizeof *in->d))) return -1;
    in->d[in->n++] = (struct dgram){p + 4, (int)len};
    in->bytes += len;
    pos += 4 + len;
  }
  return 0;
}

typedef void msg_fn(const struct nlmsghdr *nlh, struct acc *a);

/* Every message of every datagram, split the way a libmnl user splits them.
 * Always inlined, so that `each` becomes a direct call that is inlined in
 * turn: each walk compiles to the loop one would write out by hand. */
static inline __attribute__((always_inline)) void for_each_msg(const struct input *in, struct acc *a, msg_fn *each) {
  for (size_t i = 0; i < in->n; i++) {
    int len = in->d[i].len;
    const struct nlmsghdr *nlh = (const void *)in->d[i].buf;
    while (mnl_nlmsg_ok(nlh, len)) {
      a->messages++;
      each(nlh, a);
      nlh = mnl_nlmsg_next(nlh, &len);
    }
  }
}

static void add_type(const struct nlmsghdr *nlh, struct acc *a) {
  a->check += nlh->nlmsg_type;
}

static int attr_cb(const struct nlattr *attr, void *data) {
  struct acc *a = data;
  a->attrs++;
  a->check += mnl_attr_get_type(attr) + mnl_attr_get_payload_len(attr);
  return MNL_CB_OK;
}

static void parse_route_attrs(const struct nlmsghdr *nlh, struct acc *a) {
  if (nlh->nlmsg_type == RTM_NEWROUTE) mnl_attr_parse(nlh, sizeof(struct rtmsg), attr_cb, a);
}

/* What a libmnl user keeps of a route. The walk writes one per route into
 * `routes`, which has external linkage so that the stores are not dead code. */
struct route {
  uint8_t type, dst_len;
  uint32_t table;
  unsigned char dst[16];
};
struct route *routes;
static size_t nroutes;

struct table_parse {
  const struct nlattr **tb;
  uint16_t addr_len;
  struct acc *a;
};

/* The callback of libmnl's route examples: skip types this build does not
 * know, validate the ones the program reads, keep the rest. */
static int table_cb(const struct nlattr *attr, void *data) {
  struct table_parse *p = data;
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
      if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, p->addr_len) < 0) return MNL_CB_ERROR;
      break;
  }
  if (!p->tb[type]) p->a->attrs++;
  p->tb[type] = attr;
  return MNL_CB_OK;
}

static void parse_route_table(const struct nlmsghdr *nlh, struct acc *a) {
  if (nlh->nlmsg_type != RTM_NEWROUTE) return;
  const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
  const struct nlattr *tb[RTA_MAX + 1] = {0};
  uint16_t alen = rtm->rtm_family == AF_INET ? 4 : rtm->rtm_family == AF_INET6 ? 16 : 0;
  struct table_parse p = {tb, alen, a};
  if (mnl_attr_parse(nlh, sizeof(struct rtmsg), table_cb, &p) < 0) return;
  struct route *r = &routes[nroutes++];
  r->type = rtm->rtm_type;
  r->dst_len = rtm->rtm_dst_len;
  r->table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
  if (tb[RTA_DST]) memcpy(r->dst, mnl_attr_get_payload(tb[RTA_DST]), alen);
  a->check += r->table + r->dst_len;
}

static void walk_split(const struct input *in, struct acc *a) {
  for_each_msg(in, a, add_type);
}

static void walk_attrs(const struct input *in, struct acc *a) {
  for_each_msg(in, a, parse_route_attrs);
}

static void walk_table(const struct input *in, struct acc *a) {
  nroutes = 0;
  for_each_msg(in, a, parse_route_table);
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

/* Same rule as bench/timing.ts: the mean of the middle two for even counts.
 * Sorts `v` in place: call it after the samples have been printed. */
static double median(int64_t *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_i64);
  return n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

typedef void walk_fn(const struct input *, struct acc *);

/* Times each repetition of `walk` into `samples`; `last` keeps the sums of
 * one repetition for the output. */
static void time_walk(walk_fn *walk, const struct input *in, int warmup, int repeats, int64_t *samples,
                      struct acc *last) {
  for (int i = 0; i < warmup; i++) {
    *last = (struct acc){0};
    walk(in, last);
  }
  for (int i = 0; i < repeats; i++) {
    *last = (struct acc){0};
    int64_t t0 = now_ns();
    walk(in, last);
    samples[i] = now_ns() - t0;
  }
}

/* Raw samples go out too: the runner pools them across processes. */
static void print_walk(const char *name, int64_t *samples, int n, const struct acc *a, int comma) {
  printf("    \"%s\": {\"messages\": %llu, \"attrs\": %llu, \"check\": %llu, \"samplesNs\": [", name,
         (unsigned long long)a->messages, (unsigned long long)a->attrs, (unsigned long long)a->check);
  for (int i = 0; i < n; i++) printf("%s%lld", i ? ", " : "", (long long)samples[i]);
  printf("], \"medianNs\": %.0f}%s\n", median(samples, n), comma ? "," : "");
}

static const struct {
  const char *name;
  walk_fn *walk;
} WALKS[] = {{"split", walk_split}, {"attrs", walk_attrs}, {"table", walk_table}};
enum { NWALKS = sizeof WALKS / sizeof WALKS[0] };

int main(int argc, char **argv) {
  if (argc != 4) return fail("usage: mnl_walk FILE WARMUP REPEATS");
  int warmup = atoi(argv[2]), repeats = atoi(argv[3]);
  if (warmup < 0 || repeats < 1) return fail("WARMUP must be >= 0 and REPEATS >= 1");
  struct input in = {0};
  if (load(argv[1], &in) < 0) return fail("cannot read the nlrec file");
  /* At most one route per smallest possible route message. */
  routes = malloc((in.bytes / (NLMSG_HDRLEN + sizeof(struct rtmsg)) + 1) * sizeof *routes);
  int64_t *samples = malloc((size_t)NWALKS * (size_t)repeats * sizeof *samples);
  if (!routes || !samples) return fail("out of memory");
  struct acc sums[NWALKS];
  for (int w = 0; w < NWALKS; w++) time_walk(WALKS[w].walk, &in, warmup, repeats, samples + w * repeats, &sums[w]);

  printf("{\n  \"bytes\": %llu,\n  \"datagrams\": %zu,\n  \"warmup\": %d,\n  \"repeats\": %d,\n  \"walks\": {\n",
         (unsigned long long)in.bytes, in.n, warmup, repeats);
  for (int w = 0; w < NWALKS; w++) print_walk(WALKS[w].name, samples + w * repeats, repeats, &sums[w], w < NWALKS - 1);
  printf("  }\n}\n");
  free(samples);
  free(routes);
  free(in.d);
  free(in.file);
  return 0;
}
