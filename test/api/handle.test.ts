import { closeSync, openSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { openHandle } from "../../api/index.js";
import { ip, ipIn, withNetns } from "../../tools/netns.js";

describe("handles", () => {
  test("a namespace by name, path or fd, or the current one (read only)", async () => {
    await withNetns(async (ns) => {
      ipIn(ns, ["link add here0 type veth peer name here1"]);
      const fd = openSync(`/run/netns/${ns}`, "r");
      const handles = [openHandle({ netns: ns }), openHandle({ netns: `/run/netns/${ns}` }), openHandle({ netns: fd })];
      try {
        const names = await Promise.all(handles.map(async (h) => (await h.links.list()).map((l) => l.ifname).sort()));
        expect(names).toEqual([["here0", "here1", "lo"], ["here0", "here1", "lo"], ["here0", "here1", "lo"]]);
      } finally {
        for (const h of handles) h.close();
        closeSync(fd);
      }
      // This process's own namespace, only looked at: its loopback is what ip says it is.
      const own = openHandle();
      try {
        const lo = JSON.parse(ip(["-j", "link", "show", "lo"]))[0] as { ifindex: number; mtu: number };
        expect(await own.links.get("lo")).toMatchObject({ ifindex: lo.ifindex, mtu: lo.mtu, linkType: "loopback" });
      } finally {
        own.close();
      }
    }, "nlw-api-h");
  });

  test("sockets open on first use; close() closes them and the handle refuses further work", async () => {
    await withNetns(async (ns) => {
      const h = openHandle({ netns: ns });
      const c = h.client();
      expect(h.client()).toBe(c); // one socket per protocol
      await h.links.get("lo");
      h.close();
      expect(c.closed).toBe(true);
      expect(h.closed).toBe(true);
      await expect(h.links.get("lo")).rejects.toThrow(/the handle is closed/);
    }, "nlw-api-h");
  });
});
