import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { applyOverlay, formatHex, parseHex, splitDatagram } from "@nlwire/codec";
import { OVERLAY_DIR } from "../../gen/main.js";
import { SPEC_DIR, loadFamily, loadModel } from "./specs.js";

// The project's overlays (specs/overlays/) extend kernel specs: they add and
// never replace, carry no prose fields, and what they add works both ways.

const overlays = readdirSync(OVERLAY_DIR).filter((f) => f.endsWith(".yaml")).sort();
const yaml = (path: string) => parse(readFileSync(path, "utf8")) as Record<string, unknown>;

function keysNamed(o: unknown, key: string, path = ""): string[] {
  if (o === null || typeof o !== "object") return [];
  return Object.entries(o).flatMap(([k, v]) => [...(k === key ? [`${path}.${k}`] : []), ...keysNamed(v, key, `${path}.${k}`)]);
}

describe.each(overlays)("overlay %s", (file) => {
  const overlay = yaml(OVERLAY_DIR + "/" + file);

  it("extends a kernel spec of the same name and only adds to it", () => {
    const spec = yaml(SPEC_DIR + file);
    expect(overlay["name"]).toBe(spec["name"]);
    expect(() => applyOverlay(spec, overlay)).not.toThrow();
  });

  it("is written in comments, not doc fields", () => {
    expect(keysNamed(overlay, "doc")).toEqual([]);
  });
});

describe("rt-link overlay", () => {
  const rtLink = loadFamily("rt-link.yaml");
  const ifi = { "ifi-family": 0, "ifi-type": 0, "ifi-index": 0, "ifi-flags": [], "ifi-change": 0 };
  const veth = {
    ifname: "nv0",
    linkinfo: { kind: "veth", data: { peer: { ...ifi, ifname: "nv1", mtu: 1400, address: "02:00:00:00:77:01" } } },
  };
  // RTM_NEWLINK (create, exclusive, ack) for a veth pair whose peer is an
  // ifinfomsg followed by link attributes; a 6.18 kernel accepted these bytes.
  const accepted =
    "6c00000010000506010000000000000000000000000000000000000000000000080003006e76300044001280090001007665746800000000" +
    "340002803000018000000000000000000000000000000000080003006e76310008000400780500000a0001000200000077010000";

  it("encodes a veth peer as a sub-message chosen by the outer kind", () => {
    const bytes = rtLink.encodeRequest({ op: "newlink", mode: "do", fixed: ifi, attrs: veth, flags: 0x605, seq: 1 });
    expect(formatHex(bytes)).toBe(accepted);
  });

  it("decodes the veth peer back", () => {
    const [msg] = splitDatagram(parseHex(accepted)).messages;
    const decoded = rtLink.decode(msg!, { fromKernel: false, strict: true });
    expect(decoded.attrs).toEqual(veth);
  });

  it("numbers macvlan modes as bit values and macvlan flags as bits", () => {
    const m = loadModel("rt-link.yaml");
    expect(m.enums["macvlan-mode"]!.entries.map((e) => e.value)).toEqual([1, 2, 4, 8, 16]);
    expect(m.enums["macvlan-flags"]!.entries.map((e) => e.value)).toEqual([1, 2]);
    const vxlan = m.attrSets["linkinfo-vxlan-attrs"]!.attrs;
    expect(vxlan.find((a) => a.name === "port")).toMatchObject({ value: 15, type: "u16", byteOrder: "big-endian" });
    expect(vxlan.at(-1)).toMatchObject({ name: "mc-route", value: 34 });
  });
});
