import { isIPv6 } from "node:net";
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import {
  ByteReader, ByteWriter, NLM_F, NLMSG_DONE, NLMSG_ERROR, decodeAttrTree, decodeDone, decodeError, decodeUtf8,
  encodeDatagram, encodeDoneMessage, encodeErrorMessage, encodeUtf8, errnoName, formatHex, formatIPv4, formatIPv6,
  formatMac, parseHex, parseIPv4, parseIPv6, parseMac, readBitfield32, readInt, splitDatagram, writeBitfield32,
  writeInt, type DoneMessage, type ErrorMessage,
} from "@nlwire/codec";
import {
  BIG_KINDS, BYTE_ORDERS, INT_KINDS, arbAttrTree, arbDoneMessage, arbErrorMessage, arbIntValue, arbNetlinkMessages,
  arbRawAttrRun, arbRawDatagram, arbReplyAddress, arbView, bigEndianBytes, encodeTree, expectedExtAck,
  expectedWireSize, type DoneInput, type ErrorInput,
} from "./arbitraries.js";
import { toHex } from "./helpers.js";

const RUNS = { numRuns: 200 };
/** 60 kind × order × host combinations, each with edge-biased values. */
const INT_RUNS = { numRuns: 100 };

describe("integers: writeInt → readInt for every IntKind in every ByteOrder", () => {
  for (const hostLE of [true, false]) {
    for (const kind of INT_KINDS) {
      for (const order of BYTE_ORDERS) {
        test.prop([arbIntValue(kind)], INT_RUNS)(`${kind} ${order} (${hostLE ? "LE" : "BE"} host)`, (value) => {
          const w = new ByteWriter(16, hostLE);
          writeInt(w, kind, value, order);
          const bytes = w.finish();
          // The bytes themselves, against an independent two's-complement encoder.
          const size = expectedWireSize(kind, BigInt(value));
          const be = bigEndianBytes(BigInt(value), size);
          const littleOnWire = order === "little-endian" || (order === "host" && hostLE);
          expect(toHex(bytes)).toBe(toHex(littleOnWire ? be.reverse() : be));
          // And back, through a view at a byteOffset.
          const view = new Uint8Array(bytes.length + 3);
          view.set(bytes, 3);
          const got = readInt(new ByteReader(view.subarray(3), hostLE), kind, 0, bytes.length, order);
          expect(got).toBe(BIG_KINDS.has(kind) ? BigInt(value) : value);
        });
      }
    }
  }
});

describe("bitfield32", () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  test.prop([u32, u32, fc.boolean()], RUNS)("write → read", (value, selector, hostLE) => {
    const w = new ByteWriter(16, hostLE);
    writeBitfield32(w, { value, selector });
    const bytes = w.finish();
    expect(bytes.length).toBe(8);
    expect(readBitfield32(new ByteReader(bytes, hostLE), 0, 8)).toEqual({ value, selector });
  });
});

/** The full, uncompressed spelling: an input that does not depend on formatIPv6. */
function uncompressed(b: Uint8Array): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return g.join(":");
}
const isMapped = (b: Uint8Array) => b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** 16 bytes with many zero groups, so that compression cases come up. */
const arbIPv6Bytes = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .chain((groups) =>
    fc.oneof(
      fc.constant(groups),
      fc.constant([0, 0, 0, 0, 0, 0xffff, groups[6]!, groups[7]!]), // IPv4-mapped
    ),
  )
  .map((groups) => {
    const b = new Uint8Array(16);
    groups.forEach((g, i) => {
      b[2 * i] = g >> 8;
      b[2 * i + 1] = g & 0xff;
    });
    return b;
  });

/** Any legal spelling of an address: zero-padded groups, either case, any zero run as "::", dotted tail. */
const arbIPv6Spelling = fc
  .record({
    bytes: arbIPv6Bytes,
    padded: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    compress: fc.nat(),
    dotted: fc.boolean(),
  })
  .map(({ bytes, padded, upper, compress, dotted }) => {
    const groups: number[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
    const head = dotted ? groups.slice(0, 6) : groups;
    const text = head.map((g, i) => {
      const t = padded[i] ? g.toString(16).padStart(4, "0") : g.toString(16);
      return upper[i] ? t.toUpperCase() : t;
    });
    const runs: [number, number][] = [];
    for (let i = 0; i < head.length; ) {
      if (head[i] !== 0) { i++; continue; }
      let j = i;
      while (j < head.length && head[j] === 0) j++;
      runs.push([i, j]);
      i = j;
    }
    const run = runs[compress % (runs.length + 1)];
    const tail = dotted ? [`${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`] : [];
    let s: string;
    if (run) {
      const right = [...text.slice(run[1]), ...tail].join(":");
      s = `${text.slice(0, run[0]).join(":")}::${right}`;
    } else {
      s = [...text, ...tail].join(":");
    }
    return { bytes, text: s };
  });

describe("addresses: text ↔ bytes", () => {
  test.prop([fc.uint8Array({ minLength: 4, maxLength: 4 })], RUNS)("IPv4", (b) => {
    const text = formatIPv4(b);
    expect(text).toMatch(/^(0|[1-9]\d*)(\.(0|[1-9]\d*)){3}$/);
    expect(parseIPv4(text)).toEqual(b);
  });

  test.prop([arbIPv6Bytes], RUNS)("IPv6 bytes → RFC 5952 text → bytes", (b) => {
    const text = formatIPv6(b);
    expect(parseIPv6(text)).toEqual(b);
    expect(isIPv6(text)).toBe(true);
    if (isMapped(b)) {
      expect(text).toBe(`::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`);
    } else {
      // The WHATWG URL serializer applies the same compression rules (RFC 5952 4.2, 4.3).
      expect(`[${text}]`).toBe(new URL(`http://[${uncompressed(b)}]/`).hostname);
    }
  });

  test.prop([arbIPv6Spelling], RUNS)("IPv6 any legal spelling → bytes", ({ bytes, text }) => {
    expect(isIPv6(text)).toBe(true);
    expect(parseIPv6(text)).toEqual(bytes);
  });

  test.prop([fc.uint8Array({ minLength: 1, maxLength: 32 })], RUNS)("MAC (any non-empty length)", (b) => {
    const text = formatMac(b);
    expect(text).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})*$/);
    expect(parseMac(text)).toEqual(b);
    expect(parseMac(text.toUpperCase())).toEqual(b);
  });

  test.prop([fc.uint8Array({ maxLength: 32 })], RUNS)("hex", (b) => {
    expect(parseHex(formatHex(b))).toEqual(b);
  });
});

describe("strings", () => {
  const oracle = new TextDecoder("utf-8", { ignoreBOM: true });
  test.prop([fc.string({ unit: "grapheme", maxLength: 40 }), fc.boolean()], RUNS)("encodeUtf8 → decodeUtf8", (s, bom) => {
    const text = bom ? `\uFEFF${s}` : s;
    const b = encodeUtf8(text);
    expect(decodeUtf8(b, 0, b.length)).toBe(text);
  });
  test.prop([fc.uint8Array({ maxLength: 60 })], RUNS)("decodeUtf8 of any bytes is WHATWG UTF-8 (fast path or not)", (b) => {
    expect(decodeUtf8(b, 0, b.length)).toBe(oracle.decode(b));
  });
});

describe("attribute trees", () => {
  test.prop([arbAttrTree], RUNS)("encodeAttrTree → decodeAttrTree is the identity", (tree) => {
    const bytes = encodeTree(tree);
    const decoded = decodeAttrTree(new ByteReader(bytes), 0, bytes.length);
    expect(decoded).toEqual(tree);
    expect(toHex(encodeTree(decoded))).toBe(toHex(bytes));
  });

  test.prop([arbView(arbRawAttrRun)], RUNS)("decode → encode gives back the bytes (junk padding, trailing)", (bytes) => {
    const tree = decodeAttrTree(new ByteReader(bytes), 0, bytes.length);
    expect(toHex(encodeTree(tree))).toBe(toHex(bytes));
  });
});

describe("datagrams", () => {
  test.prop([arbView(arbRawDatagram)], RUNS)("splitDatagram → encodeDatagram gives back the bytes", (bytes) => {
    const d = splitDatagram(bytes);
    expect(toHex(encodeDatagram(d))).toBe(toHex(bytes));
  });

  test.prop([arbNetlinkMessages, fc.uint8Array({ minLength: 1, maxLength: 15 })], RUNS)(
    "encodeDatagram → splitDatagram keeps every header and payload",
    (messages, trailing) => {
      const d = splitDatagram(encodeDatagram({ messages, trailing }));
      expect(d.messages).toHaveLength(messages.length);
      d.messages.forEach((m, i) => {
        const sent = messages[i]!;
        expect(m.header).toEqual({ ...sent.header, length: 16 + sent.payload.length });
        expect(m.payload).toEqual(sent.payload);
        expect(m.pad).toBeUndefined();
      });
      expect(d.trailing).toEqual(trailing);
    },
  );
});

function expectedError(e: ErrorInput): ErrorMessage {
  const out: ErrorMessage = { errno: e.errno, request: e.request };
  const name = e.errno ? errnoName(e.errno) : undefined;
  if (name) out.errnoName = name;
  if (e.requestPayload) out.requestPayload = e.requestPayload;
  if (e.extAck) out.extAck = expectedExtAck(e.extAck);
  return out;
}
function expectedDone(d: DoneInput): DoneMessage {
  const out: DoneMessage = { errno: d.errno };
  const name = d.errno ? errnoName(d.errno) : undefined;
  if (name) out.errnoName = name;
  if (d.extAck) out.extAck = expectedExtAck(d.extAck);
  return out;
}

describe("error and done messages", () => {
  test.prop([arbErrorMessage, arbReplyAddress], RUNS)("ErrorMessage → bytes → ErrorMessage", (e, to) => {
    const w = new ByteWriter();
    encodeErrorMessage(w, e, to);
    const d = splitDatagram(w.finish());
    expect(d.messages).toHaveLength(1);
    const { header, payload } = d.messages[0]!;
    expect(header.type).toBe(NLMSG_ERROR);
    expect([header.seq, header.pid]).toEqual([to.seq, to.pid]);
    expect(Boolean(header.flags & NLM_F.CAPPED)).toBe(e.requestPayload === undefined);
    expect(Boolean(header.flags & NLM_F.ACK_TLVS)).toBe(e.extAck !== undefined);
    const back = decodeError(payload, header.flags);
    expect(back).toEqual(expectedError(e));
    expect(Object.is(back.errno, e.errno)).toBe(true);
  });

  test.prop([arbDoneMessage, arbReplyAddress], RUNS)("DoneMessage → bytes → DoneMessage", (done, to) => {
    const w = new ByteWriter();
    encodeDoneMessage(w, done, to);
    const d = splitDatagram(w.finish());
    const { header, payload } = d.messages[0]!;
    expect(header.type).toBe(NLMSG_DONE);
    expect(header.flags & NLM_F.MULTI).toBe(NLM_F.MULTI);
    const back = decodeDone(payload, header.flags);
    expect(back).toEqual(expectedDone(done));
    expect(Object.is(back.errno, done.errno)).toBe(true);
  });
});
