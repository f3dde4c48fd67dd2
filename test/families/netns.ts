import { afterAll, beforeAll } from "vitest";
import { deleteNetns, ip, ipIn, uniqueNetnsName } from "../../tools/netns.js";
import { onInterrupt } from "../../tools/signals.js";

/**
 * One throw-away namespace for a whole test file: made (sysctls set, lo
 * up, then `setup`'s lines run as `ip -n NS ...`) before the first test, and deleted
 * after the last one, or on SIGINT/SIGTERM, however the tests end. Returns a
 * getter for its name.
 */
export function fileNetns(prefix: string, setup: readonly string[] = [], sysctls: readonly string[] = []): () => string {
  let ns: string | undefined;
  let unregister: (() => void) | undefined;
  beforeAll(() => {
    const name = uniqueNetnsName(prefix);
    unregister = onInterrupt(() => deleteNetns(name));
    ip(["netns", "add", name]);
    ns = name;
    if (sysctls.length) inNetns(name, "sysctl", ["-q", "-w", ...sysctls]);
    ipIn(name, ["link set lo up", ...setup]);
  });
  afterAll(() => {
    if (ns) deleteNetns(ns);
    unregister?.();
  });
  return () => {
    if (!ns) throw new Error("the namespace exists only while the file's tests run");
    return ns;
  };
}

/** No IPv6 on links made from now on: its link-local chatter (DAD, MLD) changes counters and learned state at random times. */
export const NO_IPV6 = ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"];

/** Runs a command inside the namespace and returns its stdout. */
export function inNetns(ns: string, cmd: string, args: readonly string[]): string {
  return ip(["netns", "exec", ns, cmd, ...args]);
}
