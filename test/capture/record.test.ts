import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { nlctrl } from "@nlwire/codec/families/nlctrl";
import { NetlinkClient } from "../../client/index.js";
import { PcapngRecorder, decodeCaptureFile, readCaptureFile, recordTo } from "../../capture/index.js";
import { openNative, tee } from "../../transport/index.js";
import { withNetns } from "../../tools/netns.js";

const dir = mkdtempSync(join(tmpdir(), "nlwire-record-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

test("recordTo: what a client sends and receives, in order, with true direction; closing the transport closes the file", async () => {
  const file = join(dir, "link.pcapng");
  const links = await withNetns(async (ns) => {
    const { transport, recorder } = recordTo(openNative({ protocol: 0, netns: ns }), file);
    const c = new NetlinkClient(transport);
    const got = await c.dump(rtLink, "getlink").toArray();
    c.close();
    expect(recorder.records).toBeGreaterThanOrEqual(2);
    return got;
  });
  const records = await collect(readCaptureFile(file));
  const entries = await collect(decodeCaptureFile(file));
  expect(records[0]!.direction).toBe("outbound");
  expect(records.slice(1).every((r) => r.direction === "inbound")).toBe(true);
  expect(entries[0]!.message?.op).toBe("getlink");
  expect(entries[0]!.message?.kind).toBe("request");
  const replies = entries.filter((e) => e.message?.kind === "reply");
  expect(replies.map((e) => (e.message!.attrs as { ifname: string }).ifname)).toEqual(links.map((l) => (l.attrs as { ifname: string }).ifname));
  expect(entries.at(-1)!.control?.kind).toBe("done");
  const ts = records.map((r) => r.timestampNs!);
  expect(ts.every((t, i) => i === 0 || t >= ts[i - 1]!)).toBe(true);
  expect(Number(ts[0]! / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);
});

test("one file, several protocols: an interface each, and the protocol in every record's cooked header", async () => {
  const file = join(dir, "two.pcapng");
  await withNetns(async (ns) => {
    const rec = new PcapngRecorder(file);
    const route = new NetlinkClient(tee(openNative({ protocol: 0, netns: ns }), rec.sink));
    const genl = new NetlinkClient(tee(openNative({ protocol: 16, netns: ns }), rec.sink));
    await route.dump(rtLink, "getlink").toArray();
    await genl.request(nlctrl, "getfamily", { attrs: { "family-name": "nlctrl" } });
    route.close();
    genl.close();
    rec.close();
  });
  const entries = await collect(decodeCaptureFile(file));
  expect(new Set(entries.map((e) => `${e.interfaceId}:${e.protocol}`))).toEqual(new Set(["0:0", "1:16"]));
  expect(entries.filter((e) => e.family === "nlctrl").map((e) => e.message?.kind)).toEqual(["request", "reply"]);
});
