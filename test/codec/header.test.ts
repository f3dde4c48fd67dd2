import { describe, expect, it } from "vitest";
import {
  ByteReader, ByteWriter, CONTROL_TYPE_NAMES, GENL_ID_CTRL, MalformedError, MessageCursor, NLM_F, NLMSG_DONE,
  NLMSG_ERROR, NLMSG_MIN_TYPE, NLMSG_NOOP, NLMSG_OVERRUN, TruncatedError, decodeGenlHeader, decodeHeader,
  encodeDatagram, encodeGenlHeader, encodeHeader, flagNames, parseFlags, splitDatagram, type FlagContext,
} from "@nlwire/codec";
import { atOffset, codecError, expectBytes, hex, written } from "./helpers.js";

describe("nlmsghdr", () => {
  // RTM_GETLINK dump request as `ip link` sends it, host order (little-endian here).
  const bytes = hex(
    "20000000", // nlmsg_len   = 32
    "1200", //     nlmsg_type  = 18 (RTM_GETLINK)
    "0103", //     nlmsg_flags = 0x301 (REQUEST | DUMP)
    "78563412", // nlmsg_seq   = 0x12345678
    "efbeadde", // nlmsg_pid   = 0xdeadbeef
  );
  const header = { length: 32, type: 18, flags: 0x301, seq: 0x12345678, pid: 0xdeadbeef };

  it("encodes and decodes field by field", () => {
    expectBytes(written((w) => encodeHeader(w, header)), bytes);
    expect(decodeHeader(new ByteReader(atOffset(bytes)), 0)).toEqual(header);
  });

  it("decodes at an offset and in big-endian host order when told", () => {
    const r = new ByteReader(atOffset(hex("ffff", "00000020", "0012", "0301", "12345678", "deadbeef")), false);
    expect(decodeHeader(r, 2)).toEqual(header);
  });

  it("is truncated below 16 bytes", () => {
    const e = codecError(() => decodeHeader(new ByteReader(bytes.subarray(0, 15)), 0));
    expect(e).toBeInstanceOf(TruncatedError);
    expect((e as TruncatedError).needed).toBe(16);
  });

  it("control types and their names", () => {
    expect([NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN, NLMSG_MIN_TYPE]).toEqual([1, 2, 3, 4, 0x10]);
    expect(CONTROL_TYPE_NAMES).toEqual({ 1: "NOOP", 2: "ERROR", 3: "DONE", 4: "OVERRUN" });
  });
});

describe("NLM_F flags", () => {
  it("have the values of linux/netlink.h", () => {
    expect(NLM_F).toEqual({
      REQUEST: 0x01, MULTI: 0x02, ACK: 0x04, ECHO: 0x08, DUMP_INTR: 0x10, DUMP_FILTERED: 0x20,
      ROOT: 0x100, MATCH: 0x200, ATOMIC: 0x400, DUMP: 0x300,
      REPLACE: 0x100, EXCL: 0x200, CREATE: 0x400, APPEND: 0x800,
      NONREC: 0x100, BULK: 0x200,
      CAPPED: 0x100, ACK_TLVS: 0x200,
    });
  });

  it.each([
    // context, flags, names
    ["none", 0, []],
    ["none", 0x01, ["REQUEST"]],
    ["none", 0x02, ["MULTI"]],
    ["none", 0x04, ["ACK"]],
    ["none", 0x08, ["ECHO"]],
    ["none", 0x10, ["DUMP_INTR"]],
    ["none", 0x20, ["DUMP_FILTERED"]],
    ["none", 0x3f, ["REQUEST", "MULTI", "ACK", "ECHO", "DUMP_INTR", "DUMP_FILTERED"]],
    ["none", 0x305, ["REQUEST", "ACK", "0x300"]], // upper bits mean nothing without a context
    ["get", 0x100, ["ROOT"]],
    ["get", 0x200, ["MATCH"]],
    ["get", 0x300, ["DUMP"]], // ROOT|MATCH is named DUMP
    ["get", 0x400, ["ATOMIC"]],
    ["get", 0x301, ["REQUEST", "DUMP"]],
    ["get", 0x705, ["REQUEST", "ACK", "DUMP", "ATOMIC"]],
    ["get", 0x800, ["0x800"]],
    ["new", 0x100, ["REPLACE"]],
    ["new", 0x200, ["EXCL"]],
    ["new", 0x400, ["CREATE"]],
    ["new", 0x800, ["APPEND"]],
    ["new", 0x605, ["REQUEST", "ACK", "EXCL", "CREATE"]],
    ["delete", 0x100, ["NONREC"]],
    ["delete", 0x200, ["BULK"]],
    ["delete", 0x405, ["REQUEST", "ACK", "0x400"]],
    ["ack", 0x100, ["CAPPED"]],
    ["ack", 0x200, ["ACK_TLVS"]],
    ["ack", 0x302, ["MULTI", "CAPPED", "ACK_TLVS"]],
    ["ack", 0xf000, ["0xf000"]], // unnamed bits in one hex number
    ["new", 0x8c01, ["REQUEST", "CREATE", "APPEND", "0x8000"]],
  ] as const)("%s %i → %j", (context, flags, names) => {
    expect(flagNames(flags, context)).toEqual(names);
    expect(parseFlags(names)).toBe(flags);
  });

  it("parseFlags takes any context's names, any case, and hex", () => {
    expect(parseFlags(["request", "Dump"])).toBe(0x301);
    expect(parseFlags(["CREATE", "EXCL", "0x1000"])).toBe(0x1600);
    expect(parseFlags(["nonrec", "bulk"])).toBe(0x300);
    expect(parseFlags(["CAPPED", "ACK_TLVS"])).toBe(0x300);
    expect(parseFlags([])).toBe(0);
    expect(() => parseFlags(["DUMPS"])).toThrow(/unknown netlink flag/);
    expect(() => parseFlags(["0x"])).toThrow(/unknown netlink flag/);
  });

  it("parseFlags(flagNames(f)) = f for every 16-bit f in every context", () => {
    const contexts: FlagContext[] = ["none", "get", "new", "delete", "ack"];
    for (const ctx of contexts) {
      for (let f = 0; f <= 0xffff; f++) {
        const back = parseFlags(flagNames(f, ctx));
        if (back !== f) expect({ ctx, f, back }).toEqual({ ctx, f, back: f });
      }
    }
  });
});

describe("genlmsghdr", () => {
  const bytes = hex(
    "03", //   cmd      = 3 (CTRL_CMD_GETFAMILY)
    "02", //   version  = 2
    "3412", // reserved = 0x1234 (host order)
  );

  it("encodes and decodes", () => {
    expect(GENL_ID_CTRL).toBe(0x10);
    expectBytes(written((w) => encodeGenlHeader(w, { cmd: 3, version: 2, reserved: 0x1234 })), bytes);
    expect(decodeGenlHeader(new ByteReader(atOffset(hex("ee", "030234 12"))), 1)).toEqual({ cmd: 3, version: 2, reserved: 0x1234 });
  });

  it("is truncated below 4 bytes", () => {
    expect(codecError(() => decodeGenlHeader(new ByteReader(bytes), 1))).toBeInstanceOf(TruncatedError);
  });
});

describe("datagrams", () => {
  // Five messages of one datagram, then trailing bytes.
  const datagram = hex(
    // NOOP, no payload
    "10000000", "0100", "0000", "01000000", "00000000",
    // RTM_NEWLINK (16), MULTI, 5-byte payload, non-zero padding
    "15000000", //  nlmsg_len = 21
    "1000", //      nlmsg_type = 16
    "0200", //      nlmsg_flags = MULTI
    "02000000", //  nlmsg_seq = 2
    "39300000", //  nlmsg_pid = 12345
    "0a0b0c0d0e", // payload
    "ffeedd", //    padding that is not zero: kept
    // NLMSG_ERROR: an ACK (errno 0), CAPPED
    "24000000", "0200", "0001", "03000000", "39300000",
    "00000000", //                                       error = 0
    "14000000", "1000", "0500", "03000000", "39300000", // the request's header
    // NLMSG_DONE, MULTI, errno 0
    "14000000", "0300", "0200", "04000000", "39300000", "00000000",
    // NLMSG_OVERRUN
    "10000000", "0400", "0000", "05000000", "00000000",
    // 15 trailing bytes: too few for a header
    "0102030405060708090a0b0c0d0e0f",
  );

  it("splits into messages, keeping non-zero padding and trailing bytes", () => {
    const d = splitDatagram(datagram);
    expect(d.messages.map((m) => m.header)).toEqual([
      { length: 16, type: NLMSG_NOOP, flags: 0, seq: 1, pid: 0 },
      { length: 21, type: 16, flags: NLM_F.MULTI, seq: 2, pid: 12345 },
      { length: 36, type: NLMSG_ERROR, flags: NLM_F.CAPPED, seq: 3, pid: 12345 },
      { length: 20, type: NLMSG_DONE, flags: NLM_F.MULTI, seq: 4, pid: 12345 },
      { length: 16, type: NLMSG_OVERRUN, flags: 0, seq: 5, pid: 0 },
    ]);
    expect(d.messages.map((m) => m.payload.length)).toEqual([0, 5, 20, 4, 0]);
    expectBytes(d.messages[1]!.payload, hex("0a0b0c0d0e"));
    expectBytes(d.messages[1]!.pad!, hex("ffeedd"));
    expect(d.messages.filter((m) => m.pad)).toHaveLength(1);
    expectBytes(d.trailing!, hex("0102030405060708090a0b0c0d0e0f"));
  });

  it("re-encodes to the same bytes", () => {
    expectBytes(encodeDatagram(splitDatagram(datagram)), datagram);
  });

  it("encodes canonical zero padding and nlmsg_len from the payload", () => {
    const b = encodeDatagram([
      { header: { length: 999, type: 16, flags: 1, seq: 9, pid: 0 }, payload: hex("aa") },
      { header: { length: 0, type: 3, flags: 2, seq: 9, pid: 0 }, payload: hex("00000000") },
    ]);
    expectBytes(b, hex(
      "11000000", "1000", "0100", "09000000", "00000000", "aa", "000000",
      "14000000", "0300", "0200", "09000000", "00000000", "00000000",
    ));
  });

  it("a last message without its padding is kept that way", () => {
    const b = hex("11000000", "1000", "0000", "01000000", "00000000", "aa");
    const d = splitDatagram(b);
    expect(d.messages[0]!.pad).toEqual(new Uint8Array(0));
    expect(d.trailing).toBeUndefined();
    expectBytes(encodeDatagram(d), b);
  });

  it("payloads are views of the datagram (documented), padding and trailing are copies", () => {
    const b = datagram.slice();
    const d = splitDatagram(b);
    b[32] = 0x99; // first payload byte of message 2
    b[37] = 0x99; // first padding byte of message 2
    b[b.length - 1] = 0x99;
    expect(d.messages[1]!.payload[0]).toBe(0x99);
    expect(d.messages[1]!.pad![0]).toBe(0xff);
    expect(d.trailing![14]).toBe(0x0f);
  });

  it("works on a view with a byteOffset", () => {
    const d = splitDatagram(atOffset(datagram, 3));
    expect(d.messages).toHaveLength(5);
    expectBytes(d.messages[1]!.payload, hex("0a0b0c0d0e"));
  });

  it("the cursor walks the same messages without allocating them", () => {
    const c = new MessageCursor(new ByteReader(datagram));
    const seen: [number, number, number, number][] = [];
    while (c.next()) seen.push([c.offset, c.type, c.payloadOffset, c.payloadLength]);
    expect(seen).toEqual([[0, 1, 16, 0], [16, 16, 32, 5], [40, 2, 56, 20], [76, 3, 92, 4], [96, 4, 112, 0]]);
    expect(c.position).toBe(112);
    expect(c.trailing).toBe(15);
  });

  it("the cursor honours start and end", () => {
    const c = new MessageCursor(new ByteReader(datagram), 16, 76);
    const types: number[] = [];
    while (c.next()) types.push(c.type);
    expect(types).toEqual([16, 2]);
  });

  it("the cursor refuses bounds outside the buffer with a codec error", () => {
    const r = new ByteReader(datagram.subarray(0, 18));
    expect(codecError(() => new MessageCursor(r, 0, 64).next())).toBeInstanceOf(TruncatedError);
    expect(codecError(() => new MessageCursor(r, -4).next())).toBeInstanceOf(TruncatedError);
  });

  it("an empty datagram has no messages", () => {
    expect(splitDatagram(new Uint8Array(0))).toEqual({ messages: [] });
  });

  it("nlmsg_len below 16 is malformed, with the offset", () => {
    const b = hex("10000000", "0100", "0000", "00000000", "00000000", "0f000000", "1000", "0000", "00000000", "00000000");
    const e = codecError(() => splitDatagram(b));
    expect(e).toBeInstanceOf(MalformedError);
    expect(e.offset).toBe(16);
  });

  it("nlmsg_len past the end is truncated, with the offset and sizes", () => {
    const e = codecError(() => splitDatagram(datagram.subarray(0, 36)));
    expect(e).toBeInstanceOf(TruncatedError);
    expect(e.offset).toBe(16);
    expect([(e as TruncatedError).needed, (e as TruncatedError).available]).toEqual([21, 20]);
  });

  it("multipart: MULTI on every part, DONE at the end", () => {
    const w = new ByteWriter();
    for (let i = 0; i < 3; i++) {
      const at = w.beginMessage(16, NLM_F.MULTI, 42, 7);
      w.u32(i);
      w.endMessage(at);
    }
    const done = w.beginMessage(NLMSG_DONE, NLM_F.MULTI, 42, 7);
    w.s32(0);
    w.endMessage(done);
    const d = splitDatagram(w.finish());
    expect(d.messages.map((m) => [m.header.type, m.header.flags & NLM_F.MULTI, m.header.seq])).toEqual([
      [16, 2, 42], [16, 2, 42], [16, 2, 42], [3, 2, 42],
    ]);
  });
});
