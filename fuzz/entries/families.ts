/**
 * Every generated family's decodeCursor, on datagrams of that family:
 * recorded ones where the fixtures have some, and messages fast-check builds
 * from the family's model (test/ynl/arbitraries.ts) for all of them. Every
 * message that decodes must re-encode (encodeDecoded) to its exact bytes.
 */
import fc from "fast-check";
import {
  ByteReader, Family, MessageCursor, NLM_F, NLMSG_MIN_TYPE, type DecodedMessage, type Obj,
} from "@nlwire/codec";
import { allFamilies, defaultRegistry } from "@nlwire/codec/capture";
import { ModelArbitraries } from "../../test/ynl/arbitraries.js";
import { byteInputs, bytesJson, diffAt, sameBytes, violated, type Entry, type Outcome } from "../entry.js";
import { seedOf, type Seed } from "../mutate.js";
import { sameValue } from "../same.js";
import { recordedFixtures } from "../seeds.js";

/** A generic netlink family id, as nlctrl would hand one out. */
const GENL_ID = 0x1d;

/** The recorded datagrams whose first message belongs to `name`. */
function familySeeds(name: string): Seed[] {
  const out: Seed[] = [];
  for (const f of recordedFixtures()) {
    const reg = defaultRegistry();
    for (const [id, n] of f.genl) reg.learnGenl(id, n);
    for (const d of f.datagrams) {
      if (d.bytes.length < 16) continue;
      const type = new DataView(d.bytes.buffer, d.bytes.byteOffset).getUint16(4, true);
      if (reg.forMessage(f.protocol, type)?.model.name === name) out.push(seedOf(d.bytes, f.file));
    }
  }
  return out;
}

interface Shape {
  op: string;
  kind: "request" | "reply" | "notify" | "event";
  mode?: "do" | "dump";
  id: number;
}

function shapes(family: Family): Shape[] {
  const out: Shape[] = [];
  for (const op of family.model.ops) {
    for (const mode of ["do", "dump"] as const) {
      const m = op[mode];
      if (m?.request) out.push({ op: op.name, kind: "request", mode, id: m.request.value });
      if (m?.reply) out.push({ op: op.name, kind: "reply", mode, id: m.reply.value });
    }
    if (op.notify) out.push({ op: op.name, kind: "notify", id: op.notify.value });
    if (op.event) out.push({ op: op.name, kind: "event", id: op.event.value });
  }
  return out;
}

/** Messages of `family` as fast-check builds them: any request, reply, notification or event, encoded. */
export function arbFamilyMessage(family: Family): fc.Arbitrary<Uint8Array> | undefined {
  const arbs = new ModelArbitraries(family.model, { maxDepth: 2, maxKeys: 6 });
  const all = shapes(family).flatMap((s) => {
    const info = family.messageInfo(s.op, s.kind, s.mode);
    if (!info) return [];
    const set = info.attributeSet ? family.model.attrSets[info.attributeSet] : undefined;
    const only = set ? info.attrs.filter((n) => set.attrs.some((a) => a.name === n)) : [];
    const attrs = set ? arbs.set(set.name, arbs.maxDepth, {}, only) : fc.constant({});
    const fixed = info.fixedHeader ? arbs.struct(info.fixedHeader) : fc.constant(undefined);
    return [fc.tuple(fixed, attrs).map(([f, a]) => encodeShape(family, s, f, a))];
  });
  return all.length ? fc.oneof(...all).filter((b): b is Uint8Array => b !== undefined) : undefined;
}

function encodeShape(family: Family, s: Shape, fixed: Obj | undefined, attrs: Obj): Uint8Array | undefined {
  try {
    if (s.kind === "request") {
      return family.encodeRequest({ op: s.op, ...(s.mode ? { mode: s.mode } : {}), ...(fixed ? { fixed } : {}), attrs, seq: 1, familyId: GENL_ID });
    }
    const m: DecodedMessage = {
      family: family.model.name, op: s.op, kind: s.kind, attrs,
      header: { length: 0, type: family.isGenetlink ? GENL_ID : s.id, flags: s.mode === "dump" ? NLM_F.MULTI : 0, seq: s.kind === "reply" ? 7 : 0, pid: 0 },
      ...(family.isGenetlink ? { genl: { cmd: s.id, version: family.model.version, reserved: 0 } } : {}),
      ...(fixed ? { fixed } : {}),
    };
    return family.encodeDecoded(m);
  } catch {
    // A value the generator makes that the encoder refuses (a header-match
    // member, say) is the generator's business, not the decoder's.
    return undefined;
  }
}

/**
 * Decodes every message of the datagram with `family` (requests by their
 * NLM_F_REQUEST flag, which the kernel never sets) and checks the round trip.
 */
export function decodeWith(family: Family, b: Uint8Array, strict = false): Outcome {
  const c = new MessageCursor(new ByteReader(b), 0, b.length);
  let outcome: Outcome = "decoded";
  while (c.next()) {
    if (c.type < NLMSG_MIN_TYPE) continue;
    const fromKernel = (c.flags & NLM_F.REQUEST) === 0;
    let m: DecodedMessage;
    try {
      m = family.decodeCursor(c, { fromKernel, strict });
    } catch (e) {
      if (!bytesJson.refusal(e)) throw e;
      outcome = "rejected";
      continue;
    }
    if (m.op === undefined) continue; // an id the family does not have: nothing to re-encode
    const own = b.subarray(c.offset, c.offset + c.length);
    // encodeDecoded pads the message to 4 bytes; the padding is the datagram's (see splitDatagram).
    const back = family.encodeDecoded(m).subarray(0, c.length);
    violated(sameBytes(back, own) || onlyPadding(family, back, own, fromKernel), "roundtrip",
      () => `${family.model.name} ${m.kind} ${m.op}: encodeDecoded(decode(m)): ${diffAt(back, own)}`);
  }
  return outcome;
}

function familyEntry(family: Family): Entry<Uint8Array> {
  const name = `family:${family.model.name}`;
  return {
    name,
    ...bytesJson,
    input: byteInputs(name, {
      seeds: () => familySeeds(family.model.name),
      structured: () => {
        const a = arbFamilyMessage(family);
        return a ? [a] : [];
      },
    }),
    run: (b) => decodeWith(family, b, b.length % 5 === 0),
  };
}

/** One entry per family in codec/src/families/index.ts (the list grows as families are generated). */
export function familyEntries(): Entry<Uint8Array>[] {
  return allFamilies().map(familyEntry);
}

/**
 * The one loss the codec allows (docs/fuzzing.md): what attribute padding
 * held. The kernel never reads it and the decoder does not keep it, so the
 * re-encoding has zeros there. Accepted only when everything else agrees:
 * same length, every differing byte zero in the re-encoding, and the
 * re-encoding decodes to the same value.
 */
function onlyPadding(family: Family, back: Uint8Array, own: Uint8Array, fromKernel: boolean): boolean {
  if (back.length !== own.length) return false;
  for (let i = 0; i < back.length; i++) if (back[i] !== own[i] && back[i] !== 0) return false;
  const again = new MessageCursor(new ByteReader(back));
  const first = new MessageCursor(new ByteReader(own));
  if (!again.next() || !first.next()) return false;
  const a = family.decodeCursor(again, { fromKernel });
  const b = family.decodeCursor(first, { fromKernel });
  return sameValue(a.attrs, b.attrs) && sameValue(a.fixed, b.fixed);
}
