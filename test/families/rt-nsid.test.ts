import { closeSync, openSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { DecodedMessage } from "@nlwire/codec";
import { rtNsid, type NsidAttrs } from "@nlwire/codec/families/rt-nsid";
import { openNetlink } from "../../client/index.js";
import { ip, withNetns } from "../../tools/netns.js";
import { fileNetns } from "./netns.js";

// Namespace ids: one namespace gives ids to two others (one by ip, one by
// nlwire), and the dump agrees with `ip -j netns list-id`.

const ns = fileNetns("nlw-id");
type Nsid = DecodedMessage & { attrs: NsidAttrs };

describe("rt-nsid", () => {
  it("dumps the ids a namespace gave others, as ip -j netns list-id", async () => {
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        ip(["-n", ns(), "netns", "set", a, "7"]);
        const c = openNetlink({ protocol: 0, netns: ns() });
        try {
          // nlwire names the namespace by an fd of it (NETNSA_FD) and asks for id 9.
          const fd = openSync(`/run/netns/${b}`, "r");
          try {
            await c.request(rtNsid, "newnsid", { fixed: { "rtgen-family": 0 }, attrs: { nsid: 9, fd } });
          } finally {
            closeSync(fd);
          }
          const ours: Nsid[] = [];
          for await (const m of c.dump(rtNsid, "getnsid", { fixed: { "rtgen-family": 0 } })) ours.push(m as Nsid);
          const theirs = JSON.parse(ip(["-n", ns(), "-j", "netns", "list-id"])) as { nsid: number; name?: string }[];
          expect(ours.map((m) => m.attrs.nsid).sort()).toEqual(theirs.map((t) => t.nsid).sort());
          expect(theirs).toEqual(expect.arrayContaining([{ nsid: 7, name: a }, { nsid: 9, name: b }]));
          // A do request by pid: this process's own namespace has no id there.
          const [self] = (await c.request(rtNsid, "getnsid", { fixed: { "rtgen-family": 0 }, attrs: { pid: process.pid } })) as Nsid[];
          expect(self!.attrs.nsid).toBe(-1);
        } finally {
          c.close();
        }
      }, "nlw-idb");
    }, "nlw-ida");
  });
});
