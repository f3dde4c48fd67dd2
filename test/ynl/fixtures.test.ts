import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ByteReader, Family, FamilyRegistry, MessageCursor, NLMSG_MIN_TYPE, UNKNOWN_ATTRS, type DecodedMessage, type Obj,
} from "@nlwire/codec";
import { loadFixture, type Fixture } from "../../tools/fixture.js";
import { loadSpec } from "../../gen/load.js";
import { SPEC_DIR, allSpecFiles, loadFamily, specFiles } from "./specs.js";

// Every message recorded from the live kernel (tools/record-families.ts)
// must decode with its family's spec, leave nothing unknown where the spec
// describes it, and re-encode to the very same bytes.

const DIR = new URL("../fixtures/families/", import.meta.url).pathname;
const registry = new FamilyRegistry(allSpecFiles().map(loadFamily));

function unknownPaths(o: unknown, path: string[] = []): string[] {
  if (o === null || typeof o !== "object" || o instanceof Uint8Array) return [];
  const own = ((o as Obj)[UNKNOWN_ATTRS] ?? []).map((u) => [...path, `#${u.type}${u.problem ? ` (${u.problem.message})` : ""}`].join("."));
  return [...own, ...Object.entries(o).flatMap(([k, v]) => unknownPaths(v, [...path, k]))];
}

/**
 * Sub-messages the family could not decode for want of a format: a
 * sub-message attribute whose value is still bytes. Walks the decoded
 * object by the family model, looking selectors up the way the interpreter
 * does (the nest being filled first, then the outer ones). Each entry is
 * "path (selector=value)".
 */
export function undecodedSubMessages(family: Family, setName: string, obj: Obj, path: string[] = [], parents: Obj[] = []): string[] {
  const model = family.model;
  const set = model.attrSets[setName];
  if (!set) return [];
  const out: string[] = [];
  const stack = [...parents, obj];
  const selectorValue = (selector: string): string => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i]![selector] !== undefined) return String(stack[i]![selector]);
    return "?";
  };
  const walkSet = (name: string | undefined, v: unknown, at: string[]): void => {
    if (name && v !== null && typeof v === "object" && !(v instanceof Uint8Array)) out.push(...undecodedSubMessages(family, name, v as Obj, at, stack));
  };
  for (const [key, value] of Object.entries(obj)) {
    const a = set.attrs.find((x) => x.name === key);
    if (!a) continue; // a fixed-header member of a sub-message
    const items: [unknown, string[]][] = a.multiAttr && Array.isArray(value)
      ? value.map((v, i) => [v, [...path, `${key}#${i}`]])
      : [[value, [...path, key]]];
    for (const [v, at] of items) {
      switch (a.type) {
        case "nest":
          walkSet(a.nested, v, at);
          break;
        case "indexed-array":
          if (a.subType === "nest" && Array.isArray(v)) v.forEach((e, i) => walkSet(a.nested, e, [...at, String(i)]));
          break;
        case "nest-type-value": {
          const levels = (x: unknown, depth: number, p: string[]): void => {
            if (x === null || typeof x !== "object") return;
            for (const [k, e] of Object.entries(x)) {
              if (depth > 1) levels(e, depth - 1, [...p, k]);
              else walkSet(a.nested, e, [...p, k]);
            }
          };
          levels(v, a.typeValue?.length ?? 1, at);
          break;
        }
        case "sub-message": {
          const sel = selectorValue(a.selector ?? "");
          if (v instanceof Uint8Array) {
            out.push(`${at.join(".")} (${a.selector}=${sel}, ${v.length} bytes)`);
            break;
          }
          const f = model.subMessages[a.subMessage ?? ""]?.formats.find((x) => x.value === sel);
          walkSet(f?.attributeSet, v, at);
          break;
        }
        default:
      }
    }
  }
  return out;
}

interface Decoded {
  dir: "sent" | "received";
  msg: DecodedMessage;
  bytes: Uint8Array;
}

export function decodeFixture(fx: Fixture, families = registry): Decoded[] {
  for (const [name, id] of Object.entries(fx.genlFamilies ?? {})) families.learnGenl(id, name);
  const out: Decoded[] = [];
  for (const [dir, list] of [["sent", fx.sent], ["received", fx.received]] as const) {
    for (const d of list) {
      const r = new ByteReader(d);
      const c = new MessageCursor(r);
      while (c.next()) {
        if (c.type < NLMSG_MIN_TYPE) continue;
        const family = families.forMessage(fx.protocol, c.type);
        if (!family) throw new Error(`no family for protocol ${fx.protocol} type ${c.type}`);
        const header = { length: c.length, type: c.type, flags: c.flags, seq: c.seq, pid: c.pid };
        const msg = family.decodeAt(r, c.payloadOffset, c.offset + c.length, header, { fromKernel: dir === "received" });
        out.push({ dir, msg, bytes: d.subarray(c.offset, c.offset + c.length) });
      }
    }
  }
  return out;
}

/** Every sub-message of the decoded fixture left as bytes, once each. */
function subMessagesLeft(file: string, fx: Fixture, decoded: Decoded[], families: FamilyRegistry): string[] {
  const left = decoded.flatMap(({ dir, msg }) => {
    const family = families.forMessage(fx.protocol, msg.header.type)!;
    const info = family.lookup(msg.genl ? msg.genl.cmd : msg.header.type, dir === "received", msg.header.seq);
    if (!info?.attributeSet || info.op !== msg.op) return [];
    return undecodedSubMessages(family, info.attributeSet, msg.attrs, [`${file}: ${dir} ${msg.op ?? "?"}`]);
  });
  return [...new Set(left)];
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

  it("decodes every sub-message by a format (none kept as bytes)", () => {
    expect(subMessagesLeft(file, fx, decoded, registry)).toEqual([]);
  });

  it("re-encodes every message to the recorded bytes", () => {
    for (const { msg, bytes } of decoded) {
      const family = registry.forMessage(fx.protocol, msg.header.type)!;
      expect(family.encodeDecoded(msg)).toEqual(bytes);
    }
  });
});

describe("the sub-message check", () => {
  // The kernel specs alone, without the project's overlays (specs/overlays/):
  // the check must find the sub-messages the overlays exist for.
  const kernelOnly = new FamilyRegistry(specFiles().map((f) => new Family(loadSpec(SPEC_DIR + f).model)));

  it.each([
    ["rtnl-getlink-dump-kinds.json", ["kind=vxlan, 204 bytes", "kind=macvlan, 40 bytes", "kind=macvtap, 40 bytes"]],
    ["tc-gettclass-dump-htb.json", ["kind=htb, 20 bytes"]],
    ["nft-getrule-dump.json", ["name=limit, 48 bytes", "name=masq, 0 bytes"]],
  ])("finds what the kernel spec alone keeps as bytes in %s", (file, expected) => {
    const fx = loadFixture(DIR + file);
    const left = subMessagesLeft(file, fx, decodeFixture(fx, kernelOnly), kernelOnly);
    for (const e of expected) expect(left.some((l) => l.includes(`(${e})`)), `${e} in ${left.join("; ")}`).toBe(true);
  });
});
