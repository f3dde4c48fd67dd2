import { describe, expect, it } from "vitest";
import {
  ByteReader, ByteWriter, NLM_F, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, attrPathAt, decodeError,
  encodeDatagram, encodeErrorMessage, splitDatagram,
} from "@nlwire/codec";
import { loadFixture } from "../tools/fixture.js";

// Replies recorded from the live kernel by tools/record-fixtures.ts; each
// fixture names the commands that produced it.
const fixture = (name: string) => loadFixture(new URL(`fixtures/${name}.json`, import.meta.url).pathname);
const IFINFOMSG_LEN = 16;
const IFLA_IFNAME = 3;

function onlyMessage(dgram: Uint8Array) {
  const d = splitDatagram(dgram);
  expect(d.messages).toHaveLength(1);
  expect(d.trailing).toBeUndefined();
  return d.messages[0]!;
}

describe("kernel error replies", () => {
  it("decodes an ext-ack policy rejection and maps OFFS to the attribute", () => {
    const fx = fixture("rtnl-newlink-einval-extack");
    const sent = onlyMessage(fx.sent[0]!);
    const reply = onlyMessage(fx.received[0]!);
    expect(reply.header.type).toBe(NLMSG_ERROR);
    expect(reply.header.flags & NLM_F.ACK_TLVS).toBeTruthy();
    expect(reply.header.flags & NLM_F.CAPPED).toBe(0);
    const e = decodeError(reply.payload, reply.header.flags);
    expect(e.errnoName).toBe("ERANGE");
    expect(e.request.seq).toBe(sent.header.seq);
    expect(e.requestPayload).toEqual(sent.payload);
    expect(e.extAck?.message).toBe("Attribute failed policy validation");
    expect(e.extAck?.policy).toMatchObject({ typeName: "string", maxLength: 15 });
    const offs = e.extAck!.offset! - NLMSG_HDRLEN;
    const path = attrPathAt(new ByteReader(sent.payload), IFINFOMSG_LEN, sent.payload.length, offs);
    expect(path).toEqual([IFLA_IFNAME]);
  });

  it("decodes the same rejection without extended ACK: full echo, no TLVs", () => {
    const fx = fixture("rtnl-newlink-einval");
    const reply = onlyMessage(fx.received[0]!);
    const e = decodeError(reply.payload, reply.header.flags);
    expect(e.errnoName).toBe("ERANGE");
    expect(e.extAck).toBeUndefined();
    expect(e.requestPayload).toEqual(onlyMessage(fx.sent[0]!).payload);
  });

  it("decodes MISS_TYPE from a generic netlink request missing a required attribute", () => {
    const fx = fixture("netdev-dev-get-missing-ifindex");
    const e = decodeError(onlyMessage(fx.received[0]!).payload, onlyMessage(fx.received[0]!).header.flags);
    expect(e.errnoName).toBe("EINVAL");
    expect(e.extAck).toEqual({ missingType: 1 });
    expect(e.request.type).toBe(fx.genlFamilies!["netdev"]);
  });

  it("re-encodes every recorded reply to its exact bytes", () => {
    for (const name of ["rtnl-newlink-einval-extack", "rtnl-newlink-einval", "netdev-dev-get-missing-ifindex"]) {
      const dgram = fixture(name).received[0]!;
      const m = onlyMessage(dgram);
      expect(encodeDatagram(splitDatagram(dgram))).toEqual(dgram);
      // The structured form rebuilds the kernel's bytes too: same layout, same TLV order.
      const w = new ByteWriter();
      encodeErrorMessage(w, decodeError(m.payload, m.header.flags), m.header);
      expect(w.finish()).toEqual(dgram);
    }
  });
});

describe("a recorded link dump", () => {
  it("splits into messages that end in DONE and re-encode byte for byte", () => {
    const fx = fixture("rtnl-getlink-dump");
    const types: number[] = [];
    for (const dgram of fx.received) {
      const d = splitDatagram(dgram);
      types.push(...d.messages.map((m) => m.header.type));
      expect(encodeDatagram(d)).toEqual(dgram);
    }
    expect(types.at(-1)).toBe(NLMSG_DONE);
    expect(types.filter((t) => t === 16)).toHaveLength(4); // lo, v0, v1, br0 as RTM_NEWLINK
  });
});
