import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AddonUnavailableError } from "./errors.js";

declare const socketBrand: unique symbol;
/** A socket inside the addon (a tagged external). */
export type NativeSocket = { readonly [socketBrand]: true };

/** Called per datagram (errno 0), or with no datagram and a negative errno. */
export type NativeCallback = (data: Uint8Array | undefined, errno: number, from: number, nsid: number | undefined) => void;

/** shim-c/node/addon.c: numbers below zero are negative errnos. */
export interface NativeAddon {
  open(protocol: number, netns?: string | number): NativeSocket | number;
  bind(s: NativeSocket, groups: number): number;
  join(s: NativeSocket, group: number): number;
  leave(s: NativeSocket, group: number): number;
  /** `option` is an index into `options`. */
  setOption(s: NativeSocket, option: number, value: number): number;
  getOption(s: NativeSocket, option: number): number;
  portId(s: NativeSocket): number;
  send(s: NativeSocket, datagram: Uint8Array): number;
  /** `threaded`: receive on the socket's own reader thread rather than uv_poll; fixed by the first start. */
  start(s: NativeSocket, callback: NativeCallback, threaded?: boolean): number;
  stop(s: NativeSocket): number;
  close(s: NativeSocket): number;
  /** A persistent tun/tap device (shim-c/node/tun.c); owner/group -1 leave them unset. */
  tunCreate(name: string, tap: boolean, multiQueue: boolean, owner: number, group: number, netns?: string | number): number;
  readonly options: readonly string[];
}

/**
 * build/Release/nlwire_shim.node of the checkout holding this module, found
 * by walking up to binding.gyp: the same code runs from transport/ and from
 * dist/transport/.
 */
export function defaultAddonPath(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "binding.gyp"))) return join(dir, "build", "Release", "nlwire_shim.node");
    if (dirname(dir) === dir) return join(start, "build", "Release", "nlwire_shim.node");
  }
}

let loaded: NativeAddon | undefined;

/**
 * The addon, loaded on first use only, so that importing the transports
 * costs nothing where no native socket is opened. Throws
 * AddonUnavailableError saying why and what to install.
 */
export function loadNativeAddon(path?: string): NativeAddon {
  if (path !== undefined) return load(path);
  return (loaded ??= load(defaultAddonPath()));
}

function load(path: string): NativeAddon {
  const log = buildLog(path);
  if (!existsSync(path)) throw new AddonUnavailableError(path, "missing", `${path} does not exist (it is built by npm install)`, log);
  try {
    return createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    throw new AddonUnavailableError(path, "load-failed", `${path} does not load: ${(e as Error).message}`, log);
  }
}

/** The end of build/addon-error.log, which scripts/addon.mjs leaves when the build failed. */
function buildLog(path: string): string | undefined {
  const file = join(dirname(dirname(path)), "addon-error.log");
  if (!existsSync(file)) return undefined;
  return readFileSync(file, "utf8").trim().split("\n").slice(-15).join("\n");
}
