import { describe, expect, it } from "vitest";
import { ByteWriter, NLM_F, NLMSG_DONE, UNKNOWN_ATTRS, splitDatagram, type NetlinkMessage, type Obj } from "@nlwire/codec";
import { loadFixture } from "../../tools/fixture.js";
import { allSpecFiles, loadFamily, loadModel } from "./specs.js";

const fixture = (name: string) => loadFixture(new URL(`../fixtures/${name}.json`, import.meta.url).pathname);

function messages(dgrams: Uint8Array[]): NetlinkMessage[] {
  return dgrams.flatMap((d) => splitDatagram(d).messages);
}

/** Every attribute the spec did not know, anywhere in a decoded tree. */
function unknownPaths(o: unknown, path: string[] = []): string[] {
  if (o === null || typeof o !== "object" || o instanceof Uint8Array) return [];
  const own = ((o as Obj)[UNKNOWN_ATTRS] ?? []).map((u) => [...path, `#${u.type}`].join("."));
  return [...own, ...Object.entries(o).flatMap(([k, v]) => unknownPaths(v, [...path, k]))];
}

describe("spec resolution", () => {
  it.each(allSpecFiles())("%s resolves", (file) => {
    const m = loadModel(file);
    expect(m.ops.length).toBeGreaterThan(0);
    // Audit's control messages are structs only, with no attributes.
    expect(Object.keys(m.attrSets).length + Object.keys(m.structs).length).toBeGreaterThan(0);
    for (const set of Object.values(m.attrSets)) {
      const values = set.attrs.map((a) => a.value);
      expect(new Set(values).size, `${file} ${set.name} numbers`).toBe(values.length);
    }
  });

  it("numbers directional operations as the kernel does", () => {
    const ethtool = loadModel("ethtool.yaml");
    const op = (n: string) => ethtool.ops.find((o) => o.name === n)!;
    // ETHTOOL_MSG_LINKINFO_GET = 2, ETHTOOL_MSG_LINKINFO_SET = 3, ETHTOOL_MSG_LINKINFO_NTF = 3 (kernel side).
    expect(op("linkinfo-get").do?.request?.value).toBe(2);
    expect(op("linkinfo-get").do?.reply?.value).toBe(2);
    expect(op("linkinfo-set").do?.request?.value).toBe(3);
    expect(op("linkinfo-ntf").notify?.value).toBe(3);
    const nlctrl = loadModel("nlctrl.yaml");
    expect(nlctrl.ops[0]!.do?.request?.value).toBe(3); // CTRL_CMD_GETFAMILY
    expect(nlctrl.ops[0]!.do?.reply?.value).toBe(1); // CTRL_CMD_NEWFAMILY
  });

  it("turns flags definitions into bit masks and subsets into their parent's numbers", () => {
    const link = loadModel("rt-link.yaml");
    const iff = link.enums["ifinfo-flags"]!;
    expect(iff.flags).toBe(true);
    expect(iff.entries.find((e) => e.name === "up")?.value).toBe(1);
    expect(iff.entries.find((e) => e.name === "lower-up")?.value).toBe(0x10000);
    expect(link.structs["ifinfomsg"]?.size).toBe(16);
    const ctrl = loadModel("nlctrl.yaml");
    expect(ctrl.attrSets["ctrl-attrs"]?.attrs.find((a) => a.name === "family-id")?.value).toBe(1);
  });
});

describe("interpreting rt-link on a recorded dump", () => {
  const family = loadFamily("rt-link.yaml");
  const fx = fixture("rtnl-getlink-dump");
  const links = messages(fx.received).filter((m) => m.header.type !== NLMSG_DONE);

  it("decodes every link with no unknown attribute and no problem", () => {
    const names = links.map((m) => {
      const d = family.decode(m);
      expect(d.op).toBe("getlink");
      expect(d.kind).toBe("reply");
      expect(d.problems).toBeUndefined();
      expect(unknownPaths(d.attrs)).toEqual([]);
      return d.attrs["ifname"];
    });
    expect(names.sort()).toEqual(["br0", "lo", "v0", "v1"]);
  });

  it("decodes linkinfo sub-messages by kind and the fixed header by name", () => {
    const byName = new Map(links.map((m) => {
      const d = family.decode(m);
      return [d.attrs["ifname"], d] as const;
    }));
    const br0 = byName.get("br0")!;
    const info = br0.attrs["linkinfo"] as Obj;
    expect(info["kind"]).toBe("bridge");
    expect((info["data"] as Obj)["stp-state"]).toBe(0);
    expect((info["data"] as Obj)["bridge-id"]).toMatchObject({ prio: expect.any(Number), addr: br0.attrs["address"] });
    expect(br0.fixed?.["ifi-flags"]).toContain("up");
    const v0 = byName.get("v0")!;
    expect((v0.attrs["linkinfo"] as Obj)["slave-kind"]).toBe("bridge");
    expect(v0.attrs["master"]).toBe(br0.fixed?.["ifi-index"]);
  });

  it("re-encodes every decoded link to the recorded bytes", () => {
    for (const m of links) {
      const bytes = family.encodeDecoded(family.decode(m));
      expect(bytes.subarray(16)).toEqual(m.payload);
      expect(bytes.length).toBe(m.header.length);
    }
  });
});

describe("sub-message formats without attributes", () => {
  it("keep bytes past the format's header, so they re-encode exactly", () => {
    const tc = loadFamily("tc.yaml");
    const w = new ByteWriter();
    const m = w.beginMessage(36 /* RTM_NEWQDISC */, NLM_F.REQUEST, 1);
    w.zeros(20); // struct tcmsg
    const kind = w.beginAttr(1 /* TCA_KIND */);
    w.bytes(new TextEncoder().encode("clsact")).u8(0).endAttr(kind);
    w.attr(2 /* TCA_OPTIONS */, Uint8Array.from({ length: 24 }, (_, i) => i + 1));
    w.endMessage(m);
    const bytes = w.finish();
    const [msg] = splitDatagram(bytes).messages;
    const d = tc.decode(msg!, { fromKernel: false });
    expect(d.attrs["kind"]).toBe("clsact");
    expect(tc.encodeDecoded(d)).toEqual(bytes);
  });
});
