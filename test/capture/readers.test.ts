import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { MalformedError, TruncatedError, isCodecError } from "@nlwire/codec";
import {
  BLOCK, CaptureReader, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NETLINK, PcapngWriter, cookedHeader, readCaptureBytes, type CaptureRecord,
} from "@nlwire/codec/capture";
import { CAPTURES, concat, decodeAll, editcap, fixture, pcapFile } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "nlwire-readers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROUTE = "rtnl-dumps-events.pcapng";
const GENL = "genl-nlctrl-netdev.pcapng";
const route = readCaptureBytes(fixture(ROUTE));
const payloads = (rs: CaptureRecord[]) => rs.map((r) => [...r.data].join(","));

function feed(bytes: Uint8Array, chunk: number): CaptureRecord[] {
  const r = new CaptureReader();
  const out: CaptureRecord[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...r.push(bytes.subarray(i, i + chunk)));
  return [...out, ...r.end()];
}

describe("pcapng", () => {
  test("nlwire's recordings: one interface per protocol, direction, nanosecond timestamps, comments", () => {
    expect(route.format).toBe("pcapng");
    expect(route.interfaces.map((i) => [i.linkType, i.name])).toEqual([[LINKTYPE_NETLINK, "netlink-route"]]);
    expect(route.records.length).toBeGreaterThan(20);
    expect(new Set(route.records.map((r) => r.direction))).toEqual(new Set(["inbound", "outbound"]));
    const ts = route.records.map((r) => r.timestampNs!);
    expect(ts.every((t, i) => i === 0 || t >= ts[i - 1]!)).toBe(true);
    const genl = readCaptureBytes(fixture(GENL));
    expect(genl.records.flatMap((r) => r.comments ?? [])).toContain("nlwire-genl: 20=netdev".replace("20", String(genlNetdevId(genl.records))));
  });

  test("chunks of any size give the same records as the whole file", () => {
    const bytes = fixture(ROUTE);
    for (const n of [1, 3, 16, 4093, 1 << 20]) expect(payloads(feed(bytes, n))).toEqual(payloads(route.records));
  });

  test("several sections, each with its own interfaces, continue the interface ids", () => {
    const both = readCaptureBytes(concat([fixture(ROUTE), fixture(GENL)]));
    expect(both.records.length).toBe(route.records.length + readCaptureBytes(fixture(GENL)).records.length);
    expect(both.interfaces.map((i) => i.name)).toEqual(["netlink-route", "netlink-generic"]);
    expect(new Set(both.records.map((r) => r.interfaceId))).toEqual(new Set([0, 1]));
  });

  test("simple and obsolete packet blocks are read; unknown blocks and options are skipped", () => {
    const w = new PcapngWriter();
    const msg = route.records[0]!.data;
    const head = concat([w.sectionHeader(), w.interfaceDescription({ linkType: LINKTYPE_NETLINK, snapLength: 0 })]);
    const spb = block(BLOCK.SPB, [u32(msg.length), pad(msg)]);
    const opb = block(BLOCK.OPB, [u16(0), u16(0), u32(0), u32(1_000_000), u32(msg.length), u32(msg.length), pad(msg), option(2, u32(2)), option(0, new Uint8Array(0))]);
    const unknown = block(0x0bad0bad, [new Uint8Array(12).fill(7)]);
    const custom = block(0x00000bad, [u32(32473), new Uint8Array(8)]);
    const epb = w.enhancedPacket({ interfaceId: 0, timestampNs: 5n, data: msg, comments: ["hello"] });
    // An option this reader does not know (code 0x4242) before the comment.
    const epbOdd = block(BLOCK.EPB, [u32(0), u32(0), u32(7), u32(msg.length), u32(msg.length), pad(msg), option(0x4242, Uint8Array.of(1, 2, 3)), option(1, new TextEncoder().encode("x")), option(0, new Uint8Array(0))]);
    const got = readCaptureBytes(concat([head, spb, unknown, opb, custom, epb, epbOdd]));
    expect(got.records.map((r) => [r.timestampNs, r.direction, r.comments])).toEqual([
      [undefined, undefined, undefined],
      [1_000_000n, "outbound", undefined], // the interface says nanoseconds (if_tsresol 9)
      [5n, undefined, ["hello"]],
      [7n, undefined, ["x"]],
    ]);
    for (const r of got.records) expect([...r.data]).toEqual([...msg]);
  });

  test("timestamps without if_tsresol are microseconds; if_tsoffset adds seconds", () => {
    const w = new PcapngWriter();
    const msg = route.records[0]!.data;
    const plainIdb = block(BLOCK.IDB, [u16(LINKTYPE_NETLINK), u16(0), u32(0)]);
    const offsetIdb = block(BLOCK.IDB, [u16(LINKTYPE_NETLINK), u16(0), u32(0), option(14, u64(100n)), option(0, new Uint8Array(0))]);
    const epb = (iface: number) => block(BLOCK.EPB, [u32(iface), u32(0), u32(3), u32(msg.length), u32(msg.length), pad(msg)]);
    const got = readCaptureBytes(concat([w.sectionHeader(), plainIdb, offsetIdb, epb(0), epb(1)]));
    expect(got.records.map((r) => r.timestampNs)).toEqual([3000n, 100_000_003_000n]);
  });

  test("a block whose trailing length disagrees is malformed, with its offset", () => {
    const bytes = fixture(GENL).slice();
    const v = new DataView(bytes.buffer);
    const firstLen = v.getUint32(4, true);
    v.setUint32(firstLen - 4, firstLen + 4, true);
    const e = (() => { try { readCaptureBytes(bytes); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(MalformedError);
    expect((e as MalformedError).offset).toBe(0);
  });
});

describe("classic pcap", () => {
  const src = join(CAPTURES, ROUTE);
  test("microseconds and nanoseconds, as editcap writes them", () => {
    const us = readCaptureBytes(editcap(["-F", "pcap"], src, join(dir, "us.pcap")));
    const ns = readCaptureBytes(editcap(["-F", "nsecpcap"], src, join(dir, "ns.pcap")));
    expect(us.format).toBe("pcap");
    expect(payloads(us.records)).toEqual(payloads(route.records));
    expect(payloads(ns.records)).toEqual(payloads(route.records));
    expect(ns.records.map((r) => r.timestampNs)).toEqual(route.records.map((r) => r.timestampNs));
    expect(us.records.map((r) => r.timestampNs)).toEqual(route.records.map((r) => (r.timestampNs! / 1000n) * 1000n));
    // Classic pcap has no direction: the decoder falls back on the headers, and agrees.
    const byFlags = decodeAll(us.records).map((e) => e.direction);
    expect(byFlags).toEqual(decodeAll(route.records).map((e) => e.direction));
  });

  test("a big-endian file reads the same; netlink bytes in the other order are detected", () => {
    const records = route.records.slice(0, 5).map((r) => ({ ns: r.timestampNs!, data: r.data }));
    const le = readCaptureBytes(pcapFile({ littleEndian: true, nanos: true, linkType: LINKTYPE_NETLINK, records }));
    const be = readCaptureBytes(pcapFile({ littleEndian: false, nanos: true, linkType: LINKTYPE_NETLINK, records }));
    expect(payloads(be.records)).toEqual(payloads(le.records));
    expect(be.records.map((r) => r.timestampNs)).toEqual(le.records.map((r) => r.timestampNs));
  });

  test("Linux cooked SLL and SLL2 with ARPHRD_NETLINK; other hardware types are not netlink", () => {
    const nl = route.records[0]!.data.subarray(16);
    const sll = readCaptureBytes(pcapFile({ littleEndian: true, nanos: false, linkType: LINKTYPE_LINUX_SLL, records: [
      { ns: 0n, data: concat([cookedHeader(0, 4), nl]) },
      { ns: 0n, data: concat([Uint8Array.of(0, 4, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 8, 0), nl]) }, // ARPHRD_ETHER
    ] }));
    const sll2Head = new Uint8Array(20);
    const h = new DataView(sll2Head.buffer);
    h.setUint16(0, 0, false); // protocol: NETLINK_ROUTE
    h.setUint32(4, 9, false); // ifindex of the nlmon device
    h.setUint16(8, 824, false);
    sll2Head[10] = 4;
    const sll2 = readCaptureBytes(pcapFile({ littleEndian: true, nanos: false, linkType: LINKTYPE_LINUX_SLL2, records: [{ ns: 0n, data: concat([sll2Head, nl]) }] }));
    const [a, b] = decodeAll(sll.records);
    const [c] = decodeAll(sll2.records);
    expect([a?.family, a?.message?.op, a?.protocol]).toEqual(["rt-link", "getlink", 0]);
    expect(b?.note).toBe("not netlink: hardware type 1, not netlink");
    expect([c?.family, c?.message?.op, c?.protocol]).toEqual(["rt-link", "getlink", 0]);
  });
});

describe("cut and broken files", () => {
  test("a file cut inside a packet ends with that packet, truncated; cut inside a header raises TruncatedError", () => {
    const bytes = fixture(ROUTE);
    const last = route.records.at(-1)!;
    const cut = bytes.subarray(0, last.fileOffset + 28 + 40);
    const got = feed(cut, 1000);
    expect(got.length).toBe(route.records.length);
    expect(got.at(-1)!.data.length).toBe(40);
    expect(got.at(-1)!.originalLength).toBe(last.originalLength);
    const r = new CaptureReader();
    r.push(bytes.subarray(0, last.fileOffset + 6));
    expect(() => r.end()).toThrow(TruncatedError);
  });

  test("not a capture: a typed error, at byte 0", () => {
    const e = (() => { try { readCaptureBytes(new TextEncoder().encode("hello, world")); } catch (x) { return x; } })();
    expect(isCodecError(e) && e.kind === "malformed" && e.offset === 0).toBe(true);
  });

  test("memory stays flat: the buffer never holds more than a block and a chunk", () => {
    const w = new PcapngWriter();
    const r = new CaptureReader();
    r.push(concat([w.sectionHeader(), w.interfaceDescription({ linkType: LINKTYPE_NETLINK })]));
    const pkt = w.enhancedPacket({ interfaceId: 0, timestampNs: 1n, data: route.records[1]!.data });
    const chunk = concat(Array.from({ length: 64 }, () => pkt));
    let n = 0;
    let peak = 0;
    for (let i = 0; i < 500; i++) {
      n += r.push(chunk).length;
      peak = Math.max(peak, (r as unknown as { buf: { buf: Uint8Array } }).buf.buf.length);
    }
    expect(n).toBe(32_000);
    expect(peak).toBeLessThanOrEqual(2 * Math.max(64 * 1024, chunk.length + pkt.length));
  });
});

function genlNetdevId(records: CaptureRecord[]): number {
  const c = records.flatMap((r) => r.comments ?? []).find((x) => x.startsWith("nlwire-genl:"))!;
  return Number(/(\d+)=netdev/.exec(c)![1]);
}

const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const u64 = (n: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigInt64(0, n, true); return b; };
const u16 = (n: number) => { const b = new Uint8Array(2); new DataView(b.buffer).setUint16(0, n, true); return b; };
const pad = (b: Uint8Array) => concat([b, new Uint8Array((4 - (b.length % 4)) % 4)]);
function option(code: number, value: Uint8Array): Uint8Array {
  return pad(concat([u16(code), u16(value.length), value]));
}
function block(type: number, body: Uint8Array[]): Uint8Array {
  const inner = pad(concat(body));
  const len = 12 + inner.length;
  return concat([u32(type), u32(len), inner, u32(len)]);
}
