import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { CaptureDecoder, readCaptureBytes, type CaptureEntry } from "@nlwire/codec/capture";
import { withNetns } from "../../tools/netns.js";
import { compareWithTshark, tsharkJson } from "./tshark.js";
import { CAPTURES } from "./helpers.js";
import { recordConntrack, recordGenl, recordRoute, recordSockDiag } from "../../capture/scenarios.js";

/**
 * Live traffic recorded by nlwire's tee in throw-away namespaces, decoded by
 * nlwire and by tshark; every field tshark decodes must agree.
 */
const dir = mkdtempSync(join(tmpdir(), "nlwire-tshark-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function decodeBoth(file: string, spoil: (es: CaptureEntry[]) => void = () => {}) {
  const { records, interfaces } = readCaptureBytes(new Uint8Array(readFileSync(file)));
  const decoder = new CaptureDecoder();
  const entries: CaptureEntry[] = records.flatMap((r) => decoder.decode(r));
  spoil(entries);
  const family = (e: CaptureEntry) => (e.family ? decoder.registry.family(e.family) : undefined);
  const { packets, stderr } = tsharkJson(file);
  return { records, entries, stderr, result: compareWithTshark({ records, interfaces, entries, family }, packets), packets };
}

const scenarios = [
  ["rtnetlink link/address/route dumps, an ext-ack error and events", recordRoute, 400],
  ["nlctrl family and policy dumps, netdev", recordGenl, 400],
  ["conntrack dump and statistics", recordConntrack, 100],
  ["sock_diag inet and unix dumps", recordSockDiag, 100],
] as const;

describe("nlwire and tshark decode the same live captures alike", () => {
  for (const [name, record, minAgreements] of scenarios) {
    test(name, async () => {
      const file = join(dir, `${record.name}.pcapng`);
      await withNetns((ns) => record(ns, file));
      const { stderr, result, records, packets } = decodeBoth(file);
      expect(stderr).toBe(""); // the file nlwire wrote opens without warnings
      expect(packets.length).toBe(records.length);
      const unmapped = [...result.unmapped].map(([f, n]) => `${f} ×${n}`).sort();
      const quirks = [...result.quirks].map(([f, q]) => `${f} ×${q.count} (${q.why})`);
      console.log(`${name}: ${result.agreements} fields agree, ${result.disagreements.length} disagree; ${records.length} records\n  not compared: ${unmapped.join(", ") || "none"}${quirks.length ? `\n  tshark misreads, nlwire follows the kernel: ${quirks.join("; ")}` : ""}`);
      expect(result.disagreements).toEqual([]);
      expect(result.agreements).toBeGreaterThan(minAgreements);
    });
  }
});

describe("the committed captures", () => {
  for (const f of readdirSync(CAPTURES).filter((x) => x.endsWith(".pcapng"))) {
    test(`${f} agrees with tshark`, () => {
      const { stderr, result } = decodeBoth(join(CAPTURES, f));
      expect(stderr).toBe("");
      expect(result.disagreements).toEqual([]);
      expect(result.agreements).toBeGreaterThan(100);
    });
  }

  test("the comparison notices a wrong value, header field, flag or missing attribute", () => {
    const { result } = decodeBoth(join(CAPTURES, "rtnl-dumps-events.pcapng"), (es) => {
      const link = es.find((e) => e.message?.op === "getlink" && e.direction === "from-kernel")!;
      const attrs = link.message!.attrs as Record<string, unknown>;
      attrs.mtu = (attrs.mtu as number) + 1;
      delete attrs.txqlen;
      (link.message!.fixed as Record<string, unknown>)["ifi-flags"] = [];
      const route = es.find((e) => e.message?.op === "getroute" && e.direction === "from-kernel")!;
      route.header = { ...route.header!, pid: route.header!.pid + 1 };
      const err = es.find((e) => e.control?.error?.errno)!;
      err.control!.error = { ...err.control!.error!, errno: 1 };
    });
    const d = result.disagreements.join("\n");
    expect(d).toMatch(/ mtu netlink-route.ifla_mtu: \d+ vs \d+/);
    expect(d).toMatch(/netlink-route.ifla_txqlen/);
    expect(d).toMatch(/ifi_flags.iff_up: 1 vs \[\]/);
    expect(d).toMatch(/netlink.hdr_pid/);
    expect(d).toMatch(/netlink.error: -34 vs 1/);
  });
});
