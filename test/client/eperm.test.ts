import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runBundled } from "../helpers/child.js";
import { linksIn, throwAwayNetns } from "../transport/netns.js";
import type { Outcome } from "./eperm-child.js";

/** The way to run a shell command without CAP_NET_ADMIN: capsh where it exists, else setpriv. */
function withoutNetAdmin(cmd: string): [string, string[]] {
  if (existsSync("/usr/sbin/capsh") || existsSync("/sbin/capsh")) return ["capsh", ["--drop=cap_net_admin", "--", "-c", cmd]];
  return ["setpriv", ["--inh-caps=-net_admin", "--bounding-set=-net_admin", "sh", "-c", cmd]];
}

describe("without CAP_NET_ADMIN", () => {
  const ns = throwAwayNetns("nlwep");

  it("every mutating request fails with a typed EPERM naming the capability; every read still works", async () => {
    const before = linksIn(ns.name);
    const out = JSON.parse(await runBundled("test/client/eperm-child.ts", [ns.name], withoutNetAdmin)) as { reads: Outcome[]; writes: Outcome[] };
    expect(out.reads.filter((r) => !r.ok)).toEqual([]);
    expect(out.reads).toHaveLength(7);
    // rt-link newlink/dellink/setlink, ..., tc, and generic netlink admin operations.
    expect(out.writes.length).toBeGreaterThanOrEqual(30);
    for (const w of out.writes) {
      expect(w).toMatchObject({ ok: false, errnoName: "EPERM", missingCapability: "CAP_NET_ADMIN" });
      expect(w.message).toMatch(/EPERM \(Operation not permitted\).*needs CAP_NET_ADMIN/);
    }
    expect(new Set(out.writes.map((w) => w.family))).toEqual(new Set(["rt-link", "rt-addr", "rt-route", "rt-neigh", "rt-rule", "tc", "mptcp_pm", "tcp_metrics"]));
    expect(linksIn(ns.name)).toEqual(before);
  });
});
