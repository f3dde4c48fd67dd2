/*
 * nlrecord: sends netlink requests given as hex and records every datagram
 * the kernel answers with, until each request has its DONE or ACK/error.
 * It exists to record fixtures and benchmark input from the live kernel; run
 * it inside a throw-away namespace with `ip netns exec`.
 *
 *   nlrecord PROTOCOL [--ext-ack] [--strict] [--rcvbuf N]
 *            [--groups MASK] [--listen-ms N] HEX...  > out.nlrec
 *
 * Output: for every datagram, a u32 length in little-endian order followed by
 * the datagram's bytes, exactly as received.
 *
 * Multicast: --groups MASK binds to the groups in MASK (bit n-1 stands for
 * group n, as in sockaddr_nl.nl_groups; decimal or 0x hex). --listen-ms N
 * keeps recording after every request is answered (HEX may then be absent)
 * until no datagram has arrived for N ms; once the socket is bound and the
 * requests are answered it writes "ready" and a newline to stderr, so that a
 * caller can start the commands whose notifications it wants.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int die(const char *what) {
  fprintf(stderr, "nlrecord: %s: %s\n", what, strerror(errno));
  return 1;
}

static size_t parse_hex(const char *s, unsigned char *out, size_t cap) {
  size_t n = 0;
  for (; s[0] && s[1] && n < cap; s += 2) {
    unsigned v;
    if (sscanf(s, "%2x", &v) != 1) break;
    out[n++] = (unsigned char)v;
  }
  return n;
}

static int write_record(const unsigned char *buf, uint32_t len) {
  unsigned char le[4] = {len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >> 24};
  return fwrite(le, 1, 4, stdout) == 4 && fwrite(buf, 1, len, stdout) == len ? 0 : -1;
}

/* Counts the requests this datagram finishes: DONE, or ERROR (an ACK or a failure). */
static int finished_in(const unsigned char *buf, size_t len) {
  int done = 0;
  for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
    if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) done++;
  }
  return done;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr,
            "usage: nlrecord PROTOCOL [--ext-ack] [--strict] [--rcvbuf N] [--groups MASK] [--listen-ms N] HEX...\n");
    return 2;
  }
  /* Options that shape the socket before bind: the multicast groups. */
  unsigned long groups = 0;
  long listen_ms = -1;
  for (int i = 2; i + 1 < argc; i++) {
    if (!strcmp(argv[i], "--groups")) groups = strtoul(argv[i + 1], NULL, 0);
    else if (!strcmp(argv[i], "--listen-ms")) listen_ms = strtol(argv[i + 1], NULL, 0);
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, atoi(argv[1]));
  if (fd < 0) return die("socket");
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = (uint32_t)groups};
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) return die("bind");

  static unsigned char req[1 << 16];
  int pending = 0, one = 1;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--ext-ack")) {
      if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one) < 0) return die("NETLINK_EXT_ACK");
    } else if (!strcmp(argv[i], "--strict")) {
      if (setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one) < 0) return die("NETLINK_GET_STRICT_CHK");
    } else if (!strcmp(argv[i], "--rcvbuf") && i + 1 < argc) {
      int size = atoi(argv[++i]);
      if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) return die("SO_RCVBUFFORCE");
    } else if ((!strcmp(argv[i], "--groups") || !strcmp(argv[i], "--listen-ms")) && i + 1 < argc) {
      i++; /* read before bind */
    } else {
      size_t n = parse_hex(argv[i], req, sizeof req);
      struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
      if (sendto(fd, req, n, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return die("sendto");
      pending++;
    }
  }

  size_t cap = 1 << 16;
  unsigned char *buf = malloc(cap);
  if (listen_ms >= 0 && pending == 0) {
    fputs("ready\n", stderr);
    fflush(stderr);
  }
  while (pending > 0 || listen_ms >= 0) {
    if (pending <= 0) {
      /* Listening: stop once nothing has arrived for listen_ms. */
      struct pollfd p = {.fd = fd, .events = POLLIN};
      int r = poll(&p, 1, (int)listen_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return die("poll");
      if (r == 0) break;
    }
    ssize_t n = recv(fd, buf, cap, MSG_PEEK | MSG_TRUNC);
    if (n < 0) return die("recv");
    if ((size_t)n > cap) {
      cap = (size_t)n;
      buf = realloc(buf, cap);
    }
    n = recv(fd, buf, cap, 0);
    if (n < 0) return die("recv");
    if (write_record(buf, (uint32_t)n) < 0) return die("write");
    if (pending > 0) {
      pending -= finished_in(buf, (size_t)n);
      if (pending <= 0 && listen_ms >= 0) {
        fputs("ready\n", stderr);
        fflush(stderr);
      }
    }
  }
  free(buf);
  close(fd);
  return fflush(stdout) ? die("flush") : 0;
}
