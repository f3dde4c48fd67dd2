import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MessageCursor, ByteReader, NLM_F, splitDatagram } from "@nlwire/codec";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { rtLink, type LinkAttrs } from "@nlwire/codec/families/rt-link";
import { generate } from "../../gen/main.js";
import { loadFixture } from "../../tools/fixture.js";
import { SPEC_DIR, loadModel, projectSpecFiles, specFiles } from "./specs.js";

describe("generated families", () => {
  it("are exactly what the generator makes from the kernel specs and the project's", () => {
    const files = generate(SPEC_DIR);
    // One module per kernel and per project spec, the index, the coverage table.
    expect(specFiles().length).toBe(33);
    expect(files.length).toBe(specFiles().length + projectSpecFiles().length + 2);
    for (const f of files) {
      expect(readFileSync(f.path, "utf8"), `${f.path} is stale: run npm run gen:families -- ../shared/netlink-specs`).toBe(f.content);
    }
  });

  it("carry the resolved model and no spec prose", () => {
    expect(rtRoute.model).toEqual(loadModel("rt-route.yaml"));
    expect(JSON.stringify(rtRoute.model)).not.toMatch(/"doc"/);
  });

  it("build typed requests the interpreter understands", () => {
    const bytes = rtRoute.request("getroute", "dump", { fixed: { "rtm-family": 2 } }, { seq: 5 });
    const [m] = splitDatagram(bytes).messages;
    expect(m!.header).toMatchObject({ type: 26, flags: NLM_F.REQUEST | NLM_F.DUMP, seq: 5 });
    const back = rtRoute.decode(m!, { fromKernel: false });
    expect(back.op).toBe("getroute");
    expect(back.fixed).toMatchObject({ "rtm-family": 2 });
  });

  it("decode a recorded dump into typed objects", () => {
    const fx = loadFixture(new URL("../fixtures/rtnl-getlink-dump.json", import.meta.url).pathname);
    const names: string[] = [];
    for (const d of fx.received) {
      const r = new ByteReader(d);
      const c = new MessageCursor(r);
      while (c.next()) {
        if (c.type !== 16) continue;
        const m = rtLink.decodeAt(r, c.payloadOffset, c.offset + c.length, { length: c.length, type: c.type, flags: c.flags, seq: c.seq, pid: c.pid });
        if (m.op === "getlink" && m.kind === "reply") {
          const attrs: LinkAttrs = m.attrs;
          names.push(attrs.ifname!);
        }
      }
    }
    expect(names.sort()).toEqual(["br0", "lo", "v0", "v1"]);
  });
});
