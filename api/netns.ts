import { closeSync, openSync } from "node:fs";
import type { NetnsRef } from "./link-kinds.js";
import { InvalidArgumentError } from "./errors.js";

export type NetnsAttr = { "net-ns-fd": number } | { "net-ns-pid": number };

/**
 * Namespaces as the attributes that put a link there: IFLA_NET_NS_FD (a
 * name or path is opened here) or IFLA_NET_NS_PID. The fds opened are
 * closed by `close()`, once the request that carries them is done.
 */
export class NetnsFds {
  readonly #opened: number[] = [];

  attr(ref: NetnsRef): NetnsAttr {
    if (typeof ref === "object") return "pid" in ref ? { "net-ns-pid": ref.pid } : { "net-ns-fd": ref.fd };
    const path = ref.includes("/") ? ref : `/run/netns/${ref}`;
    try {
      const fd = openSync(path, "r");
      this.#opened.push(fd);
      return { "net-ns-fd": fd };
    } catch (e) {
      throw new InvalidArgumentError("netns", `cannot open ${path}: ${(e as Error).message}`);
    }
  }

  close(): void {
    for (const fd of this.#opened.splice(0)) closeSync(fd);
  }
}

/** Runs `body` with a NetnsFds that is closed afterwards. */
export async function withNetnsFds<T>(body: (fds: NetnsFds) => Promise<T>): Promise<T> {
  const fds = new NetnsFds();
  try {
    return await body(fds);
  } finally {
    fds.close();
  }
}
