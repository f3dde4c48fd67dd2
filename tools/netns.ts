import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/**
 * Throw-away network namespaces for recordings and tests. Names are unique
 * per call, and `withNetns` removes the namespace however the body ends.
 */
export function uniqueNetnsName(prefix = "nlw"): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/** Runs `ip` with arguments; throws with ip's own message on failure. */
export function ip(args: readonly string[], input?: string): string {
  return execFileSync("ip", args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

export async function withNetns<T>(body: (ns: string) => T | Promise<T>, prefix?: string): Promise<T> {
  const ns = uniqueNetnsName(prefix);
  ip(["netns", "add", ns]);
  try {
    return await body(ns);
  } finally {
    ip(["netns", "delete", ns]);
  }
}

/** Runs each line as an `ip -n NS` command (no shell involved). */
export function ipIn(ns: string, lines: readonly string[]): void {
  for (const line of lines) ip(["-n", ns, ...line.split(/\s+/)]);
}
