import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ipIn } from "../../tools/netns.js";
import { runText } from "../../tools/exec.js";
import { buildCli, ndjsonOf, runCli, type Cli, type MessageJson } from "../cli/helpers.js";
import { throwAwayNetns } from "../transport/netns.js";

let cli: Cli;
beforeAll(async () => void (cli = await buildCli()));
afterAll(() => cli.remove());

describe("nlwire ynl with the project-written families", () => {
  const ns = throwAwayNetns("nlwcl");

  it("lists them, dumps xfrm policies and ipset sets from a namespace, and does an ipset add", () => {
    const fams = JSON.parse(runCli(cli, ["ynl", "--list-families", "-j"]).stdout) as { name: string }[];
    expect(fams.map((f) => f.name)).toEqual(expect.arrayContaining(["xfrm", "ipset", "audit", "nfnetlink-log", "nfnetlink-queue"]));

    ipIn(ns.name, ["xfrm policy add src 10.7.0.0/16 dst 10.6.0.0/24 dir fwd priority 9"]);
    const pol = runCli(cli, ["ynl", "--netns", ns.name, "--family", "xfrm", "--dump", "getpolicy"]);
    expect(pol.stderr).toBe("");
    const policies = ndjsonOf<MessageJson>(pol.stdout);
    expect(policies).toHaveLength(1);
    expect(policies[0]!.fixed).toMatchObject({ dir: "fwd", priority: 9 });

    runText("ip", ["netns", "exec", ns.name, "ipset", "create", "nlwc", "hash:ip"]);
    const add = runCli(cli, ["ynl", "--netns", ns.name, "--family", "ipset", "--do", "add", "--json", JSON.stringify({ protocol: 7, setname: "nlwc", data: { ip: { ipv4: "203.0.113.5" } } })]);
    expect(add.stderr).toBe("");
    expect(add.code).toBe(0);
    expect(runText("ip", ["netns", "exec", ns.name, "ipset", "list", "nlwc"])).toMatch(/^203\.0\.113\.5$/m);
    const sets = ndjsonOf<MessageJson>(runCli(cli, ["ynl", "--netns", ns.name, "--family", "ipset", "--dump", "list", "--json", '{"protocol": 7}']).stdout);
    expect(sets.map((s) => s.attrs["setname"])).toContain("nlwc");
  });
});
