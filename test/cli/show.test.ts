import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ip, ipIn } from "../../tools/netns.js";
import { throwAwayNetns } from "../transport/netns.js";
import { buildCli, jsonOf, runCli, type Cli, type MessageJson } from "./helpers.js";

// `nlwire X show` against `ip -j X show` for the same state, in a namespace of the test's own.
let cli: Cli;
beforeAll(async () => void (cli = await buildCli()));
afterAll(() => cli.remove());

const byText = <T>(xs: T[]): T[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe("nlwire link|addr|route|neigh|rule show", () => {
  const ns = throwAwayNetns("nlwcli");
  const json = (ns: string, args: string[]) => {
    const r = runCli(cli, [...args, "--netns", ns, "-j"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return jsonOf<MessageJson[]>(r);
  };
  const ipJson = <T>(args: string[]): T[] => JSON.parse(ip(["-n", ns.name, "-j", ...args])) as T[];

  beforeAll(() => {
    ipIn(ns.name, [
      "link add nlwa type veth peer name nlwb",
      "link add nlwbr type bridge",
      "link set nlwb master nlwbr",
      "link set nlwa mtu 1400 up",
      "link set lo up",
      "addr add 10.7.0.1/24 dev nlwa",
      "addr add 2001:db8:7::1/64 dev nlwa nodad",
      "route add 10.8.0.0/16 via 10.7.0.2 dev nlwa metric 7",
      "route add 10.9.0.0/16 dev nlwa table 100",
      "neigh add 10.7.0.9 lladdr 02:00:00:00:00:09 dev nlwa nud permanent",
      "rule add from 10.7.0.0/24 table 100 priority 1000",
    ]);
  });

  it("link show -j: every link ip shows, with its index, name, mtu, address, master and kind", () => {
    const mine = json(ns.name, ["link", "show"]).map((m) => ({
      ifindex: m.fixed!["ifi-index"], ifname: m.attrs.ifname, mtu: m.attrs.mtu, address: m.attrs.address,
      master: m.attrs.master ?? null, kind: (m.attrs.linkinfo as { kind?: string } | undefined)?.kind ?? null,
    }));
    const theirs = ipJson<Record<string, unknown>>(["-d", "link", "show"]).map((l) => ({
      ifindex: l.ifindex, ifname: l.ifname, mtu: l.mtu, address: l.address,
      master: l.master === undefined ? null : ipJson<{ ifindex: number }>(["link", "show", String(l.master)])[0]!.ifindex,
      kind: (l.linkinfo as { info_kind?: string } | undefined)?.info_kind ?? null,
    }));
    expect(byText(mine)).toEqual(byText(theirs));
    expect(mine.map((l) => l.ifname)).toEqual(expect.arrayContaining(["lo", "nlwa", "nlwb", "nlwbr"]));
  });

  it("link show: a table with the names, states and the master by name", () => {
    const r = runCli(cli, ["link", "show", "--netns", ns.name]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^INDEX\s+NAME\s+STATE\s+MTU\s+ADDRESS\s+KIND\s+MASTER\s+FLAGS$/);
    expect(lines.find((l) => / nlwb /.test(l))).toMatch(/veth\s+nlwbr\s/);
    expect(lines.find((l) => / nlwa /.test(l))).toMatch(/ 1400 /);
    expect(r.stdout).not.toContain("\x1b["); // not a TTY: no colours
  });

  it("addr show -j: the addresses ip shows", () => {
    const mine = json(ns.name, ["addr", "show"]).map((m) => ({
      ifindex: m.fixed!["ifa-index"], local: m.attrs.local ?? m.attrs.address, prefixlen: m.fixed!["ifa-prefixlen"],
    }));
    const theirs = ipJson<{ ifindex: number; addr_info: { local: string; prefixlen: number }[] }>(["addr", "show"]).flatMap((l) =>
      l.addr_info.map((a) => ({ ifindex: l.ifindex, local: a.local, prefixlen: a.prefixlen })),
    );
    expect(byText(mine)).toEqual(byText(theirs));
    expect(mine).toContainEqual(expect.objectContaining({ local: "2001:db8:7::1", prefixlen: 64 }));
  });

  it("route show -j (every table, like `ip route show table all`) and --table", () => {
    const dst = (m: MessageJson) => (m.attrs.dst === undefined ? "default" : `${m.attrs.dst}/${m.fixed!["rtm-dst-len"]}`);
    const mine = json(ns.name, ["route", "show"]).map((m) => ({ dst: dst(m), table: m.attrs.table }));
    const tables: Record<string, number> = { main: 254, local: 255, default: 253 };
    const theirs = [
      ...ipJson<{ dst: string; table?: string }>(["-4", "route", "show", "table", "all"]),
      ...ipJson<{ dst: string; table?: string }>(["-6", "route", "show", "table", "all"]),
    ].map((r) => ({
      dst: r.dst.includes("/") || r.dst === "default" ? r.dst : `${r.dst}/${r.dst.includes(":") ? 128 : 32}`,
      table: r.table === undefined ? 254 : (tables[r.table] ?? Number(r.table)),
    }));
    expect(byText(mine)).toEqual(byText(theirs));
    const t100 = json(ns.name, ["route", "show", "--table", "100"]);
    expect(t100.map(dst)).toEqual(["10.9.0.0/16"]);
    const text = runCli(cli, ["route", "show", "--table", "main", "--family", "inet", "--netns", ns.name]).stdout;
    expect(text).toMatch(/main\s+inet\s+unicast\s+10\.8\.0\.0\/16\s+10\.7\.0\.2\s+nlwa\s+.*\s7$/m);
  });

  it("neigh show -j (every state: ip hides NOARP ones unless `nud all`) and rule show -j: what ip shows", () => {
    const neigh = json(ns.name, ["neigh", "show"]).map((m) => ({ dst: m.attrs.dst, lladdr: m.attrs.lladdr ?? null }));
    const ipNeigh = ipJson<{ dst: string; lladdr?: string }>(["neigh", "show", "nud", "all"]).map((n) => ({ dst: n.dst, lladdr: n.lladdr ?? null }));
    expect(byText(neigh)).toEqual(byText(ipNeigh));
    expect(neigh).toContainEqual({ dst: "10.7.0.9", lladdr: "02:00:00:00:00:09" });
    const all = json(ns.name, ["rule", "show"]).map((m) => ({ priority: m.attrs.priority ?? 0, family: m.fixed!.family as number }));
    // ip rule shows IPv4 or IPv6; the dump also has the multicast routing rules (RTNL_FAMILY_IPMR 128, IP6MR 129).
    const rules = all.filter((r) => r.family === 2 || r.family === 10);
    expect(all.filter((r) => r.family >= 128).map((r) => r.family).sort()).toEqual([128, 129]);
    const ipRules = [
      ...ipJson<{ priority: number }>(["-4", "rule", "show"]).map((r) => ({ priority: r.priority, family: 2 })),
      ...ipJson<{ priority: number }>(["-6", "rule", "show"]).map((r) => ({ priority: r.priority, family: 10 })),
    ];
    expect(byText(rules)).toEqual(byText(ipRules));
    expect(runCli(cli, ["rule", "show", "--netns", ns.name]).stdout).toMatch(/^1000\s+inet\s+10\.7\.0\.0\/24\s.*to-tbl\s+100$/m);
  });

  it("-j is lossless: 64-bit counters as decimal strings, what the spec lacks under $unknown or as hex", () => {
    const [lo] = json(ns.name, ["link", "show"]).filter((m) => m.attrs.ifname === "lo");
    const stats64 = lo!.attrs.stats64 as Record<string, unknown>;
    expect(typeof stats64["rx-bytes"]).toBe("string");
    expect(stats64["rx-bytes"]).toMatch(/^\d+$/);
  });

  it("`nlwire link` alone means `link show`, like ip", () => {
    const r = runCli(cli, ["link", "--netns", ns.name, "-j"]);
    expect(r.code).toBe(0);
    expect(jsonOf<MessageJson[]>(r).length).toBe(ipJson(["link", "show"]).length);
  });
});
