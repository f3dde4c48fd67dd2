import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ByteReader, FamilyRegistry, MessageCursor, NLMSG_MIN_TYPE, UNKNOWN_ATTRS, type DecodedMessage, type Obj,
} from "@nlwire/codec";
import { loadFixture, type Fixture } from "../../tools/fixture.js";
import { loadFamily, specFiles } from "./specs.js";

// Every message recorded from the live kernel (tools/record-families.ts)
// must decode with its family's spec, leave nothing unknown where the spec
// describes it, and re-encode to the very same bytes.

const DIR = new URL("../fixtures/families/", import.meta.url).pathname;
const registry = new FamilyRegistry(specFiles().map(loadFamily));

function unknownPaths(o: unknown, path: string[] = []): string[] {
  if (o === null || typeof o !== "object" || o instanceof Uint8Array) return [];
  const own = ((o as Obj)[UNKNOWN_ATTRS] ?? []).map((u) => [...path, `#${u.type}${u.problem ? ` (${u.problem.message})` : ""}`].join("."));
  return [...own, ...Object.entries(o).flatMap(([k, v]) => unknownPaths(v, [...path, k]))];
}

interface Decoded {
  dir: "sent" | "received";
  msg: DecodedMessage;
  bytes: Uint8Array;
}

export function decodeFixture(fx: Fixture): Decoded[] {
  for (const [name, id] of Object.entries(fx.genlFamilies ?? {})) registry.learnGenl(id, name);
  const out: Decoded[] = [];
  for (const [dir, list] of [["sent", fx.sent], ["received", fx.received]] as const) {
    for (const d of list) {
      const r = new ByteReader(d);
      const c = new MessageCursor(r);
      while (c.next()) {
        if (c.type < NLMSG_MIN_TYPE) continue;
        const family = registry.forMessage(fx.protocol, c.type);
        if (!family) throw new Error(`no family for protocol ${fx.protocol} type ${c.type}`);
        const header = { length: c.length, type: c.type, flags: c.flags, seq: c.seq, pid: c.pid };
        const msg = family.decodeAt(r, c.payloadOffset, c.offset + c.length, header, { fromKernel: dir === "received" });
        out.push({ dir, msg, bytes: d.subarray(c.offset, c.offset + c.length) });
      }
    }
  }
  return out;
}

const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

describe.each(files)("%s", (file) => {
  const fx = loadFixture(DIR + file);
  const decoded = decodeFixture(fx);

  it("decodes every message by its family's spec", () => {
    expect(decoded.length).toBeGreaterThan(0);
    for (const { msg } of decoded) {
      expect(msg.op, `type ${msg.header.type}`).toBeDefined();
      expect(msg.problems?.map((p) => p.message)).toBeUndefined();
    }
  });

  it("leaves no attribute unknown", () => {
    expect(decoded.flatMap(({ msg }) => unknownPaths(msg.attrs, [msg.op ?? "?"]))).toEqual([]);
  });

  it("re-encodes every message to the recorded bytes", () => {
    for (const { msg, bytes } of decoded) {
      const family = registry.forMessage(fx.protocol, msg.header.type)!;
      expect(family.encodeDecoded(msg)).toEqual(bytes);
    }
  });
});
