/*
 * The raw system calls of shim-c/sys.h for a WASI host in Node (transport/
 * wasi-native.ts): the shim's Wasm build imports them, so that the socket
 * logic runs in the guest while the kernel is reached through this addon.
 */
#ifndef NLSHIM_NODE_HOST_H
#define NLSHIM_NODE_HOST_H

#include <node_api.h>

/* Adds `host` (the sys.h calls over plain fds, and readiness with uv_poll) to the addon's exports. */
void nls_host_register(napi_env env, napi_value exports);

#endif
