/**
 * The codec's own decode entry points: splitDatagram, the MessageCursor and
 * AttrCursor walks, decodeError / decodeDone, decodeAttrTree.
 */
import {
  AttrCursor, ByteReader, ByteWriter, MessageCursor, NLMSG_DONE, NLMSG_ERROR, decodeAttrTree, decodeDone, decodeError,
  encodeAttrTree, encodeDatagram, encodeDoneMessage, encodeErrorMessage, splitDatagram,
} from "@nlwire/codec";
import {
  arbJunk, arbRawDatagram, arbValidAttrRun, arbValidDatagram, arbValidDonePayload, arbValidErrorPayload,
} from "../../test/codec/arbitraries.js";
import { Violation, byteInputs, bytesJson, diffAt, sameBytes, violated, type Entry, type Outcome } from "../entry.js";
import { messageFields } from "../layout.js";
import { seedOf, type Seed } from "../mutate.js";
import { recordedFixtures } from "../seeds.js";
import { sameValue } from "../same.js";

/** Every recorded datagram. */
export function datagramSeeds(): Seed[] {
  return recordedFixtures().flatMap((f) => f.datagrams.map((d) => seedOf(d.bytes, f.file)));
}

/** The attribute runs found inside the recorded messages (the top-level run of each). */
function attrRunSeeds(): Seed[] {
  const out: Seed[] = [];
  for (const s of datagramSeeds()) {
    const tops = messageFields(s.bytes).filter((f) => f.size === 2);
    const first = tops[0];
    if (!first) continue;
    const msg = messageFields(s.bytes).find((f) => f.size === 4 && f.start <= first.start && first.start < f.end)!;
    out.push(seedOf(s.bytes.slice(first.start, msg.end), s.origin));
  }
  return out;
}

/** Each recorded ERROR and DONE message (and fast-check's) wrapped as a datagram of one message. */
function withHeader(type: number, flags: number, payload: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  const at = w.beginMessage(type, flags, 1, 0);
  w.bytes(payload);
  w.endMessage(at);
  return w.finish();
}

const datagramCorpus = { seeds: datagramSeeds, structured: () => [arbValidDatagram.map((v) => v.bytes), arbRawDatagram, arbJunk] };

const split: Entry<Uint8Array> = {
  name: "splitDatagram",
  ...bytesJson,
  input: byteInputs("splitDatagram", datagramCorpus),
  run(b) {
    const d = splitDatagram(b);
    for (const m of d.messages) violated(m.header.length === 16 + m.payload.length, "invariant", () => `nlmsg_len ${m.header.length} vs payload ${m.payload.length}`);
    const back = encodeDatagram(d);
    violated(sameBytes(back, b), "roundtrip", () => `encodeDatagram(splitDatagram(b)): ${diffAt(back, b)}`);
    return "decoded";
  },
};

/** Walks attributes at [start, end), checking that the cursor always moves forward inside the range. */
function walkAttrs(r: ByteReader, start: number, end: number, depth: number): void {
  const c = new AttrCursor(r, start, end, []);
  let last = start;
  while (c.next()) {
    violated(c.offset === last && c.valueOffset + c.valueLength <= end, "invariant", () => `attribute at ${c.offset} (${c.valueLength} bytes) outside ${last}..${end}`);
    violated(c.position > last && c.position <= end, "invariant", () => `cursor stuck at ${last} (now ${c.position})`);
    last = c.position;
    if (c.nested && depth < 32) {
      try {
        walkAttrs(r, c.valueOffset, c.valueOffset + c.valueLength, depth + 1);
      } catch (e) {
        if (e instanceof Violation) throw e;
      }
    }
  }
  violated(c.trailing >= 0 && c.trailing < 4, "invariant", () => `trailing ${c.trailing}`);
}

const cursors: Entry<Uint8Array> = {
  name: "MessageCursor+AttrCursor",
  ...bytesJson,
  input: byteInputs("MessageCursor", datagramCorpus),
  run(b) {
    const r = new ByteReader(b);
    const c = new MessageCursor(r, 0, b.length);
    let last = 0;
    let outcome: Outcome = "decoded";
    while (c.next()) {
      violated(c.offset === last && c.length >= 16 && c.offset + c.length <= b.length, "invariant", () => `message at ${c.offset} len ${c.length}`);
      violated(c.position > last && c.position <= b.length, "invariant", () => `message cursor stuck at ${last}`);
      last = c.position;
      // The attributes after a genl header, and after a 16-byte one (ifinfomsg-sized).
      for (const h of [4, 16]) {
        if (c.payloadLength < h) continue;
        try {
          walkAttrs(r, c.payloadOffset + h, c.offset + c.length, 0);
        } catch (e) {
          if (e instanceof Violation) throw e;
          outcome = "rejected";
        }
      }
    }
    violated(c.trailing < 16, "invariant", () => `trailing ${c.trailing}`);
    return outcome;
  },
};

const attrTree: Entry<Uint8Array> = {
  name: "decodeAttrTree",
  ...bytesJson,
  input: byteInputs("decodeAttrTree", { seeds: attrRunSeeds, structured: () => [arbValidAttrRun.map((v) => v.bytes), arbJunk] }),
  run(b) {
    const tree = decodeAttrTree(new ByteReader(b), 0, b.length);
    const w = new ByteWriter();
    encodeAttrTree(w, tree);
    const back = w.finish();
    violated(sameBytes(back, b), "roundtrip", () => `encodeAttrTree(decodeAttrTree(b)): ${diffAt(back, b)}`);
    walkAttrs(new ByteReader(b), 0, b.length, 0);
    return "decoded";
  },
};

const ackSeeds = (): Seed[] =>
  datagramSeeds().filter((s) => {
    const m = messageFields(s.bytes)[0];
    const type = s.bytes.length >= 6 ? s.bytes[4]! | (s.bytes[5]! << 8) : -1;
    return m !== undefined && (type === NLMSG_ERROR || type === NLMSG_DONE);
  });

/**
 * decodeError and decodeDone on each ERROR/DONE message of a datagram. The
 * codec promises no byte-exact re-encoding here (it canonicalises padding and
 * TLV order), so the check is that what it encodes decodes to the same value.
 */
const acks: Entry<Uint8Array> = {
  name: "decodeError+decodeDone",
  ...bytesJson,
  input: byteInputs("acks", {
    seeds: ackSeeds,
    structured: () => [
      arbValidErrorPayload.map((v) => withHeader(NLMSG_ERROR, v.flags, v.bytes)),
      arbValidDonePayload.map((v) => withHeader(NLMSG_DONE, v.flags, v.bytes)),
    ],
  }),
  run(b) {
    let outcome: Outcome = "decoded";
    for (const m of splitDatagram(b).messages) {
      if (m.header.type !== NLMSG_ERROR && m.header.type !== NLMSG_DONE) continue;
      try {
        checkAck(m.header.type, m.payload, m.header.flags);
      } catch (e) {
        if (e instanceof Violation) throw e;
        if (!bytesJson.refusal(e)) throw e;
        outcome = "rejected";
      }
    }
    return outcome;
  },
};

function checkAck(type: number, payload: Uint8Array, flags: number): void {
  const to = { seq: 1, pid: 2 };
  const w = new ByteWriter();
  if (type === NLMSG_ERROR) {
    const e = decodeError(payload, flags);
    encodeErrorMessage(w, e, to);
    const again = splitDatagram(w.finish()).messages[0]!;
    const e2 = decodeError(again.payload, again.header.flags);
    violated(sameValue(e2, e), "roundtrip", () => "decodeError(encodeErrorMessage(decodeError(p))) differs from decodeError(p)");
  } else {
    const d = decodeDone(payload, flags);
    if (payload.length < 4) return;
    encodeDoneMessage(w, d, to);
    const again = splitDatagram(w.finish()).messages[0]!;
    const d2 = decodeDone(again.payload, again.header.flags);
    violated(sameValue(d2, d), "roundtrip", () => "decodeDone(encodeDoneMessage(decodeDone(p))) differs from decodeDone(p)");
  }
}

export const codecEntries: Entry<Uint8Array>[] = [split, cursors, attrTree, acks];
