/*
 * tunCreate(name, tap, multiQueue, owner, group, netns?) → 0 | -errno: a
 * persistent tun (or tap) device, as `ip tuntap add` makes one. The kernel
 * creates tun devices only through ioctls on /dev/net/tun (its rtnetlink
 * newlink refuses), in the network namespace of whoever opened that file:
 * with netns (a path or an fd) the open happens there (nls_in_netns), and
 * the thread stays in its own. Linux-only, so it lives with the addon and
 * not in nlshim.c.
 */
#define _GNU_SOURCE
#include "tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../nlshim.h"

static int open_tun(void *unused) {
  (void)unused;
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

struct tun_spec {
  char name[IFNAMSIZ];
  bool tap, multi_queue;
  int64_t owner, group; /* -1: leave as the kernel sets them */
};

static int configure(int fd, const struct tun_spec *t) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, t->name, IFNAMSIZ);
  ifr.ifr_flags = (short)((t->tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI | (t->multi_queue ? IFF_MULTI_QUEUE : 0));
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) return -errno;
  if (t->owner >= 0 && ioctl(fd, TUNSETOWNER, (unsigned long)t->owner) < 0) return -errno;
  if (t->group >= 0 && ioctl(fd, TUNSETGROUP, (unsigned long)t->group) < 0) return -errno;
  /* Persistent: the device outlives this fd, until it is deleted (RTM_DELLINK works for it). */
  if (ioctl(fd, TUNSETPERSIST, 1UL) < 0) return -errno;
  return 0;
}

static napi_value num(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

static napi_value js_tun_create(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  napi_valuetype t = napi_undefined;
  struct tun_spec spec = {0};
  size_t len = 0;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc < 5 || napi_get_value_string_utf8(env, a[0], spec.name, sizeof spec.name, &len) != napi_ok ||
      napi_get_value_bool(env, a[1], &spec.tap) != napi_ok || napi_get_value_bool(env, a[2], &spec.multi_queue) != napi_ok ||
      napi_get_value_int64(env, a[3], &spec.owner) != napi_ok || napi_get_value_int64(env, a[4], &spec.group) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected tunCreate(name, tap, multiQueue, owner, group, netns?)");
    return NULL;
  }
  if (len == 0 || len >= IFNAMSIZ - 1) return num(env, -EINVAL); /* empty, or cut short by the buffer */
  int target = -1;
  bool close_target = false;
  if (argc > 5) napi_typeof(env, a[5], &t);
  if (t == napi_number) {
    int32_t fd = -1;
    napi_get_value_int32(env, a[5], &fd);
    target = fd;
    if (target < 0) return num(env, -EBADF);
  } else if (t == napi_string) {
    char path[4096];
    size_t plen = 0;
    napi_get_value_string_utf8(env, a[5], path, sizeof path, &plen);
    if (plen >= sizeof path - 1) return num(env, -ENAMETOOLONG);
    target = open(path, O_RDONLY | O_CLOEXEC);
    if (target < 0) return num(env, -errno);
    close_target = true;
  }
  int fd = target < 0 ? open_tun(NULL) : nls_in_netns(target, open_tun, NULL);
  if (close_target) close(target);
  if (fd < 0) return num(env, fd);
  int r = configure(fd, &spec);
  close(fd);
  return num(env, r);
}

void nls_tun_register(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "tunCreate", NAPI_AUTO_LENGTH, js_tun_create, NULL, &fn);
  napi_set_named_property(env, exports, "tunCreate", fn);
}
