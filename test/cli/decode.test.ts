import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NLM_F } from "@nlwire/codec";
import { CaptureDecoder } from "@nlwire/codec/capture";
import { readCaptureFile } from "../../capture/index.js";
import { addEntry, newSummary } from "../../cli/decode-summary.js";
import { runText } from "../../tools/exec.js";
import { FIXTURES_DIR } from "../../tools/paths.js";
import { ipIn } from "../../tools/netns.js";
import { linksIn, throwAwayNetns } from "../transport/netns.js";
import { buildCli, jsonOf, ndjsonOf, runCli, type Cli } from "./helpers.js";

const CAPTURES = join(FIXTURES_DIR, "captures");
const captures = readdirSync(CAPTURES).filter((f) => f.endsWith(".pcapng")).map((f) => join(CAPTURES, f));

let cli: Cli;
beforeAll(async () => void (cli = await buildCli()));
afterAll(() => cli.remove());

interface SummaryJson {
  records: number;
  messages: number;
  families: Record<string, number>;
  types: Record<string, number>;
  directions: Record<string, number>;
  errors: Record<string, number>;
  acks: number;
  interruptedDumps: number;
  truncated: number;
  problems: number;
}

const summary = (file: string, ...args: string[]) => jsonOf<SummaryJson>(runCli(cli, ["decode", file, "--summary", "-j", ...args]));
/** One tshark run (it is slow to start): per frame, the values of each field (occurrences split). */
function tshark(file: string, ...fields: string[]): string[][][] {
  const out = runText("tshark", ["-r", file, "-T", "fields", ...fields.flatMap((f) => ["-e", f])]);
  return out.trimEnd().split("\n").map((line) => line.split("\t").map((v) => v.split(",").filter((x) => x !== "")));
}
/** Frames, and the errno of each NLMSG_ERROR (0 for an ack), as tshark reads them. */
function tsharkCounts(file: string, extra?: string): { frames: number; errnos: number[]; extra: string[] } {
  const rows = tshark(file, "frame.number", "netlink.error", ...(extra ? [extra] : []));
  return { frames: rows.length, errnos: rows.flatMap((r) => (r[1] ?? []).map(Number)), extra: rows.flatMap((r) => r[2] ?? []) };
}

describe("nlwire decode --summary", () => {
  it.each(captures)("%s: records, errors and acks as tshark counts them; messages as decode lists them", (file) => {
    const s = summary(file);
    const { frames, errnos } = tsharkCounts(file);
    expect(s.records).toBe(frames);
    expect(s.acks).toBe(errnos.filter((e) => e === 0).length);
    expect(Object.values(s.errors).reduce((a, b) => a + b, 0)).toBe(errnos.filter((e) => e !== 0).length);
    const listed = ndjsonOf<{ header?: unknown; family?: string; direction?: string }>(runCli(cli, ["decode", file, "--ndjson"]).stdout).filter((e) => e.header);
    expect(s.messages).toBe(listed.length);
    expect(Object.values(s.families).reduce((a, b) => a + b, 0)).toBe(listed.length);
    expect(s.directions["to-kernel"] ?? 0).toBe(listed.filter((e) => e.direction === "to-kernel").length);
    expect([s.truncated, s.problems]).toEqual([0, 0]);
  });

  it("the recorded refusal shows as an error by errno and request, the dumps by family and message", () => {
    const s = summary(join(CAPTURES, "rtnl-dumps-events.pcapng"));
    expect(s.errors).toEqual({ "ERANGE rt-link newlink": 1 });
    expect(s.types["rt-route getroute reply"]).toBeGreaterThan(0);
    expect(s.types["rt-link newlink-ntf notify"]).toBeGreaterThan(0);
    const text = runCli(cli, ["decode", join(CAPTURES, "rtnl-dumps-events.pcapng"), "--summary"]).stdout;
    expect(text).toMatch(/^kernel errors\n\s+ERRNO REQUEST\s+COUNT\n\s+ERANGE rt-link newlink\s+1$/m);
    expect(text).toMatch(/^interrupted dumps \(NLM_F_DUMP_INTR\): 0$/m);
  });

  it("filters narrow the counts (the capture library's filters)", () => {
    const s = summary(join(CAPTURES, "rtnl-dumps-events.pcapng"), "--family", "rt-route");
    expect(Object.keys(s.families)).toEqual(["rt-route"]);
    expect(s.directions["to-kernel"]).toBe(2);
  });

  it("interrupted dumps are counted once per dump (protocol, port, seq) that carried NLM_F_DUMP_INTR", async () => {
    const s = newSummary();
    const decoder = new CaptureDecoder();
    let marked = 0;
    for await (const rec of readCaptureFile(join(CAPTURES, "rtnl-dumps-events.pcapng"))) {
      for (const e of decoder.decode(rec)) {
        // Mark the replies of the route dumps as the kernel does when the table changed mid-dump.
        if (e.header && e.message?.op === "getroute" && e.header.flags & NLM_F.MULTI) {
          addEntry(s, { ...e, header: { ...e.header, flags: e.header.flags | NLM_F.DUMP_INTR } });
          marked++;
        } else addEntry(s, e);
      }
    }
    expect(marked).toBeGreaterThan(2);
    expect(s.interruptedDumps.size).toBe(2); // the IPv4 and the IPv6 route dump
  });
});

describe("nlwire decode (the capture helper's command, through the dispatcher)", () => {
  it("-j is its --json: one JSON array of the messages", () => {
    const file = join(CAPTURES, "genl-nlctrl-netdev.pcapng");
    const all = jsonOf<{ family?: string }[]>(runCli(cli, ["decode", file, "-j"]));
    expect(all.length).toBe(summary(file).messages);
    expect(all.some((e) => e.family === "netdev")).toBe(true);
  });
});

describe("--record FILE: a live command's traffic into pcapng", () => {
  const ns = throwAwayNetns("nlwrec");

  it("link show --record: the dump is in the file, tshark reads it, decode names every link", () => {
    ipIn(ns.name, ["link add nlwr0 type veth peer name nlwr1"]);
    const file = join(cli.dir, "link-show.pcapng");
    const r = runCli(cli, ["link", "show", "--netns", ns.name, "--record", file]);
    expect(r.code).toBe(0);
    const s = summary(file);
    expect(s.types["rt-link getlink request"]).toBe(1);
    expect(s.types["rt-link getlink reply"]).toBe(linksIn(ns.name).length);
    const t = tsharkCounts(file, "netlink-route.ifla_ifname");
    expect(t.frames).toBe(s.records);
    expect(t.extra.sort()).toEqual(linksIn(ns.name).map((l) => l.ifname).sort());
  });

  it("generic netlink: the recording names the family of the id it resolved, so decode needs no map", () => {
    const file = join(cli.dir, "netdev.pcapng");
    expect(runCli(cli, ["ynl", "--family", "netdev", "--dump", "dev-get", "--netns", ns.name, "--record", file]).code).toBe(0);
    const s = summary(file);
    expect(s.families.netdev).toBe(1 + linksIn(ns.name).length); // the request and one reply per device
    expect(s.types["nlctrl getfamily request"]).toBe(1);
  });

  it("a refused request is recorded with its ext-ack, and the summary counts it", () => {
    const file = join(cli.dir, "refused.pcapng");
    const req = JSON.stringify({ ifname: "far-too-long-for-ifnamsiz", linkinfo: { kind: "veth" } });
    const r = runCli(cli, ["ynl", "--netns", ns.name, "--family", "rt-link", "--do", "newlink", "--create", "--json", req, "--record", file]);
    expect(r.code).toBe(1);
    expect(summary(file).errors).toEqual({ "ERANGE rt-link newlink": 1 });
    expect(tsharkCounts(file).errnos).toEqual([-34]);
  });
});
