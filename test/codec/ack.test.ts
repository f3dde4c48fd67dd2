import { describe, expect, it } from "vitest";
import {
  ByteReader, ByteWriter, MalformedError, NLM_F, NLMSGERR_ATTR, NLMSG_DONE, NLMSG_ERROR, NL_ATTR_TYPE_NAMES,
  TruncatedError, decodeDone, decodeError, decodeExtAck, decodePolicy, encodeDoneMessage, encodeErrorMessage,
  encodeExtAck, encodeUtf8, splitDatagram, type ErrorMessage, type PolicyDescription,
} from "@nlwire/codec";
import { atOffset, codecError, expectBytes, hex, toHex } from "./helpers.js";

// The request being answered: RTM_NEWLINK with an ifinfomsg and IFLA_MTU = 65536.
const REQUEST_HEADER = hex(
  "28000000", // nlmsg_len   = 40
  "1000", //     nlmsg_type  = 16 (RTM_NEWLINK)
  "0506", //     nlmsg_flags = REQUEST | ACK | EXCL | CREATE
  "07000000", // nlmsg_seq   = 7
  "34120000", // nlmsg_pid   = 0x1234
);
const REQUEST_PAYLOAD = hex(
  "00", "00", "0000", "00000000", "00000000", "00000000", // struct ifinfomsg
  "0800", "0400", "00000100", //                          IFLA_MTU (4) = 65536, at offset 32 of the request
);
const REQUEST = { length: 40, type: 16, flags: 0x605, seq: 7, pid: 0x1234 };

// Every ext-ack TLV, in the order the kernel (and encodeExtAck) writes them.
const TLVS = hex(
  "1500", "0100", "4d5455206f7574206f662072616e6765", "00", "000000", // MSG (21): "MTU out of range\0" + 3 pad
  "0c00", "0300", "0102030405060708", //        COOKIE (12): 8 bytes
  "0800", "0200", "20000000", //                OFFS (8): 32, the IFLA_MTU header in the request
  "2400", "0480", //                            POLICY (36) | NLA_F_NESTED
  "0c00", "0400", "4400000000000000", //          NL_POLICY_TYPE_ATTR_MIN_VALUE_U = 68
  "0c00", "0500", "ffff000000000000", //          NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 65535
  "0800", "0100", "04000000", //                  NL_POLICY_TYPE_ATTR_TYPE = 4 (NL_ATTR_TYPE_U32), last as the kernel writes it
  "0800", "0500", "03000000", //                MISS_TYPE (8): 3 (IFLA_IFNAME)
  "0800", "0600", "30000000", //                MISS_NEST (8): 48
  "0600", "0700", "abcd", "0000", //            type 7: not known to the codec, kept
);
const EXT_ACK = {
  message: "MTU out of range",
  cookie: hex("0102030405060708"),
  offset: 32,
  policy: { minValueU: 68n, maxValueU: 65535n, type: 4, typeName: "u32" },
  missingType: 3,
  missingNest: 48,
  unknown: [{ type: 7, flags: 0, value: hex("abcd") }],
};

describe("NLMSG_ERROR with every extended-ACK TLV", () => {
  const full = hex(
    "a4000000", // nlmsg_len   = 164
    "0200", //     nlmsg_type  = NLMSG_ERROR
    "0002", //     nlmsg_flags = ACK_TLVS (not CAPPED: the request payload is echoed)
    "07000000", // nlmsg_seq   = 7
    "34120000", // nlmsg_pid   = 0x1234
    "eaffffff", // error       = -22 (EINVAL)
    toHex(REQUEST_HEADER), // echoed nlmsghdr
    toHex(REQUEST_PAYLOAD), // echoed payload (24 bytes)
    toHex(TLVS),
  );
  const capped = hex(
    "8c000000", // nlmsg_len   = 140
    "0200", //     NLMSG_ERROR
    "0003", //     nlmsg_flags = CAPPED | ACK_TLVS
    "07000000", "34120000",
    "eaffffff", // -EINVAL
    "28000000", "1000", "0506", "07000000", "34120000", // only the request's header; its nlmsg_len still says 40
    toHex(TLVS),
  );
  const decodedFull: ErrorMessage = {
    errno: 22, errnoName: "EINVAL", request: REQUEST, requestPayload: REQUEST_PAYLOAD, extAck: EXT_ACK,
  };

  it("the hand-built bytes are what they claim", () => {
    expect(full.length).toBe(164);
    expect(capped.length).toBe(140);
    expect(NLMSGERR_ATTR).toEqual({ MSG: 1, OFFS: 2, COOKIE: 3, POLICY: 4, MISS_TYPE: 5, MISS_NEST: 6 });
  });

  it("full form: decodeError", () => {
    const [m] = splitDatagram(full).messages;
    expect(m!.header).toEqual({ length: 164, type: NLMSG_ERROR, flags: NLM_F.ACK_TLVS, seq: 7, pid: 0x1234 });
    expect(decodeError(m!.payload, m!.header.flags)).toEqual(decodedFull);
  });

  it("full form: encodeErrorMessage writes the same bytes", () => {
    const w = new ByteWriter();
    encodeErrorMessage(w, decodedFull, { seq: 7, pid: 0x1234 });
    expectBytes(w.finish(), full);
  });

  it("capped form: only the echoed header, decodeError and encodeErrorMessage", () => {
    const [m] = splitDatagram(capped).messages;
    const { requestPayload: _, ...decodedCapped } = decodedFull;
    const e = decodeError(m!.payload, m!.header.flags);
    expect(e).toEqual(decodedCapped);
    expect("requestPayload" in e).toBe(false);
    const w = new ByteWriter();
    encodeErrorMessage(w, e, { seq: 7, pid: 0x1234 });
    expectBytes(w.finish(), capped);
  });

  it("decodes through a view at a byteOffset, and returns copies", () => {
    const bytes = atOffset(full.subarray(16));
    const e = decodeError(bytes, NLM_F.ACK_TLVS);
    expect(e).toEqual(decodedFull);
    bytes.fill(0);
    expect(e.requestPayload).toEqual(REQUEST_PAYLOAD);
    expect(e.extAck!.cookie).toEqual(hex("0102030405060708"));
  });

  it("without ACK_TLVS the TLVs are not read", () => {
    const e = decodeError(full.subarray(16), 0);
    expect(e.extAck).toBeUndefined();
    expect(e.requestPayload).toEqual(REQUEST_PAYLOAD);
  });
});

describe("ACK (errno 0)", () => {
  const ackWithTlv = hex(
    "2c000000", // nlmsg_len = 44
    "0200", "0003", // NLMSG_ERROR, CAPPED | ACK_TLVS (the kernel caps every ACK)
    "07000000", "34120000",
    "00000000", // error = 0
    "28000000", "1000", "0506", "07000000", "34120000", // echoed header
    "0700", "0100", "6f6b00", "00", // MSG: "ok\0", a warning that came with success
  );

  it("decodes to errno 0 (not -0) with its TLVs, and encodes back", () => {
    const [m] = splitDatagram(ackWithTlv).messages;
    const e = decodeError(m!.payload, m!.header.flags);
    expect(e).toEqual({ errno: 0, request: REQUEST, extAck: { message: "ok" } });
    expect(Object.is(e.errno, 0)).toBe(true);
    expect("errnoName" in e).toBe(false);
    const w = new ByteWriter();
    encodeErrorMessage(w, e, { seq: 7, pid: 0x1234 });
    expectBytes(w.finish(), ackWithTlv);
  });

  it("a plain ACK", () => {
    const plain = hex("24000000", "0200", "0001", "07000000", "34120000", "00000000", "28000000", "1000", "0506", "07000000", "34120000");
    const e = decodeError(plain.subarray(16), NLM_F.CAPPED);
    expect(e).toEqual({ errno: 0, request: REQUEST });
    expect(Object.is(e.errno, 0)).toBe(true);
    const w = new ByteWriter();
    encodeErrorMessage(w, e, { seq: 7, pid: 0x1234 });
    expectBytes(w.finish(), plain);
  });
});

describe("NLMSG_DONE", () => {
  const doneWithError = hex(
    "28000000", // nlmsg_len = 40
    "0300", //     NLMSG_DONE
    "0202", //     MULTI | ACK_TLVS
    "09000000", "34120000",
    "edffffff", // -19 (ENODEV)
    "0900", "0100", "676f6e6500", "000000", // MSG "gone\0" + 3 pad
    "0800", "0500", "01000000", //           MISS_TYPE 1
  );

  it("carries an errno and its own TLVs: decodeDone and encodeDoneMessage", () => {
    const [m] = splitDatagram(doneWithError).messages;
    expect(m!.header.type).toBe(NLMSG_DONE);
    const d = decodeDone(m!.payload, m!.header.flags);
    expect(d).toEqual({ errno: 19, errnoName: "ENODEV", extAck: { message: "gone", missingType: 1 } });
    const w = new ByteWriter();
    encodeDoneMessage(w, d, { seq: 9, pid: 0x1234 });
    expectBytes(w.finish(), doneWithError);
  });

  it("a clean end: errno 0 (not -0), with or without the 4 bytes", () => {
    for (const payload of [hex("00000000"), new Uint8Array(0)]) {
      const d = decodeDone(payload, NLM_F.MULTI);
      expect(d).toEqual({ errno: 0 });
      expect(Object.is(d.errno, 0)).toBe(true);
    }
    const w = new ByteWriter();
    encodeDoneMessage(w, { errno: 0 }, { seq: 1, pid: 2 });
    expectBytes(w.finish(), hex("14000000", "0300", "0200", "01000000", "02000000", "00000000"));
  });
});

describe("malformed error messages", () => {
  it("shorter than error + nlmsghdr: truncated", () => {
    const e = codecError(() => decodeError(new Uint8Array(19), 0));
    expect(e).toBeInstanceOf(TruncatedError);
    expect(e.path).toEqual(["error"]);
  });

  it("echoed nlmsg_len below 16 in the full form: malformed", () => {
    const e = codecError(() => decodeError(hex("eaffffff", "0f000000", "1000", "0000", "00000000", "00000000"), 0));
    expect(e).toBeInstanceOf(MalformedError);
    expect(e.offset).toBe(4);
    expect(e.path).toEqual(["request"]);
  });

  it("echoed payload longer than the message: truncated (but fine when CAPPED)", () => {
    const bytes = hex("eaffffff", "40000000", "1000", "0000", "00000000", "00000000", "00000000");
    const e = codecError(() => decodeError(bytes, 0));
    expect(e).toBeInstanceOf(TruncatedError);
    expect(e.path).toEqual(["request"]);
    expect(decodeError(bytes.subarray(0, 20), NLM_F.CAPPED).errno).toBe(22);
  });

  it("a u32 TLV of the wrong size names its path", () => {
    const e = codecError(() => decodeExtAck(new ByteReader(hex("0600", "0200", "2000", "0000")), 0, 8));
    expect(e).toBeInstanceOf(MalformedError);
    expect(e.path).toEqual(["extack", 2]);
  });

  it("a policy attribute of the wrong size names its path", () => {
    const e = codecError(() => decodeExtAck(new ByteReader(hex("1000", "0480", "0c00", "0100", "0400000000000000")), 0, 16));
    expect(e).toBeInstanceOf(MalformedError);
    expect(e.path).toEqual(["extack", 4, "type"]);
    expect(e.offset).toBe(8);
  });

  it("a TLV overrunning the message names its path", () => {
    const e = codecError(() => decodeDone(hex("00000000", "0900", "0100", "6f6b00"), NLM_F.ACK_TLVS));
    expect(e).toBeInstanceOf(MalformedError);
    expect(e.path).toEqual(["extack", 1]);
  });
});

describe("policy descriptions (NL_POLICY_TYPE_ATTR_*)", () => {
  const policy = hex(
    "0800", "0100", "0b000000", //         TYPE = 11 (NL_ATTR_TYPE_STRING)
    "0c00", "0200", "f6ffffffffffffff", // MIN_VALUE_S = -10
    "0c00", "0300", "0a00000000000000", // MAX_VALUE_S = 10
    "0c00", "0400", "0000000000000000", // MIN_VALUE_U = 0
    "0c00", "0500", "ffffffffffffffff", // MAX_VALUE_U = 2^64 - 1
    "0800", "0600", "01000000", //         MIN_LENGTH = 1
    "0800", "0700", "0f000000", //         MAX_LENGTH = 15
    "0800", "0800", "02000000", //         POLICY_IDX = 2
    "0800", "0900", "05000000", //         POLICY_MAXTYPE = 5
    "0800", "0a00", "ff000000", //         BITFIELD32_MASK = 0xff
    "0400", "0b00", //                     PAD: dropped
    "0c00", "0c00", "0000000001000000", // MASK = 2^32
    "0500", "0d00", "01", "000000", //     13: unknown, kept (1-byte value)
    "0600", "0e00", "0203", "0000", //     14: unknown, kept (2-byte value)
  );
  const expected: PolicyDescription = {
    type: 11, typeName: "string", minValueS: -10n, maxValueS: 10n, minValueU: 0n, maxValueU: 2n ** 64n - 1n,
    minLength: 1, maxLength: 15, policyIdx: 2, policyMaxType: 5, bitfield32Mask: 0xff, mask: 2n ** 32n,
    unknown: [{ type: 13, flags: 0, value: hex("01") }, { type: 14, flags: 0, value: hex("0203") }],
  };

  it("decodes every attribute, drops PAD, keeps unknown ones", () => {
    expect(decodePolicy(new ByteReader(atOffset(policy)), 0, policy.length)).toEqual(expected);
  });

  it("survives encodeExtAck → decodeExtAck, unknown attributes of odd length included", () => {
    const decoded = decodePolicy(new ByteReader(policy), 0, policy.length);
    const w = new ByteWriter();
    encodeExtAck(w, { policy: decoded });
    const b = w.finish();
    expect(decodeExtAck(new ByteReader(b), 0, b.length)).toEqual({ policy: expected });
  });

  it("names every NL_ATTR_TYPE_*, and no more", () => {
    expect(NL_ATTR_TYPE_NAMES).toEqual([
      "invalid", "flag", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
      "binary", "string", "nul-string", "nested", "nested-array", "bitfield32", "sint", "uint",
    ]);
    expect(decodePolicy(new ByteReader(hex("0800", "0100", "12000000")), 0, 8)).toEqual({ type: 18 });
  });
});

describe("ext-ack text", () => {
  it("MSG stops at the first NUL and is UTF-8", () => {
    const b = hex("0c00", "0100", "c3a9", "00", "787878", "00", "00");
    expect(decodeExtAck(new ByteReader(b), 0, b.length)).toEqual({ message: "é" });
  });

  it("MSG without a NUL takes the whole value", () => {
    const b = hex("0600", "0100", "6869", "0000");
    expect(decodeExtAck(new ByteReader(b), 0, b.length)).toEqual({ message: "hi" });
  });

  it("encodes MSG NUL-terminated", () => {
    const w = new ByteWriter();
    encodeExtAck(w, { message: "hi" });
    expectBytes(w.finish(), hex("0700", "0100", "686900", "00"));
    expect(encodeUtf8("hi")).toEqual(hex("6869"));
  });
});
