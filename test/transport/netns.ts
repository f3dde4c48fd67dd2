import { afterAll, beforeAll } from "vitest";
import { deleteNetns, ip, ipBatch, uniqueNetnsName } from "../../tools/netns.js";
import { onInterrupt } from "../../tools/signals.js";
import { ipLinks, type Link } from "./rtnl.js";

/** A new namespace with a unique name; dispose() deletes it, and so does SIGINT/SIGTERM before then. */
export function createNetns(prefix = "nlwt"): { name: string; dispose(): void } {
  const name = uniqueNetnsName(prefix);
  const unregister = onInterrupt(() => deleteNetns(name));
  try {
    ip(["netns", "add", name]);
  } catch (e) {
    unregister();
    throw e;
  }
  return {
    name,
    dispose() {
      deleteNetns(name);
      unregister();
    },
  };
}

/** A throw-away namespace for the enclosing describe block; `name` is set once its beforeAll has run. */
export function throwAwayNetns(prefix?: string): { name: string } {
  const ns = { name: "", dispose() {} };
  beforeAll(() => void Object.assign(ns, createNetns(prefix)));
  afterAll(() => ns.dispose());
  return ns;
}

/** `ip -j link show`, in `ns` or (without it) in this process's namespace. */
export function linksIn(ns?: string): Link[] {
  return ipLinks(ip([...(ns ? ["-n", ns] : []), "-j", "link", "show"]));
}

let pairs = 0;

/** Adds `count` veth pairs in `ns` in one `ip -batch`, so that their notifications come as a burst; returns their names. */
export async function addVethPairs(ns: string, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, () => [`nlwv${pairs}`, `nlwp${pairs++}`] as const);
  await ipBatch(ns, names.map(([a, b]) => `link add ${a} type veth peer name ${b}`));
  return names.flat();
}
