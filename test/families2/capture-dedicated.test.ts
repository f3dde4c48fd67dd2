import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CaptureDecoder, entryJson, entryTree, readCaptureBytes } from "@nlwire/codec/capture";
import { splitDatagram } from "@nlwire/codec";
import { CN_IDX_PROC, NETLINK_CONNECTOR, PROC_CN_MCAST_IGNORE, decodeConnector, procListenRequest } from "@nlwire/codec/dedicated";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { recordTo } from "../../capture/index.js";
import { openNative } from "../../transport/index.js";
import { ip } from "../../tools/netns.js";
import { throwAwayNetns } from "../transport/netns.js";
import { collect } from "./helpers.js";

/**
 * Captures of the formats YNL cannot express: kobject uevents (records with
 * no netlink header) and connector process events (cn_msg inside NLMSG_DONE),
 * recorded live through the tee recorder and decoded offline.
 */
const NETLINK_KOBJECT_UEVENT = 15;

describe("captures of uevents and connector events", () => {
  const ns = throwAwayNetns("nlwcd");
  const dir = mkdtempSync(join(tmpdir(), "nlwire-cd-"));

  it("decodes a veth's uevents and a child's process events from a recording", async () => {
    const file = join(dir, "dedicated.pcapng");
    const u = recordTo(openNative({ protocol: NETLINK_KOBJECT_UEVENT, groups: 1, netns: ns.name }), file);
    const c = recordTo(openNative({ protocol: NETLINK_CONNECTOR, groups: 1 << (CN_IDX_PROC - 1) }), `${file}.cn`);
    try {
      const ugot = collect(u.transport);
      const cgot = collect(c.transport);
      await c.transport.send(procListenRequest(undefined, 1, c.transport.portId));
      ip(["-n", ns.name, "link", "add", "nlwcda", "type", "veth", "peer", "name", "nlwcdb"]);
      const child = spawnSync("true");
      await ugot.until((ds) => ds.length >= 2);
      const exited = (ds: Uint8Array[]) => ds.some((d) => splitDatagram(d).messages.some((m) => decodeConnector(m.payload).proc?.kind === "exit"));
      await cgot.until(exited);
      await c.transport.send(procListenRequest(PROC_CN_MCAST_IGNORE, 2, c.transport.portId));
      expect(child.status).toBe(0);
    } finally {
      u.transport.close();
      c.transport.close();
    }
    const decoder = new CaptureDecoder();
    const uevents = readCaptureBytes(readFileSync(file)).records.flatMap((r) => decoder.decode(r));
    const adds = uevents.filter((e) => e.dedicated?.kind === "uevent" && e.dedicated.uevent.properties["ACTION"] === "add");
    const names = adds.map((e) => (e.dedicated as { uevent: { properties: Record<string, string> } }).uevent.properties["INTERFACE"]);
    expect(names).toEqual(expect.arrayContaining(["nlwcda", "nlwcdb"]));
    expect(adds.every((e) => e.problems === undefined && e.direction === "from-kernel")).toBe(true);
    expect(entryTree(adds[0]!)[0]).toMatch(/uevent add@\/devices\/virtual\/net\//);
    expect(JSON.stringify(entryJson(adds[0]!))).toContain('"SUBSYSTEM":"net"');

    const procs = readCaptureBytes(readFileSync(`${file}.cn`)).records.flatMap((r) => decoder.decode(r)).filter((e) => e.dedicated?.kind === "connector");
    const kinds = procs.map((e) => (e.dedicated as { proc?: { kind: string } }).proc?.kind);
    expect(kinds).toEqual(expect.arrayContaining(["fork", "exec", "exit"]));
    expect(procs.some((e) => e.direction === "to-kernel")).toBe(true); // the listen request, as it was sent
    rmSync(dir, { recursive: true, force: true });
  });
});
