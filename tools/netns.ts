import { randomBytes } from "node:crypto";
import { runAsync, runText } from "./exec.js";
import { onInterrupt } from "./signals.js";

/**
 * Throw-away network namespaces. Recordings and benchmarks change the
 * network only inside one, so the host's interfaces and routes are never
 * touched; the namespace is deleted however the body ends (return, throw,
 * SIGINT/SIGTERM/SIGHUP).
 */

/** pid plus random bytes: concurrent runs and stale leftovers never collide. */
export function uniqueNetnsName(prefix = "nlw"): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** Runs `ip` with `args` (and `input` on stdin) and returns its stdout. */
export function ip(args: readonly string[], input?: string): string {
  return runText("ip", args, input);
}

/** Runs each line as an `ip -n NS` command: a process per line, so an error names its line. */
export function ipIn(ns: string, lines: readonly string[]): void {
  for (const line of lines) ip(["-n", ns, ...line.split(/\s+/)]);
}

/**
 * Feeds `lines` to `ip -n NS -batch -`: one process for any number of
 * commands, and asynchronous, so a signal is handled while it works.
 */
export async function ipBatch(ns: string, lines: readonly string[]): Promise<void> {
  await runAsync("ip", ["-n", ns, "-batch", "-"], { input: lines.join("\n") + "\n" });
}

export function netnsExists(name: string): boolean {
  return ip(["netns", "list"]).split("\n").some((l) => l.split(" ")[0] === name);
}

/** Idempotent, so the finally block and a signal handler can both call it. */
export function deleteNetns(name: string): void {
  if (netnsExists(name)) ip(["netns", "delete", name]);
}

/**
 * Runs `body` inside a fresh namespace and always deletes it afterwards.
 * The namespace is as `ip netns add` makes it (lo down), so that what the
 * body does is all there is to document.
 */
export async function withNetns<T>(body: (ns: string) => T | Promise<T>, prefix?: string): Promise<T> {
  const ns = uniqueNetnsName(prefix);
  const unregister = onInterrupt(() => deleteNetns(ns));
  try {
    ip(["netns", "add", ns]);
    return await body(ns);
  } finally {
    deleteNetns(ns);
    unregister();
  }
}
