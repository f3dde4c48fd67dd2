/* Creating tun/tap devices, which the kernel makes through /dev/net/tun, not netlink. */
#ifndef NLSHIM_NODE_TUN_H
#define NLSHIM_NODE_TUN_H

#include <node_api.h>

/* Adds tunCreate to the addon's exports. */
void nls_tun_register(napi_env env, napi_value exports);

#endif
