/**
 * Fuzz: arbitrary bytes and damaged valid messages fed to the message-level
 * decode entry points. The only exceptions allowed are the codec's own; a
 * decode that succeeds must be consistent (and re-encode to the same bytes
 * where the codec promises that); cursors must always move forward.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import {
  ByteReader, MessageCursor, NLM_F, decodeDone, decodeError, decodeGenlHeader, decodeHeader, encodeDatagram,
  splitDatagram,
} from "@nlwire/codec";
import {
  arbJunk, arbMutated, arbValidDatagram, arbValidDonePayload, arbValidErrorPayload, arbView, corpus,
} from "./arbitraries.js";
import { FUZZ_TIMEOUT, check, decodeOrCodecError, run, sameBytes, withOffset, withRange } from "./fuzz.js";


const junk = arbView(arbJunk);
const damagedDatagrams = arbView(arbMutated(corpus(arbValidDatagram)).map((m) => m.bytes));
const arbFlags = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, NLM_F.CAPPED, NLM_F.ACK_TLVS, NLM_F.CAPPED | NLM_F.ACK_TLVS));

function checkSplit(bytes: Uint8Array): void {
  const d = decodeOrCodecError(() => splitDatagram(bytes));
  if (!d) return;
  for (const m of d.messages) check(m.header.length === 16 + m.payload.length && m.header.length >= 16, "nlmsg_len", m.header);
  check(!d.trailing || d.trailing.length < 16, "trailing shorter than a header", d.trailing?.length);
  // Accepted input re-encodes exactly, whatever it held (inputs sit at a
  // random byteOffset among junk, so reading outside the view shows here too).
  check(sameBytes(encodeDatagram(d), bytes), "re-encoding differs");
}

function walkMessages(bytes: Uint8Array, start: number, end: number): void {
  decodeOrCodecError(() => {
    const c = new MessageCursor(new ByteReader(bytes), start, end);
    let last = start;
    let steps = 0;
    while (c.next()) {
      check(c.offset === last && c.length >= 16 && c.offset + c.length <= end, "message inside the range", c.offset, c.length);
      check(c.position > last && c.position <= end, "the cursor advances", last, c.position); // no hang
      check(c.payloadOffset + c.payloadLength === c.offset + c.length, "payload bounds");
      last = c.position;
      if (++steps > bytes.length) throw new Error("cursor does not advance");
    }
    check(c.trailing < 16, "trailing", c.trailing);
  });
}

function checkErrno(errno: number): void {
  check(Number.isInteger(errno) && !Object.is(errno, -0), "errno", errno);
}

function checkError(payload: Uint8Array, flags: number): void {
  const e = decodeOrCodecError(() => decodeError(payload, flags));
  if (!e) return;
  checkErrno(e.errno);
  if (flags & NLM_F.CAPPED) check(e.requestPayload === undefined, "no echo when capped");
  else check(e.requestPayload?.length === e.request.length - 16, "echo length", e.request.length);
  check((e.extAck !== undefined) === ((flags & NLM_F.ACK_TLVS) !== 0), "ext-ack iff ACK_TLVS");
}

function checkDone(payload: Uint8Array, flags: number): void {
  const d = decodeOrCodecError(() => decodeDone(payload, flags));
  if (d) checkErrno(d.errno);
}

describe("fuzz: splitDatagram", () => {
  it("arbitrary bytes", () => run(fc.property(junk, checkSplit)), FUZZ_TIMEOUT);
  it("damaged valid datagrams", () => run(fc.property(damagedDatagrams, checkSplit)), FUZZ_TIMEOUT);
});

describe("fuzz: MessageCursor", () => {
  it("arbitrary bytes and ranges", () =>
    run(fc.property(withRange(junk), ({ bytes, start, end }) => walkMessages(bytes, start, end))), FUZZ_TIMEOUT);
  it("damaged valid datagrams, arbitrary ranges", () =>
    run(fc.property(withRange(damagedDatagrams), ({ bytes, start, end }) => walkMessages(bytes, start, end))), FUZZ_TIMEOUT);
});

describe("fuzz: decodeHeader / decodeGenlHeader", () => {
  const input = withOffset(fc.oneof(junk, damagedDatagrams));
  it("decodeHeader at arbitrary offsets", () =>
    run(fc.property(input, ({ bytes, off }) => {
      const h = decodeOrCodecError(() => decodeHeader(new ByteReader(bytes), off));
      if (h) check(off >= 0 && off + 16 <= bytes.length, "header inside the buffer", off);
    })), FUZZ_TIMEOUT);
  it("decodeGenlHeader at arbitrary offsets", () =>
    run(fc.property(input, ({ bytes, off }) => {
      const g = decodeOrCodecError(() => decodeGenlHeader(new ByteReader(bytes), off));
      if (g) check(off >= 0 && off + 4 <= bytes.length && g.cmd <= 255 && g.version <= 255 && g.reserved <= 0xffff, "genlmsghdr", off, g);
    })), FUZZ_TIMEOUT);
});

describe("fuzz: decodeError", () => {
  it("arbitrary bytes and flags", () => run(fc.property(junk, arbFlags, checkError)), FUZZ_TIMEOUT);
  it("damaged valid error payloads", () =>
    run(fc.property(arbMutated(corpus(arbValidErrorPayload)), ({ bytes, flags }) => checkError(bytes, flags))), FUZZ_TIMEOUT);
});

describe("fuzz: decodeDone", () => {
  it("arbitrary bytes and flags", () => run(fc.property(junk, arbFlags, checkDone)), FUZZ_TIMEOUT);
  it("damaged valid done payloads", () =>
    run(fc.property(arbMutated(corpus(arbValidDonePayload)), ({ bytes, flags }) => checkDone(bytes, flags))), FUZZ_TIMEOUT);
});
