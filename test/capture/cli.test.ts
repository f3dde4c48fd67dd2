import { Writable } from "node:stream";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { decodeCommand } from "../../cli/decode.js";
import { liveGenlMap } from "../../capture/live-genl.js";
import { withNetns } from "../../tools/netns.js";
import { CAPTURES } from "./helpers.js";

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function decode(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Sink();
  const err = new Sink();
  const code = await decodeCommand(argv, out, err);
  return { code, out: out.text, err: err.text };
}

const ROUTE = join(CAPTURES, "rtnl-dumps-events.pcapng");
const GENL = join(CAPTURES, "genl-nlctrl-netdev.pcapng");

describe("nlwire decode", () => {
  test("NDJSON with filters: one parseable object per matching message", async () => {
    const r = await decode(ROUTE, "--ndjson", "--family", "rt-link", "--type", "getlink", "--direction", "from-kernel");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n").map((l) => JSON.parse(l) as { family: string; op: string; direction: string; attrs: { ifname: string } });
    expect(lines.map((l) => l.attrs.ifname).sort()).toEqual(["br0", "lo", "lo", "v0", "v1"]);
    for (const l of lines) expect([l.family, l.op, l.direction]).toEqual(["rt-link", "getlink", "from-kernel"]);
  });

  test("JSON: one array, every message", async () => {
    const r = await decode(GENL, "--json");
    const all = JSON.parse(r.out) as { family?: string }[];
    expect(all.length).toBeGreaterThan(20);
    expect(new Set(all.map((m) => m.family))).toEqual(new Set(["nlctrl", "netdev", undefined]));
    expect(JSON.parse((await decode(GENL, "--json", "--seq", "1-2")).out)).toEqual([]);
  });

  test("tree output names things", async () => {
    const r = await decode(ROUTE, "--type", "ERROR");
    expect(r.out).toContain("error ERANGE");
    expect(r.out).toContain("Attribute failed policy validation");
    expect(r.out).toContain('ifname: "far-too-long-for-ifnamsiz"');
  });

  test("--genl-map and --live-genl", async () => {
    const map = await withNetns((ns) => liveGenlMap(ns));
    expect(map.get(16)).toBe("nlctrl");
    expect([...map.values()]).toContain("netdev");
    const r = await decode(GENL, "--ndjson", "--genl-map", "16=nlctrl,4242=made-up", "--family", "nlctrl", "--type", "getfamily");
    expect(r.code).toBe(0);
    expect(r.out.trim().split("\n").length).toBeGreaterThan(5);
  });

  test("errors: usage 64, missing file 66, not a capture 65", async () => {
    expect((await decode()).code).toBe(64);
    expect((await decode(ROUTE, "--json", "--ndjson")).code).toBe(64);
    expect((await decode(ROUTE, "--genl-map", "x")).code).toBe(64);
    expect((await decode(ROUTE, "--direction", "up")).code).toBe(64);
    expect((await decode("/nonexistent.pcapng")).code).toBe(66);
    const bad = await decode(join(CAPTURES, "README.md"));
    expect(bad.code).toBe(65);
    expect(bad.err).toMatch(/not a pcap or pcapng file/);
  });
});
