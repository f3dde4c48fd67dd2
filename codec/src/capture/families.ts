import * as generated from "../families/index.js";
import type { Family } from "../ynl/family.js";
import { FamilyRegistry } from "../ynl/registry.js";
import { TypedFamily } from "../ynl/typed.js";

/** Every generated family module's interpreter. */
export function allFamilies(): Family[] {
  const out: Family[] = [];
  for (const mod of Object.values(generated)) {
    for (const v of Object.values(mod as Record<string, unknown>)) if (v instanceof TypedFamily) out.push(v.family);
  }
  return out;
}

/** A registry that knows every generated family (generic netlink ids still to be learned). */
export function defaultRegistry(): FamilyRegistry {
  return new FamilyRegistry(allFamilies());
}

/** Netlink protocol numbers (linux/netlink.h) by their usual short names. */
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  0: "route", 2: "usersock", 4: "sock_diag", 5: "nflog", 6: "xfrm", 7: "selinux", 8: "iscsi", 9: "audit",
  10: "fib_lookup", 11: "connector", 12: "netfilter", 13: "ip6_fw", 14: "dnrtmsg", 15: "kobject_uevent",
  16: "generic", 18: "scsitransport", 19: "ecryptfs", 20: "rdma", 21: "crypto", 22: "smc",
};

/** "route" → 0, "16" → 16; undefined for a name that is none of them. */
export function protocolNumber(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  const hit = Object.entries(PROTOCOL_NAMES).find(([, n]) => n === s.toLowerCase());
  return hit ? Number(hit[0]) : undefined;
}
