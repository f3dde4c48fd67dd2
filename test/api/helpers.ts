import { openHandle, type Handle } from "../../api/index.js";
import { ip, withNetns } from "../../tools/netns.js";
import { runText } from "../../tools/exec.js";

/** A throw-away namespace and a handle in it; both are gone when `body` ends, however it ends. */
export function withHandle<T>(body: (h: Handle, ns: string) => Promise<T>): Promise<T> {
  return withNetns(async (ns) => {
    const h = openHandle({ netns: ns });
    try {
      return await body(h, ns);
    } finally {
      h.close();
    }
  }, "nlw-api");
}

/** `ip -j -n NS ARGS` parsed. */
export const ipJ = <T = Record<string, unknown>[]>(ns: string, args: string): T => JSON.parse(ip(["-j", "-n", ns, ...args.split(" ")]) || "[]") as T;

/** `bridge -j -n NS ARGS` / `tc -j -n NS ARGS` parsed. */
export const bridgeJ = <T = Record<string, unknown>[]>(ns: string, args: string): T => JSON.parse(runText("bridge", ["-j", "-n", ns, ...args.split(" ")]) || "[]") as T;
export const tcJ = <T = Record<string, unknown>[]>(ns: string, args: string): T => JSON.parse(runText("tc", ["-j", "-n", ns, ...args.split(" ")]) || "[]") as T;
export const tcText = (ns: string, args: string): string => runText("tc", ["-n", ns, ...args.split(" ")]);

/** snake_case keys of ip's JSON → the API's camelCase. */
export const camelKey = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export const byKey = <T>(xs: readonly T[], key: (x: T) => string): T[] => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
