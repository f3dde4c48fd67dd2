import { CaptureDecoder, PcapngWriter, cookedHeader, readCaptureBytes } from "@nlwire/codec/capture";
import { describe, expect, it } from "vitest";
import { openNative } from "../../transport/index.js";
import { ipIn } from "../../tools/netns.js";
import { throwAwayNetns } from "../transport/netns.js";
import { collect } from "./helpers.js";
import { projectFamily } from "./specs.js";

const LINKTYPE_NETLINK = 253;
const PACKET_OUTGOING = 4;
const PACKET_HOST = 0;

/** Sends `request` on a fresh socket of `protocol` and returns it with what came back. */
async function exchange(protocol: number, request: Uint8Array, netns: string | undefined, enough: (n: number) => boolean): Promise<Uint8Array[]> {
  const t = openNative(netns === undefined ? { protocol } : { protocol, netns });
  try {
    const got = collect(t);
    await t.send(request);
    await got.until((ds) => enough(ds.length));
    await new Promise((r) => setTimeout(r, 50)); // stragglers of a multipart answer
    return [request, ...got.datagrams];
  } finally {
    t.close();
  }
}

describe("capture decoding of the project-written families", () => {
  const ns = throwAwayNetns("nlwcap");

  it("a pcapng of live xfrm, ipset and audit traffic decodes with every message named by its family and operation", async () => {
    ipIn(ns.name, ["xfrm policy add src 10.9.0.0/16 dst 10.8.0.0/16 dir out priority 3"]);
    const xfrm = projectFamily("xfrm");
    const ipset = projectFamily("ipset");
    const audit = projectFamily("audit");
    const traffic: [number, Uint8Array[]][] = [
      [6, await exchange(6, xfrm.encodeRequest({ op: "getpolicy", mode: "dump", seq: 11 }), ns.name, (n) => n >= 1)],
      [12, await exchange(12, ipset.encodeRequest({ op: "protocol", fixed: { "nfgen-family": 2 }, attrs: { protocol: 7 }, seq: 12 }), ns.name, (n) => n >= 1)],
      [9, await exchange(9, audit.encodeRequest({ op: "get", seq: 13 }), undefined, (n) => n >= 2)],
    ];
    const w = new PcapngWriter();
    const blocks = [w.sectionHeader({ application: "nlwire test" }), w.interfaceDescription({ linkType: LINKTYPE_NETLINK })];
    let ts = 1n;
    for (const [protocol, [request, ...answers]] of traffic) {
      for (const [i, d] of [request!, ...answers].entries()) {
        const pkt = i === 0 ? PACKET_OUTGOING : PACKET_HOST;
        blocks.push(w.enhancedPacket({ interfaceId: 0, timestampNs: ts++, data: new Uint8Array([...cookedHeader(protocol, pkt), ...d]) }));
      }
    }
    const file = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
    blocks.reduce((at, b) => (file.set(b, at), at + b.length), 0);

    const decoder = new CaptureDecoder();
    const entries = readCaptureBytes(file).records.flatMap((r) => decoder.decode(r));
    const named = entries.filter((e) => e.message).map((e) => `${e.family}:${e.message!.op}:${e.message!.kind}`);
    expect(named).toContain("xfrm:getpolicy:request");
    expect(named).toContain("xfrm:getpolicy:reply");
    expect(named).toContain("ipset:protocol:request");
    expect(named).toContain("ipset:protocol:reply");
    expect(named).toContain("audit:get:request");
    expect(named).toContain("audit:get:reply");
    const policy = entries.find((e) => e.family === "xfrm" && e.message?.kind === "reply")!.message!;
    expect((policy.fixed as { priority: number }).priority).toBe(3);
    expect(entries.flatMap((e) => e.problems ?? [])).toEqual([]);
  });
});
