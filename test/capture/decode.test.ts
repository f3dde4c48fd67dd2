import { describe, expect, test } from "vitest";
import { ByteWriter, HOST_LITTLE_ENDIAN, encodeDoneMessage, encodeErrorMessage } from "@nlwire/codec";
import { rtLink } from "@nlwire/codec/families/rt-link";
import {
  CaptureDecoder, LINKTYPE_NETLINK, cookedHeader, entryJson, entryNdjson, entryTree, matches, parseFilter, readCaptureBytes,
  type CaptureEntry, type CaptureRecord,
} from "@nlwire/codec/capture";
import { concat, decodeAll, fixture } from "./helpers.js";

const route = readCaptureBytes(fixture("rtnl-dumps-events.pcapng")).records;
const genl = readCaptureBytes(fixture("genl-nlctrl-netdev.pcapng")).records;
const ct = readCaptureBytes(fixture("ctnetlink-dump.pcapng")).records;
const routeEntries = decodeAll(route);
const genlEntries = decodeAll(genl);

const netdevId = (): number => Number(/(\d+)=netdev/.exec(genl.flatMap((r) => r.comments ?? []).join(" "))![1]);
const isNetdev = (e: CaptureEntry) => e.header?.type === netdevId();

describe("generic netlink ids", () => {
  test("learned from the nlctrl replies in the capture", () => {
    const nd = genlEntries.filter(isNetdev);
    expect(nd.map((e) => [e.family, e.message?.op, e.message?.kind, e.direction])).toEqual([
      ["netdev", "dev-get", "request", "to-kernel"],
      ["netdev", "dev-get", "reply", "from-kernel"],
    ]);
    expect((nd[1]!.message!.attrs as { ifindex: number }).ifindex).toBe(1);
  });

  const withoutNlctrlReplies = (rs: CaptureRecord[], keepComments: boolean) =>
    rs
      .filter((r) => !decodeAll([r]).some((e) => e.family === "nlctrl" && e.direction === "from-kernel"))
      .map((r) => (keepComments ? r : { ...r, comments: [] }));

  test("unresolved: header-level decode that names the unknown id", () => {
    const nd = decodeAll(withoutNlctrlReplies(genl, false)).filter(isNetdev);
    expect(nd).toHaveLength(2);
    for (const e of nd) {
      expect(e.family).toBeUndefined();
      expect(e.genlId).toBe(netdevId());
      expect(e.note).toContain(`generic netlink family id ${netdevId()} unknown`);
      expect(e.header!.seq).toBeGreaterThan(0);
    }
  });

  test("from the recorder's comment, or from a map the user gives", () => {
    const byComment = decodeAll(withoutNlctrlReplies(genl, true)).filter(isNetdev);
    expect(byComment.map((e) => e.family)).toEqual(["netdev", "netdev"]);
    const byMap = decodeAll(withoutNlctrlReplies(genl, false), new CaptureDecoder({ genlMap: { [netdevId()]: "netdev" } })).filter(isNetdev);
    expect(byMap.map((e) => e.message?.op)).toEqual(["dev-get", "dev-get"]);
  });
});

describe("messages", () => {
  test("direction from the capture, and the same from the headers alone", () => {
    const fromHeaders = decodeAll(route.map(({ direction: _d, ...r }) => r));
    expect(fromHeaders.map((e) => e.direction)).toEqual(routeEntries.map((e) => e.direction));
    expect(new Set(fromHeaders.map((e) => e.directionSource))).toEqual(new Set(["header"]));
  });

  test("requests and replies decode with their own layouts", () => {
    const getroute = routeEntries.filter((e) => e.message?.op === "getroute");
    const req = getroute.find((e) => e.direction === "to-kernel")!;
    expect(req.message!.kind).toBe("request");
    expect(req.message!.fixed!["rtm-family"]).toBe(2);
    const reply = getroute.find((e) => e.direction === "from-kernel" && (e.message!.attrs as { dst?: string }).dst === "10.9.0.0")!;
    expect(reply.message!.attrs).toMatchObject({ dst: "10.9.0.0", gateway: "10.0.0.2" });
  });

  test("an error reply: errno, the kernel's message, and the echoed request decoded", () => {
    const err = routeEntries.find((e) => e.control?.error?.errno)!;
    expect(err.control!.error!.errnoName).toBe("ERANGE");
    expect(err.control!.error!.extAck?.message).toBe("Attribute failed policy validation");
    expect(err.control!.request?.op).toBe("newlink");
    expect(err.control!.request?.attrs).toEqual({ ifname: "far-too-long-for-ifnamsiz" });
  });

  test("events of the changes made after the dumps", () => {
    const ntf = routeEntries.filter((e) => e.header?.seq === 0);
    expect(ntf.some((e) => e.message?.op?.startsWith("newlink") && (e.message.attrs as { ifname?: string }).ifname === "v2")).toBe(true);
    expect(ntf.some((e) => e.message?.kind === "notify" && e.message.op === "dellink")).toBe(true);
    expect(ntf.some((e) => (e.message?.attrs as { local?: string }).local === "10.0.1.1")).toBe(true);
  });

  test("conntrack entries with nfnetlink's big-endian attributes", () => {
    const entries = decodeAll(ct).filter((e) => e.message?.op === "get" && e.direction === "from-kernel");
    const tuple = entries.map((e) => (e.message!.attrs as { "tuple-orig": { "tuple-proto": { "proto-dst-port": number } } })["tuple-orig"]["tuple-proto"]["proto-dst-port"]);
    expect(tuple.sort()).toEqual([53, 80]);
  });

  test("netlink bytes in the other byte order are detected and decoded", () => {
    const w = new ByteWriter(256, !HOST_LITTLE_ENDIAN);
    const msg = rtLink.family.encodeRequest({ op: "getlink", mode: "do", fixed: { "ifi-index": 7 }, attrs: { ifname: "eth0" }, seq: 99 }, w);
    const [e] = new CaptureDecoder().decode({ index: 0, fileOffset: 0, linkType: LINKTYPE_NETLINK, interfaceId: 0, originalLength: 16 + msg.length, data: concat([cookedHeader(0, 4), msg]) });
    expect(e!.byteOrder).toBe(HOST_LITTLE_ENDIAN ? "big-endian" : "little-endian");
    expect([e!.header!.seq, e!.message!.fixed!["ifi-index"], e!.message!.attrs]).toEqual([99, 7, { ifname: "eth0" }]);
  });

  test("an NLMSG_ERROR and a DONE in the other byte order decode too, the echoed request with its family", () => {
    const other = !HOST_LITTLE_ENDIAN;
    const req = rtLink.family.encodeRequest({ op: "getlink", mode: "do", fixed: { "ifi-index": 7 }, attrs: { ifname: "eth0" }, seq: 99 }, new ByteWriter(256, other));
    const w = new ByteWriter(256, other);
    const header = { length: req.length, type: 18, flags: 0x5, seq: 99, pid: 0 };
    encodeErrorMessage(w, { errno: 19, request: header, requestPayload: req.subarray(16), extAck: { message: "no such device", offset: 36 } }, { seq: 99, pid: 4242 });
    encodeDoneMessage(w, { errno: 0 }, { seq: 100, pid: 4242 });
    const bytes = w.finish();
    const [err, done] = new CaptureDecoder().decode({ index: 0, fileOffset: 0, linkType: LINKTYPE_NETLINK, interfaceId: 0, originalLength: 16 + bytes.length, data: concat([cookedHeader(0, 0), bytes]) });
    expect(err!.byteOrder).toBe(HOST_LITTLE_ENDIAN ? "big-endian" : "little-endian");
    expect(err!.control).toMatchObject({ kind: "error", error: { errno: 19, errnoName: "ENODEV", request: header, extAck: { message: "no such device", offset: 36 } } });
    expect(err!.control!.request).toMatchObject({ op: "getlink", fixed: { "ifi-index": 7 }, attrs: { ifname: "eth0" } });
    expect(done!.control).toEqual({ kind: "done", done: { errno: 0 } });
  });
});

describe("truncated and corrupt records", () => {
  const dump = route.find((r) => decodeAll([r]).length > 3 && r.direction === "inbound")!;
  const whole = decodeAll([dump]);

  test("a record cut by the snaplen decodes as far as the bytes go, and says so", () => {
    const second = whole[1]!;
    const cutAt = 16 + second.offset! + 16 + 16 + 40; // into the attributes of the second message
    const cut = decodeAll([{ ...dump, data: dump.data.slice(0, cutAt) }]);
    expect(cut).toHaveLength(2);
    expect(cut[0]!.truncated).toBeUndefined();
    expect(cut[0]!.message!.attrs).toEqual(whole[0]!.message!.attrs);
    expect(cut[1]!.truncated).toEqual({ length: second.header!.length, captured: cutAt - 16 - second.offset! });
    const attrs = cut[1]!.message!.attrs as Record<string, unknown>;
    expect(attrs.ifname).toBe((second.message!.attrs as { ifname: string }).ifname);
    expect(Object.keys(attrs).length).toBeLessThan(Object.keys(second.message!.attrs).length);
  });

  test("a corrupt record is noted and the next ones decode", () => {
    const broken = dump.data.slice();
    new DataView(broken.buffer).setUint32(16 + whole[1]!.offset!, 3, HOST_LITTLE_ENDIAN); // nlmsg_len 3
    const i = route.indexOf(dump);
    const rs = [...route.slice(0, i), { ...dump, data: broken }, ...route.slice(i + 1)];
    const got = decodeAll(rs);
    const notes = got.filter((e) => e.note?.startsWith("corrupt"));
    expect(notes).toHaveLength(1);
    expect(got.filter((e) => e.record > i).length).toBe(routeEntries.filter((e) => e.record > i).length);
  });
});

describe("output", () => {
  const link = routeEntries.find((e) => e.message?.op === "getlink" && e.direction === "from-kernel" && (e.message.attrs as { ifname?: string }).ifname === "v1")!;

  test("JSON is lossless: 64-bit values as decimal strings, bytes as hex, kept unknowns visible", () => {
    const j = entryJson(link) as { attrs: { stats64: Record<string, unknown>; "af-spec": { inet: { conf: unknown } } }; timestampNs: string };
    expect(typeof j.attrs.stats64["rx-bytes"]).toBe("string");
    expect(BigInt(j.attrs.stats64["rx-bytes"] as string)).toBe((link.message!.attrs as { stats64: { "rx-bytes": bigint } }).stats64["rx-bytes"]);
    expect(j.attrs["af-spec"].inet.conf).toMatchObject({ hex: expect.stringMatching(/^[0-9a-f]+$/) });
    expect(BigInt(j.timestampNs)).toBe(link.timestampNs);
    // A big u64 survives, and so does an attribute no spec knows.
    const big = { ...link, message: { ...link.message!, attrs: { ...link.message!.attrs, stats64: { "rx-bytes": 18446744073709551615n } } } };
    expect(entryNdjson(big)).toContain('"rx-bytes":"18446744073709551615"');
    const withUnknown = decodeAll([{ ...route[link.record]!, data: appendUnknownAttr(route[link.record]!.data, link) }]).find((e) => e.offset === link.offset)!;
    expect(entryJson(withUnknown).attrs).toMatchObject({ $unknown: [{ type: 999, hex: "deadbeef" }] });
    expect(entryNdjson(withUnknown)).toBe(JSON.stringify(entryJson(withUnknown)));
  });

  test("NDJSON lines are exactly the JSON objects, written without building them", () => {
    const all = [...routeEntries, ...genlEntries, ...decodeAll(ct), ...decodeAll(readCaptureBytes(fixture("sock-diag-dumps.pcapng")).records)];
    for (const e of all) expect(entryNdjson(e)).toBe(JSON.stringify(entryJson(e)));
  });

  test("the tree names attributes, flags and addresses", () => {
    const t = entryTree(link).join("\n");
    expect(t).toMatch(/rt-link getlink reply type=16/);
    expect(t).toContain('ifname: "v1"');
    expect(t).toMatch(/ifi-flags: up\|broadcast/);
    expect(t).toMatch(/address: "[0-9a-f]{2}(:[0-9a-f]{2}){5}"/);
  });

  test("filters by protocol, family, type, direction and seq", () => {
    const all = [...routeEntries, ...genlEntries];
    const count = (o: Parameters<typeof parseFilter>[0]) => all.filter((e) => e.header && matches(e, parseFilter(o))).length;
    expect(count({ protocol: "generic" })).toBe(genlEntries.length);
    expect(count({ family: "nlctrl" })).toBe(genlEntries.filter((e) => e.family === "nlctrl").length);
    expect(count({ type: "getlink", direction: "in" })).toBe(routeEntries.filter((e) => e.message?.op === "getlink" && e.direction === "from-kernel").length);
    expect(count({ type: "ERROR" })).toBe(all.filter((e) => e.header?.type === 2).length);
    const seq = link.header!.seq;
    expect(count({ seq: `${seq}` })).toBe(all.filter((e) => e.header?.seq === seq).length);
    expect(count({ seq: `0-0`, protocol: "route" })).toBe(routeEntries.filter((e) => e.header?.seq === 0).length);
    expect(() => parseFilter({ direction: "sideways" })).toThrow(/direction/);
  });
});

/** The record with attribute type 999 (4 bytes) appended to the message at `e.offset`, lengths patched. */
function appendUnknownAttr(data: Uint8Array, e: CaptureEntry): Uint8Array {
  const at = 16 + e.offset! + e.header!.length;
  const out = concat([data.subarray(0, at), Uint8Array.of(8, 0, 0xe7, 3, 0xde, 0xad, 0xbe, 0xef), data.subarray(at)]);
  new DataView(out.buffer).setUint32(16 + e.offset!, e.header!.length + 8, HOST_LITTLE_ENDIAN);
  return out;
}
