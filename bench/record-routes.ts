import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { ByteReader, MessageCursor, NLM_F, NLMSG_DONE, NLMSG_ERROR } from "@nlwire/codec";
import { runAsync } from "../tools/exec.js";
import { ipBatch, withNetns } from "../tools/netns.js";
import { nlrecordCommand, parseNlrec } from "../tools/nlrec.js";
import { dumpRequest, rtmsg } from "../tools/requests.js";
import { AF_INET, NETLINK_ROUTE, RTM } from "../tools/rtnl.js";
import { onInterrupt } from "../tools/signals.js";

/**
 * The benchmark input: a real RTM_GETROUTE dump of `count` IPv4 routes,
 * recorded from this kernel inside a throw-away namespace.
 */

/** The dump request; rtm_family = AF_INET, everything else zero (all tables). */
export function routeDumpRequest(seq = 1): Uint8Array {
  return dumpRequest(RTM.GETROUTE, seq, (w) => rtmsg(w, { family: AF_INET }));
}

/**
 * Blackhole /32s need no device or gateway and the kernel accepts 100k of
 * them quickly; 10.0.0.0/8 holds up to 2^24 distinct ones.
 */
export function routeBatch(count: number): string[] {
  if (count > 1 << 24) throw new Error("routeBatch: at most 2^24 routes fit in 10.0.0.0/8");
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(`route add blackhole 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
  }
  return lines;
}

/** Runs nlrecord in `ns` with stdout going straight to `path` (no multi-megabyte pipe copy). */
async function recordDump(ns: string, path: string): Promise<void> {
  const [cmd, args] = nlrecordCommand(NETLINK_ROUTE, [routeDumpRequest()], { netns: ns });
  const fd = openSync(path, "w");
  try {
    await runAsync(cmd, args, { stdio: ["ignore", fd, "pipe"] });
  } finally {
    closeSync(fd);
  }
}

/**
 * Rejects a recording that would make the numbers meaningless: too few
 * routes, an error reply, an interrupted dump or a missing DONE.
 */
export function checkRouteDump(datagrams: readonly Uint8Array[], minRoutes: number): number {
  let routes = 0;
  let done = false;
  for (const d of datagrams) {
    const c = new MessageCursor(new ByteReader(d));
    while (c.next()) {
      if (c.flags & NLM_F.DUMP_INTR) throw new Error("route dump: NLM_F_DUMP_INTR set");
      if (c.type === NLMSG_ERROR) throw new Error("route dump: the kernel answered with NLMSG_ERROR");
      if (c.type === NLMSG_DONE) done = true;
      if (c.type === RTM.NEWROUTE) routes++;
    }
  }
  if (!done) throw new Error("route dump: no NLMSG_DONE");
  if (routes < minRoutes) throw new Error(`route dump: ${routes} routes, expected at least ${minRoutes}`);
  return routes;
}

/**
 * Returns the path of a route dump with at least `count` routes, recording it
 * first when it is missing or `rerecord` is set. It is written to a temporary
 * name and renamed, so a failed run never leaves a half file to be reused.
 */
export async function ensureRouteDump(path: string, count: number, rerecord: boolean): Promise<string> {
  if (existsSync(path) && !rerecord) return path;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const removeTmp = (): void => rmSync(tmp, { force: true });
  const unregister = onInterrupt(removeTmp);
  try {
    await withNetns(async (ns) => {
      // lo up, as on any host: the dump then also holds lo's local routes, as a real one would.
      await ipBatch(ns, ["link set lo up", ...routeBatch(count)]);
      await recordDump(ns, tmp);
    }, "nlwb");
    checkRouteDump(parseNlrec(readFileSync(tmp)), count);
    renameSync(tmp, path);
  } finally {
    removeTmp();
    unregister();
  }
  return path;
}
