/**
 * The fuzzer's starting material: the recorded kernel traffic in
 * test/fixtures/ (every datagram sent and received), the kernel's YNL specs,
 * and capture files built from the recorded datagrams (pcapng through the
 * codec's writer, classic pcap written here byte by byte).
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { parseHex } from "@nlwire/codec";
import { LINKTYPE_NETLINK, PcapngWriter, cookedHeader } from "@nlwire/codec/capture";

/** The repository root, found from this file (it runs from fuzz/ and from dist/fuzz/). */
export const ROOT = findRoot(fileURLToPath(new URL(".", import.meta.url)));
export const FIXTURE_DIR = join(ROOT, "test/fixtures");
export const FINDINGS_DIR = join(FIXTURE_DIR, "fuzz");
export const SPEC_DIR = join(ROOT, "../shared/netlink-specs");

function findRoot(dir: string): string {
  for (let d = dir; d !== "/"; d = join(d, "..")) if (existsSync(join(d, "test/fixtures")) && existsSync(join(d, "codec"))) return d;
  throw new Error(`no repository root above ${dir}`);
}

export interface RecordedDatagram {
  bytes: Uint8Array;
  fromKernel: boolean;
}

export interface RecordedFixture {
  file: string;
  protocol: number;
  /** Generic netlink ids on the recording machine. */
  genl: Map<number, string>;
  datagrams: RecordedDatagram[];
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (p !== FINDINGS_DIR) out.push(...jsonFiles(p));
    } else if (name.endsWith(".json")) out.push(p);
  }
  return out;
}

let fixtureCache: RecordedFixture[] | undefined;

/** Every recorded fixture (the files with `sent`/`received` hex datagrams). */
export function recordedFixtures(): RecordedFixture[] {
  if (fixtureCache) return fixtureCache;
  fixtureCache = [];
  for (const file of jsonFiles(FIXTURE_DIR)) {
    const j = JSON.parse(readFileSync(file, "utf8")) as { protocol?: number; genlFamilies?: Record<string, number>; sent?: string[]; received?: string[] };
    if (!Array.isArray(j.received) || typeof j.protocol !== "number") continue;
    const genl = new Map(Object.entries(j.genlFamilies ?? {}).map(([name, id]) => [id, name]));
    const datagrams = [
      ...(j.sent ?? []).map((h) => ({ bytes: parseHex(h), fromKernel: false })),
      ...j.received.map((h) => ({ bytes: parseHex(h), fromKernel: true })),
    ];
    fixtureCache.push({ file: file.slice(ROOT.length + 1), protocol: j.protocol, genl, datagrams });
  }
  return fixtureCache;
}

let specCache: { file: string; doc: Record<string, unknown> }[] | undefined;

/** The kernel's YNL specs, parsed (empty when ../shared/netlink-specs is absent). */
export function specDocs(): { file: string; doc: Record<string, unknown> }[] {
  if (specCache) return specCache;
  specCache = existsSync(SPEC_DIR)
    ? readdirSync(SPEC_DIR).filter((f) => f.endsWith(".yaml")).sort()
        .map((file) => ({ file, doc: withoutDocs(parseYaml(readFileSync(join(SPEC_DIR, file), "utf8"))) as Record<string, unknown> }))
    : [];
  return specCache;
}

/**
 * The spec without its `doc:` prose: the engine never reads it, and inputs
 * built from the spec are saved as findings in the repository, which carries
 * the specs' facts but not their words.
 */
export function withoutDocs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutDocs);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== "doc").map(([k, x]) => [k, withoutDocs(x)]));
}

/** A pcapng capture of the fixture's datagrams (cooked LINKTYPE_NETLINK, directions, the genl id map as a comment). */
export function pcapngOf(f: RecordedFixture): Uint8Array {
  const w = new PcapngWriter();
  const parts = [w.sectionHeader({ application: "nlwire fuzz seeds" }), w.interfaceDescription({ linkType: LINKTYPE_NETLINK, name: "nlmon0" })];
  const genl = [...f.genl].map(([id, name]) => `${id}=${name}`).join(" ");
  f.datagrams.forEach((d, i) => {
    const data = concat([cookedHeader(f.protocol, d.fromKernel ? 4 : 0), d.bytes]);
    parts.push(w.enhancedPacket({
      interfaceId: 0, timestampNs: BigInt(i) * 1_000_000n, data, direction: d.fromKernel ? "inbound" : "outbound",
      ...(i === 0 && genl ? { comments: [`nlwire-genl: ${genl}`] } : {}),
    }));
  });
  return concat(parts);
}

/** A classic pcap (microseconds, little-endian) of the fixture's datagrams, as tcpdump on nlmon writes it. */
export function pcapOf(f: RecordedFixture): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new DataView(new ArrayBuffer(24));
  head.setUint32(0, 0xa1b2c3d4, true);
  head.setUint16(4, 2, true);
  head.setUint16(6, 4, true);
  head.setUint32(16, 65535, true);
  head.setUint32(20, LINKTYPE_NETLINK, true);
  parts.push(new Uint8Array(head.buffer));
  f.datagrams.forEach((d, i) => {
    const data = concat([cookedHeader(f.protocol, d.fromKernel ? 4 : 0), d.bytes]);
    const rec = new DataView(new ArrayBuffer(16));
    rec.setUint32(0, 1_700_000_000 + i, true);
    rec.setUint32(8, data.length, true);
    rec.setUint32(12, data.length, true);
    parts.push(new Uint8Array(rec.buffer), data);
  });
  return concat(parts);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
