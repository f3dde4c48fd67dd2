import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { ByteReader, Family, MessageCursor, canCompile, setCompileEnabled } from "@nlwire/codec";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { ROOT } from "../tools/paths.js";
import { RTM } from "../tools/rtnl.js";
import type { DatagramWalk, WalkSums } from "./walks.js";

/**
 * The decoder walks ("table"): every route of the dump turned into a typed
 * object, as a user of the decoders would write it, against libmnl's
 * tb[RTA_MAX + 1] table read into a struct (bench/c/mnl_walk.c). Both sides
 * sum the route table and rtm_dst_len, and count the attributes kept.
 */

/** The kernel's YNL spec, beside the repository, for the run-time interpreter. */
export const RT_ROUTE_SPEC = join(ROOT, "..", "shared", "netlink-specs", "rt-route.yaml");

/** The generated family, typed: `m.attrs` is RouteAttrs once `op` and `kind` are checked. */
export function generatedWalk(datagram: Uint8Array, sums: WalkSums): void {
  const r = new ByteReader(datagram);
  const c = new MessageCursor(r);
  while (c.next()) {
    sums.messages++;
    if (c.type !== RTM.NEWROUTE) continue;
    const m = rtRoute.decodeCursor(c);
    if (m.op !== "getroute" || m.kind !== "reply") continue;
    sums.attrs += Object.keys(m.attrs).length;
    sums.check += (m.attrs.table ?? m.fixed?.["rtm-table"] ?? 0) + (m.fixed?.["rtm-dst-len"] ?? 0);
  }
}

/** A Family built at run time: the same loop, with untyped objects. */
export function interpretedWalk(family: Family): DatagramWalk {
  return (datagram, sums) => {
    const r = new ByteReader(datagram);
    const c = new MessageCursor(r);
    while (c.next()) {
      sums.messages++;
      if (c.type !== RTM.NEWROUTE) continue;
      const m = family.decodeCursor(c);
      if (m.op !== "getroute" || m.kind !== "reply") continue;
      const table = (m.attrs["table"] ?? m.fixed?.["rtm-table"] ?? 0) as number;
      sums.attrs += Object.keys(m.attrs).length;
      sums.check += table + ((m.fixed?.["rtm-dst-len"] ?? 0) as number);
    }
  };
}

export function specMissing(): string | undefined {
  return existsSync(RT_ROUTE_SPEC) ? undefined : `no ${relative(ROOT, RT_ROUTE_SPEC)}`;
}

/** Parses the spec and builds the Family (untimed). */
export function specWalk(): DatagramWalk {
  const doc = parse(readFileSync(RT_ROUTE_SPEC, "utf8")) as Record<string, unknown>;
  return interpretedWalk(Family.fromSpec(doc));
}

/**
 * The generated family on closures only, as under a Content-Security-Policy
 * without 'unsafe-eval'. Must run before the family decodes anything (it
 * compiles on first use), so this walk has its process to itself.
 */
export async function closuresWalk(): Promise<DatagramWalk> {
  setCompileEnabled(false);
  if (canCompile()) throw new Error("setCompileEnabled(false) did not turn compilation off");
  return generatedWalk;
}
