import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ip, ipIn } from "../../tools/netns.js";
import { linksIn, throwAwayNetns } from "../transport/netns.js";
import { buildCli, jsonOf, ndjsonOf, Running, runCli, startCli, type Cli, type MessageJson } from "./helpers.js";

const SPECS = "/work/shared/netlink-specs";
let cli: Cli;
beforeAll(async () => void (cli = await buildCli()));
afterAll(() => cli.remove());

describe("nlwire ynl", () => {
  const ns = throwAwayNetns("nlwynl");

  it("--list-families has a family for every kernel spec; --list-ops its operations and groups", () => {
    const fams = jsonOf<{ name: string; ops: string[]; groups: string[] }[]>(runCli(cli, ["ynl", "--list-families", "-j"]));
    const specs = readdirSync(SPECS).filter((f) => f.endsWith(".yaml")).map((f) => /^name:\s*(\S+)/m.exec(readFileSync(join(SPECS, f), "utf8"))![1]);
    expect(specs.length).toBeGreaterThan(30);
    expect(fams.map((f) => f.name)).toEqual(expect.arrayContaining(specs));
    const ops = jsonOf<{ ops: { name: string; modes: string[] }[]; groups: string[] }>(runCli(cli, ["ynl", "--family", "netdev", "--list-ops", "-j"]));
    expect(ops.ops).toContainEqual({ name: "dev-get", modes: ["do", "dump"] });
    expect(ops.groups).toEqual(["mgmt", "page-pool"]);
    expect(runCli(cli, ["ynl", "--family", "rt-link", "--list-ops"]).stdout).toMatch(/^newlink\s+do$/m);
  });

  it("--do newlink --create --excl with a JSON request makes the link; again, the kernel's EEXIST is exit 1", () => {
    const req = JSON.stringify({ ifname: "nlwy0", linkinfo: { kind: "veth" }, mtu: 1300 });
    const ok = runCli(cli, ["ynl", "--netns", ns.name, "--family", "rt-link", "--do", "newlink", "--create", "--excl", "--json", req]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(linksIn(ns.name).find((l) => l.ifname === "nlwy0")).toMatchObject({ mtu: 1300 });
    const again = runCli(cli, ["ynl", "--netns", ns.name, "--family", "rt-link", "--do", "newlink", "--create", "--excl", "--json", req]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("kernel error EEXIST (errno 17: File exists)");
  });

  it("--dump getlink: one JSON line per link, the links `ip -j link show` lists", () => {
    const r = runCli(cli, ["ynl", "--netns", ns.name, "--family", "rt-link", "--dump", "getlink"]);
    expect(r.code).toBe(0);
    const mine = ndjsonOf<MessageJson>(r.stdout).map((m) => [m.fixed!["ifi-index"], m.attrs.ifname]);
    expect(mine).toEqual(linksIn(ns.name).map((l) => [l.ifindex, l.ifname]));
  });

  it("fixed-header members stand among the attributes, like the kernel's ynl: a do getlink by ifi-index", () => {
    const r = runCli(cli, ["ynl", "--netns", ns.name, "--family", "rt-link", "--do", "getlink", "--json", '{"ifi-index": 1}']);
    expect(r.code).toBe(0);
    expect(ndjsonOf<MessageJson>(r.stdout)).toMatchObject([{ op: "getlink", attrs: { ifname: "lo" } }]);
  });

  it("--spec FILE.yaml: a spec loaded at run time (the kernel's netdev.yaml) dumps from the live kernel", () => {
    ipIn(ns.name, ["link set lo up"]);
    const r = runCli(cli, ["ynl", "--netns", ns.name, "--spec", join(SPECS, "netdev.yaml"), "--dump", "dev-get"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const devs = ndjsonOf<MessageJson>(r.stdout);
    expect(devs.map((d) => d.attrs.ifindex).sort()).toEqual(linksIn(ns.name).map((l) => l.ifindex).sort());
  });

  it("--subscribe GROUP --duration S: notifications as NDJSON, then it ends by itself", async () => {
    const r = new Running(startCli(cli, ["ynl", "--netns", ns.name, "--family", "rt-link", "--subscribe", "rtnlgrp-link", "--duration", "2"]));
    await r.until(() => r.stderr.includes("following"), 5000, "the subscription");
    ip(["-n", ns.name, "link", "add", "nlwy1", "type", "veth", "peer", "name", "nlwy2"]);
    expect(await r.exited).toBe(0);
    const names = ndjsonOf<MessageJson>(r.lines.join("\n")).map((m) => m.attrs.ifname);
    expect(names).toEqual(expect.arrayContaining(["nlwy1", "nlwy2"]));
  });

  it("a kernel refusal prints the ext-ack text and the attribute path by name (exit 1)", () => {
    const req = JSON.stringify({ ifname: "far-too-long-for-ifnamsiz", linkinfo: { kind: "veth" } });
    const r = runCli(cli, ["ynl", "--netns", ns.name, "--family", "rt-link", "--do", "newlink", "--create", "--excl", "--json", req]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("rt-link newlink: kernel error ERANGE (errno 34: Math result not representable)");
    expect(r.stderr).toContain("kernel says: Attribute failed policy validation");
    expect(r.stderr).toMatch(/^ {2}attribute: ifname$/m);
  });

  it("bad requests are usage errors (exit 2) that say what is wrong, before anything is sent", () => {
    const run = (...a: string[]) => runCli(cli, ["ynl", "--netns", ns.name, ...a]);
    const cases: [string[], RegExp][] = [
      [["--family", "nosuch", "--dump", "x"], /unknown family "nosuch"/],
      [["--family", "rt-link", "--dump", "nosuch"], /rt-link has no operation "nosuch"/],
      [["--family", "rt-link", "--do", "newlink", "--json", "{not json"], /the request is not JSON/],
      [["--family", "rt-link", "--do", "newlink", "--json", '{"nosuch": 1}'], /no attribute "nosuch"/],
      [["--family", "rt-link", "--do", "newlink", "--json", '{"ifname": 5}'], /5 is not a string/],
      [["--family", "rt-link"], /one of --do OP, --dump OP/],
      [["--family", "rt-link", "--subscribe", "nosuch"], /no multicast group "nosuch"/],
    ];
    for (const [args, msg] of cases) {
      const r = run(...args);
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(msg)]);
    }
  });

  it("a family nlwire knows but the kernel lacks: says so, exit 1", () => {
    const present = new Set(jsonOf<{ "family-name": string }[]>(runCli(cli, ["genl", "list", "-j"])).map((f) => f["family-name"]));
    const known = jsonOf<{ name: string; protocol: string; ops: string[] }[]>(runCli(cli, ["ynl", "--list-families", "-j"]));
    // Families with dumps that a test machine's kernel is likely to lack (this one lacks all of them).
    const candidates = ["wireguard", "nl80211", "devlink", "ovpn", "dpll", "team"];
    const absent = candidates.map((n) => known.find((f) => f.name === n)).find((f) => f && !present.has(f.name));
    expect(absent).toBeDefined();
    const list = jsonOf<{ ops: { name: string; modes: string[] }[] }>(runCli(cli, ["ynl", "--family", absent!.name, "--list-ops", "-j"]));
    const op = list.ops.find((o) => o.modes.includes("dump") || o.modes.includes("do"))!;
    const r = runCli(cli, ["ynl", "--netns", ns.name, "--family", absent!.name, op.modes.includes("dump") ? "--dump" : "--do", op.name]);
    expect([r.code, r.stderr]).toEqual([1, expect.stringContaining(`the kernel has no generic netlink family "${absent!.name}"`)]);
  });

  it("a spec file that is missing, not YAML, or not a spec is an input error (exit 3)", () => {
    const bad = join(cli.dir, "bad.yaml");
    writeFileSync(bad, "name: [unclosed\n");
    const notSpec = join(cli.dir, "not-spec.yaml");
    writeFileSync(notSpec, "just a string\n");
    for (const [file, msg] of [[join(cli.dir, "nope.yaml"), /cannot read the spec/], [bad, /is not YAML/], [notSpec, /is not a YNL spec/]] as const) {
      const r = runCli(cli, ["ynl", "--spec", file, "--list-ops"]);
      expect([r.code, r.stderr]).toEqual([3, expect.stringMatching(msg)]);
    }
  });
});
