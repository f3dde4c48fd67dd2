import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runText } from "../../tools/exec.js";
import { buildCli, jsonOf, runCli, type Cli } from "./helpers.js";

// Against iproute2's genl, which reads the same nlctrl answers in its own way.
let cli: Cli;
beforeAll(async () => void (cli = await buildCli()));
afterAll(() => cli.remove());

describe("nlwire genl", () => {
  it("list: the families, ids and groups `genl ctrl list` shows", () => {
    const text = runText("genl", ["ctrl", "list"]);
    const theirs = [...text.matchAll(/^Name: (\S+)\n\s+ID: (0x[0-9a-f]+)/gm)].map((m) => [m[1], Number(m[2])]);
    // An array the kernel sent with wire facts worth keeping (here nests without NLA_F_NESTED) is {"$items": [...]}.
    const items = <T>(x: T[] | { $items: T[] } | undefined): T[] => (Array.isArray(x) ? x : (x?.$items ?? []));
    const mine = jsonOf<{ "family-name": string; "family-id": number; "mcast-groups"?: { $items: { name: string }[] } }[]>(runCli(cli, ["genl", "list", "-j"]));
    expect(mine.map((f) => [f["family-name"], f["family-id"]])).toEqual(theirs);
    const groups = [...text.matchAll(/^\s+#\d+:\s+ID-0x[0-9a-f]+\s+name: (\S+)/gm)].map((m) => m[1]);
    expect(mine.flatMap((f) => items(f["mcast-groups"]).map((g) => g.name))).toEqual(groups);
    const table = runCli(cli, ["genl", "list"]).stdout;
    expect(table).toMatch(/^netdev\s+\d+\s+1\s+yes\s+\d+\s+mgmt,page-pool$/m);
  });

  it("list FAMILY: the operations by name, with the kernel's flags", () => {
    const r = runCli(cli, ["genl", "list", "nlctrl"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}3\s+getfamily\s+cmd-cap-do,cmd-cap-dump,cmd-cap-haspol$/m);
    expect(r.stdout).toMatch(/^ {2}10\s+getpolicy\s+cmd-cap-dump,cmd-cap-haspol$/m);
  });

  it("policy FAMILY: what `genl ctrl policy` reports, entry for entry", () => {
    const text = runText("genl", ["ctrl", "policy", "name", "netdev"]);
    const theirOps = [...text.matchAll(/op (\d+) policies:((?: \w+=\d+)+)/g)].map((m) => [Number(m[1]), m[2]!.trim()]);
    const theirs = [...text.matchAll(/policy\[(\d+)\]:attr\[(\d+)\]: type=(\S+)(?: range:\[(\d+),(\d+)\])?/g)].map((m) => [
      `${m[1]}.${m[2]}`, m[3]!.toLowerCase().replace("_", "-"), m[4] ?? null, m[5] ?? null,
    ]);
    const pol = jsonOf<{ ops: Record<string, { cmd: number; do?: number; dump?: number }>; policies: Record<string, Record<string, Record<string, string>>> }>(
      runCli(cli, ["genl", "policy", "netdev", "-j"]),
    );
    const myOps = Object.values(pol.ops).map((o) => [o.cmd, [o.do === undefined ? "" : `do=${o.do}`, o.dump === undefined ? "" : `dump=${o.dump}`].filter(Boolean).join(" ")]);
    expect(myOps.sort()).toEqual(theirOps.sort());
    const mine = Object.entries(pol.policies).flatMap(([p, attrs]) =>
      Object.entries(attrs).map(([a, e]) => [`${p}.${a}`, e.type!, e["min-value-u"] ?? e["min-value-s"] ?? null, e["max-value-u"] ?? e["max-value-s"] ?? null]),
    );
    // genl 6.1 prints types newer than it (uint) as "unknown".
    const comparable = (xs: (string | null)[][]) => xs.map((x) => (x[1] === "unknown" || x[1] === "uint" ? [x[0], "?", x[2], x[3]] : x)).sort();
    expect(comparable(mine)).toEqual(comparable(theirs));
  });

  it("policy FAMILY OP, readable: the op's policies with the spec's attribute names", () => {
    const r = runCli(cli, ["genl", "policy", "nlctrl", "getfamily"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^getfamily \(cmd 3\) {2}do: policy 0 {2}dump: policy 0$/m);
    expect(r.stdout).toMatch(/^policy 0 \(ctrl-attrs\)$/m);
    expect(r.stdout).toMatch(/^ {2}2\s+family-name\s+nul-string, at most 15 bytes$/m); // GENL_NAMSIZ 16, with the NUL
    expect(r.stdout).toMatch(/^ {2}1\s+family-id\s+u16, range 0\.\.65535$/m);
  });

  it("unknown family or op: a usage error (exit 2)", () => {
    for (const args of [["policy", "nosuch"], ["policy", "nlctrl", "nosuchop"], ["list", "nosuch"]]) {
      const r = runCli(cli, ["genl", ...args]);
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/no (generic netlink family|operation)/)]);
    }
  });
});
