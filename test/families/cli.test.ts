import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ip } from "../../tools/netns.js";
import { buildCli, jsonOf, ndjsonOf, runCli, type Cli } from "../cli/helpers.js";
import { fileNetns, inNetns } from "./netns.js";

// The CLI reaches the project-written families as it reaches the kernel's:
// `nlwire ynl --family NAME` finds them in the generated index, encodes a
// JSON request with their (message-level) fixed headers, and prints the
// decoded replies.

const ns = fileNetns("nlw-fcli", ["link add v0 type veth peer name v1", "link set v0 up", "link set v1 up", "nexthop add id 5 dev v0", "nexthop add id 6 blackhole"]);
let cli: Cli;
beforeAll(async () => void (cli = await buildCli()));
afterAll(() => cli?.remove());

interface Line {
  op?: string;
  fixed?: Record<string, unknown>;
  attrs: Record<string, unknown>;
}

describe("nlwire ynl with the project families", () => {
  it("lists them among the families", () => {
    const fams = jsonOf<{ name: string }[]>(runCli(cli, ["ynl", "--list-families", "-j"])).map((f) => f.name);
    expect(fams).toEqual(expect.arrayContaining(["sock-diag", "TASKSTATS", "rt-nexthop", "rt-netconf", "rt-nsid", "rt-addrlabel", "rt-vlan", "rt-mdb"]));
  });

  it("dumps nexthops: the ids ip -j nexthop shows", () => {
    const r = runCli(cli, ["ynl", "--netns", ns(), "--family", "rt-nexthop", "--dump", "getnexthop", "--json", '{"nh-family": 0}']);
    expect(r.stderr).toBe("");
    const ids = ndjsonOf<Line>(r.stdout).map((m) => m.attrs["id"]);
    expect(ids).toEqual((JSON.parse(ip(["-n", ns(), "-j", "nexthop", "show"])) as { id: number }[]).map((n) => n.id));
  });

  it("dumps netlink sockets through sock_diag (an op picked by its header byte): the protocols ss lists", () => {
    const r = runCli(cli, ["ynl", "--netns", ns(), "--family", "sock-diag", "--dump", "netlink-diag", "--json", '{"sdiag-family": "netlink", "sdiag-protocol": 255}']);
    expect(r.stderr).toBe("");
    const lines = ndjsonOf<Line>(r.stdout);
    expect(lines.every((m) => m.op === "netlink-diag")).toBe(true);
    // Kernel-side sockets (port 0) are the same for both readers; each reader adds a socket of its own.
    const kernel = (xs: string[]) => xs.filter((x) => x.endsWith(":0")).sort();
    const ours = lines.map((m) => `${String(m.fixed!["ndiag-protocol"])}:${String(m.fixed!["ndiag-portid"])}`);
    const theirs = inNetns(ns(), "ss", ["-A", "netlink", "-anH"]).trim().split("\n").map((l) => l.trim().split(/\s+/)[3]!);
    expect(kernel(ours)).toEqual(kernel(theirs));
    expect(kernel(ours).length).toBeGreaterThan(3);
  });

  it("asks TASKSTATS for a child's statistics (generic netlink, resolved by name)", async () => {
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const r = runCli(cli, ["ynl", "--family", "TASKSTATS", "--do", "get", "--json", JSON.stringify({ pid: child.pid })]);
      expect(r.stderr).toBe("");
      const [m] = ndjsonOf<Line>(r.stdout);
      const stats = (m!.attrs["aggr-pid"] as { stats: Record<string, unknown> }).stats;
      expect([stats["ac-pid"], stats["ac-comm"], stats["ac-ppid"]]).toEqual([child.pid, "sleep", process.pid]);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
