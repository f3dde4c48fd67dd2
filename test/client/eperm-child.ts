// Run (bundled) by eperm.test.ts in a process without CAP_NET_ADMIN: tries every mutating
// operation of the rtnetlink families and a few generic netlink ones, and every read, and
// prints what the client saw for each.
import type { Family } from "@nlwire/codec";
import { mptcpPm } from "@nlwire/codec/families/mptcp-pm";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtNeigh } from "@nlwire/codec/families/rt-neigh";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { rtRule } from "@nlwire/codec/families/rt-rule";
import { tc } from "@nlwire/codec/families/tc";
import { tcpMetrics } from "@nlwire/codec/families/tcp-metrics";
import { KernelError, openNetlink, type NetlinkClient } from "../../client/index.js";

export interface Outcome {
  family: string;
  op: string;
  ok: boolean;
  errnoName?: string;
  missingCapability?: string;
  message?: string;
}

const MUTATING = /^(new|del|set|add|flush|announce|remove|subflow)/;

async function attempt(f: Family, op: string, run: () => Promise<unknown>): Promise<Outcome> {
  try {
    await run();
    return { family: f.model.name, op, ok: true };
  } catch (e) {
    if (!(e instanceof KernelError)) return { family: f.model.name, op, ok: false, message: String(e) };
    return { family: f.model.name, op, ok: false, errnoName: e.errnoName, message: e.message, ...(e.missingCapability ? { missingCapability: e.missingCapability } : {}) };
  }
}

/** Every do operation named like a change, sent empty: the kernel checks the capability before it looks at the body. */
async function mutations(c: NetlinkClient, f: Family): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const op of f.model.ops) if (op.do?.request && MUTATING.test(op.name)) out.push(await attempt(f, op.name, () => c.request(f, op.name, {})));
  return out;
}

const netns = process.argv[2]!;
const route = openNetlink({ protocol: 0, netns });
const genl = openNetlink({ protocol: 16, netns });
try {
  const reads: Outcome[] = [];
  for (const [f, op] of [[rtLink, "getlink"], [rtAddr, "getaddr"], [rtRoute, "getroute"], [rtNeigh, "getneigh"], [rtRule, "getrule"], [tc, "getqdisc"]] as const) {
    reads.push(await attempt(f.family, op, () => route.dump(f.family, op).toArray()));
  }
  reads.push(await attempt(mptcpPm.family, "get-limits", () => genl.request(mptcpPm.family, "get-limits", {})));
  const writes: Outcome[] = [];
  for (const f of [rtLink, rtAddr, rtRoute, rtNeigh, rtRule, tc]) writes.push(...(await mutations(route, f.family)));
  for (const f of [mptcpPm, tcpMetrics]) writes.push(...(await mutations(genl, f.family)));
  console.log(JSON.stringify({ reads, writes }));
} finally {
  route.close();
  genl.close();
}
