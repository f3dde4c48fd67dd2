# The native addon: shim-c/ built for Node at `npm install` (scripts/addon.mjs
# runs node-gyp) into build/Release/nlwire_shim.node.
{
  "targets": [
    {
      "target_name": "nlwire_shim",
      "sources": ["shim-c/nlshim.c", "shim-c/sys-linux.c", "shim-c/node/addon.c", "shim-c/node/reader.c", "shim-c/node/host.c", "shim-c/node/tun.c"],
      "cflags_c": ["-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}
