import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ByteReader, ByteWriter, Family, FamilyCompiler, NLM_F, splitDatagram,
  type DecodedMessage, type FamilyModel, type MessageInfo, type Obj,
} from "@nlwire/codec";
import type { DecodeCtx, EncodeCtx } from "../../codec/src/ynl/compile.js";
import { canCompile, setCompileEnabled } from "../../codec/src/ynl/jit.js";
import { ModelArbitraries, ipv6Text, plain } from "./arbitraries.js";
import { allSpecFiles, loadModel } from "./specs.js";

/**
 * Round trips of arbitrary decoded values, derived from every kernel spec
 * and every project-written one (specs/families/):
 * every attribute set and struct of every family, and every request, reply,
 * notification and event message. encode → decode gives the value back
 * (compared as plain data: symbol-keyed wire notes are ignored), and
 * encoding the decoded value again gives the same bytes.
 */

const SET_RUNS = 40;
const STRUCT_RUNS = 30;
const MESSAGE_RUNS = 15;
/** Families run a second time on the closure interpreter alone (no `new Function`). */
const NO_JIT = ["rt-link.yaml", "tc.yaml", "nl80211.yaml", "nlctrl.yaml", "nftables.yaml", "ovs_flow.yaml", "devlink.yaml", "ethtool.yaml"];
/** A generic netlink family id, as nlctrl would assign one. */
const GENL_ID = 0x1d;

const files = allSpecFiles();
const models = new Map<string, FamilyModel>(files.map((f) => [f, loadModel(f)]));

const encodeCtx = (): EncodeCtx => ({ path: [], parents: [] });

function encodeSet(c: FamilyCompiler, set: string, value: Obj): Uint8Array {
  const w = new ByteWriter();
  c.set(set).encode(w, value, encodeCtx());
  return w.finish();
}

/** encode → decode (strict) → same plain value; decoded → encode → same bytes. */
function setRoundTrip(c: FamilyCompiler, set: string, value: Obj): void {
  const bytes = encodeSet(c, set, value);
  const ctx: DecodeCtx = { r: new ByteReader(bytes), path: [], parents: [], strict: true };
  const back = c.set(set).decode(ctx, 0, bytes.length);
  expect(plain(back)).toEqual(plain(value));
  expect(ctx.parents).toEqual([]);
  expect(ctx.path).toEqual([]);
  expect(encodeSet(c, set, back)).toEqual(bytes);
}

function structRoundTrip(c: FamilyCompiler, name: string, value: Obj): void {
  const s = c.struct(name);
  const w = new ByteWriter();
  s.encode(w, value, [name]);
  const bytes = w.finish();
  // A struct ending in a flexible array member is longer by what that holds.
  if (s.flexible) expect(bytes.length).toBeGreaterThanOrEqual(s.size);
  else expect(bytes.length).toBe(s.size);
  const r = new ByteReader(bytes);
  const back = s.read(r, 0, bytes.length); // compiled when the JIT is on
  const slow: Obj = {};
  s.decodeInto(r, 0, bytes.length, slow, []); // always the closures
  expect(plain(back)).toEqual(plain(value));
  expect(plain(slow)).toEqual(plain(value));
  const w2 = new ByteWriter();
  s.encode(w2, back, [name]);
  expect(w2.finish()).toEqual(bytes);
}

/** Big sets get more runs, so that most of their attributes turn up at the top (see ModelArbitraries.set). */
function setRuns(model: FamilyModel, set: string, base: number): number {
  return Math.max(base, Math.ceil(model.attrSets[set]!.attrs.length / 3));
}

function checkSets(model: FamilyModel, c: FamilyCompiler, base: number): void {
  const arbs = new ModelArbitraries(model);
  for (const set of Object.keys(model.attrSets)) {
    fc.assert(fc.property(arbs.set(set), (v) => setRoundTrip(c, set, v)), { numRuns: setRuns(model, set, base) });
  }
}

interface MessageCase {
  op: string;
  info: MessageInfo;
  mode?: "do" | "dump";
  /** The id on the wire: nlmsg_type, or the genl cmd. */
  id: number;
  fromKernel: boolean;
  seq: number;
}

/**
 * Every message of every op, as the decoder will see it. A message id that
 * an earlier op already owns (directional families reuse reply ids) decodes
 * as that op; it is checked once, under that op. Messages that share an id
 * and are told apart by a header member (sock-diag) are each checked.
 */
function messageCases(family: Family): { cases: MessageCase[]; shadowed: number } {
  const cases: MessageCase[] = [];
  let shadowed = 0;
  const add = (c: Omit<MessageCase, "info">, kind: MessageInfo["kind"]) => {
    // Requests carry the flags encodeRequest gives their mode (a do and a dump may be laid out apart).
    const info = family.lookup(c.id, c.fromKernel, c.seq, undefined, c.fromKernel ? undefined : c.mode === "dump" ? NLM_F.DUMP : 0);
    const own = family.messageInfo(c.op, kind, c.mode);
    if (info?.op === c.op) cases.push({ ...c, info });
    else if (own?.match) cases.push({ ...c, info: own });
    else shadowed++;
  };
  for (const op of family.model.ops) {
    for (const mode of ["do", "dump"] as const) {
      const m = op[mode];
      if (m?.request) add({ op: op.name, mode, id: m.request.value, fromKernel: false, seq: 7 }, "request");
      if (m?.reply) add({ op: op.name, mode, id: m.reply.value, fromKernel: true, seq: 7 }, "reply");
    }
    if (op.notify) add({ op: op.name, id: op.notify.value, fromKernel: true, seq: 0 }, "notify");
    if (op.event) add({ op: op.name, id: op.event.value, fromKernel: true, seq: 0 }, "event");
  }
  return { cases, shadowed };
}

/** A fixed header whose match member holds one of the values that pick this message (as the decoder names them). */
function withMatch(arbs: ModelArbitraries, struct: string, match: MessageInfo["match"], arb: fc.Arbitrary<Obj>): fc.Arbitrary<Obj> {
  if (!match) return arb;
  const mb = arbs.model.structs[struct]!.members.find((m) => m.name === match.member)!;
  const named = (v: number) => (mb.enum ? arbs.model.enums[mb.enum]!.entries.find((e) => e.value === v)?.name : undefined) ?? v;
  return fc.tuple(arb, fc.constantFrom(...match.values)).map(([f, v]) => ({ ...f, [match.member]: named(v) }));
}

function messageArb(arbs: ModelArbitraries, info: MessageInfo): fc.Arbitrary<{ fixed?: Obj; attrs: Obj }> {
  const set = info.attributeSet ? arbs.model.attrSets[info.attributeSet] : undefined;
  // The attributes the spec lists for this message (those its set really has).
  const only = set ? info.attrs.filter((n) => set.attrs.some((a) => a.name === n)) : [];
  const attrs = set ? arbs.set(set.name, arbs.maxDepth, {}, only) : fc.constant({});
  const fixed = info.fixedHeader ? withMatch(arbs, info.fixedHeader, info.match, arbs.struct(info.fixedHeader)) : fc.constant(undefined);
  return fc.tuple(fixed, attrs).map(([f, a]) => (f ? { fixed: f, attrs: a } : { attrs: a }));
}

function checkMessages(model: FamilyModel, runs: number): { cases: number; shadowed: number } {
  const family = new Family(model);
  const arbs = new ModelArbitraries(model);
  const { cases, shadowed } = messageCases(family);
  for (const c of cases) {
    const info = c.info;
    fc.assert(fc.property(messageArb(arbs, info), ({ fixed, attrs }) => {
      let bytes: Uint8Array;
      if (!c.fromKernel) {
        bytes = family.encodeRequest({
          op: c.op, ...(c.mode ? { mode: c.mode } : {}), ...(fixed ? { fixed } : {}), attrs, seq: c.seq, familyId: GENL_ID,
        });
      } else {
        const m: DecodedMessage = {
          family: model.name, op: info.op, kind: info.kind, attrs,
          header: { length: 0, type: family.isGenetlink ? GENL_ID : c.id, flags: c.mode === "dump" ? NLM_F.MULTI : 0, seq: c.seq, pid: 0 },
          ...(family.isGenetlink ? { genl: { cmd: c.id, version: model.version, reserved: 0 } } : {}),
          ...(fixed ? { fixed } : {}),
        };
        bytes = family.encodeDecoded(m);
      }
      const [msg, ...more] = splitDatagram(bytes).messages;
      expect(more).toEqual([]);
      const back = family.decode(msg!, { fromKernel: c.fromKernel, strict: true });
      expect(back.op).toBe(c.op);
      expect(back.kind).toBe(info.kind);
      expect(back.problems).toBeUndefined();
      expect(plain(back.fixed)).toEqual(plain(fixed));
      expect(plain(back.attrs)).toEqual(plain(attrs));
      expect(family.encodeDecoded(back)).toEqual(bytes);
    }), { numRuns: runs });
  }
  return { cases: cases.length, shadowed };
}

for (const file of files) {
  const model = models.get(file)!;
  describe(`${model.name} round trips`, () => {
    const compiler = new FamilyCompiler(model);
    const arbs = new ModelArbitraries(model);

    it.each(Object.keys(model.attrSets))("attribute set %s", (set) => {
      fc.assert(fc.property(arbs.set(set), (v) => setRoundTrip(compiler, set, v)), { numRuns: setRuns(model, set, SET_RUNS) });
    });

    it("every struct and fixed header", () => {
      for (const s of Object.keys(model.structs)) {
        fc.assert(fc.property(arbs.struct(s), (v) => structRoundTrip(compiler, s, v)), { numRuns: STRUCT_RUNS });
      }
    });

    it("every request, reply, notification and event", () => {
      const { cases } = checkMessages(model, MESSAGE_RUNS);
      expect(cases).toBeGreaterThan(0);
    });
  });
}

describe("round trips on the closure interpreter (JIT off)", () => {
  beforeAll(() => setCompileEnabled(false));
  afterAll(() => setCompileEnabled(true));

  it.each(NO_JIT)("%s: sets, structs and messages", (file) => {
    expect(canCompile()).toBe(false);
    const model = models.get(file)!;
    // A fresh compiler: set and struct decoders are compiled (or not) on first use.
    const compiler = new FamilyCompiler(model);
    checkSets(model, compiler, Math.ceil(SET_RUNS / 2));
    const arbs = new ModelArbitraries(model);
    for (const s of Object.keys(model.structs)) {
      fc.assert(fc.property(arbs.struct(s), (v) => structRoundTrip(compiler, s, v)), { numRuns: Math.ceil(STRUCT_RUNS / 2) });
    }
    checkMessages(model, Math.ceil(MESSAGE_RUNS / 2));
  });
});

describe("round-trip details", () => {
  it("take a sub-message's selector from its own nest even when it comes after the sub-message", () => {
    // expr-attrs.data is selected by expr-attrs.name; the enclosing set-attrs has a `name` too.
    // Sent after `data`, the expression's own name must still win (the decoder defers `data`).
    const c = new FamilyCompiler(models.get("nftables.yaml")!);
    const value: Obj = { name: "lookup", expr: [{ data: { sreg: 1, op: "neq" }, name: "cmp" }] };
    setRoundTrip(c, "set-attrs", value);
  });

  it("write IPv6 text as RFC 5952 says", () => {
    const v6 = (groups: number[]) => ipv6Text(Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff])));
    expect(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])).toBe("2001:db8::1");
    expect(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])).toBe("2001:db8:0:1:1:1:1:1"); // one zero group stays
    expect(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])).toBe("2001:db8::1:0:0:1"); // a tie: the first run
    expect(v6([0x2001, 0, 0, 1, 0, 0, 0, 1])).toBe("2001:0:0:1::1"); // the longest run
    expect(v6([0, 0, 0, 0, 0, 0, 0, 0])).toBe("::");
    expect(v6([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201])).toBe("::ffff:192.0.2.1");
    expect(v6([0xfe80, 0, 0, 0, 0xabcd, 0, 0, 0])).toBe("fe80::abcd:0:0:0");
  });
});
