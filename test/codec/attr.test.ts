import { describe, expect, it } from "vitest";
import {
  AttrCursor, ByteReader, ByteWriter, MalformedError, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK, TruncatedError,
  decodeAttrTree, encodeAttrTree, encodeUtf8, readInt, type AttrNode, type AttrTree,
} from "@nlwire/codec";
import { atOffset, codecError, expectBytes, hex, written } from "./helpers.js";

function cursorRows(bytes: Uint8Array, start = 0, end = bytes.length) {
  const c = new AttrCursor(new ByteReader(bytes), start, end);
  const rows: { offset: number; type: number; flags: number; nested: boolean; net: boolean; value: string }[] = [];
  while (c.next()) {
    rows.push({
      offset: c.offset, type: c.type, flags: c.flags, nested: c.nested, net: c.netByteOrder,
      value: Array.from(bytes.subarray(c.valueOffset, c.valueOffset + c.valueLength), (x) => x.toString(16).padStart(2, "0")).join(""),
    });
  }
  return { rows, trailing: c.trailing, position: c.position };
}

describe("attribute headers", () => {
  it("flag constants are those of linux/netlink.h", () => {
    expect([NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK]).toEqual([0x8000, 0x4000, 0x3fff]);
  });

  it("masks NLA_F_NESTED / NLA_F_NET_BYTEORDER off the type and reports them", () => {
    const bytes = hex(
      "0800", "0400", "dc050000", //  IFLA_MTU (4) = 1500, no flags
      "0600", "0180", "abcd", "0000", // type 0x8001: NESTED, type 1 (2-byte value + 2 pad bytes)
      "0800", "0240", "00000050", //  type 0x4002: NET_BYTEORDER, type 2, big-endian 80
      "0400", "ffff", //              type 0xffff: both flags, type 0x3fff, empty value
    );
    expect(cursorRows(bytes)).toEqual({
      rows: [
        { offset: 0, type: 4, flags: 0, nested: false, net: false, value: "dc050000" },
        { offset: 8, type: 1, flags: 0x8000, nested: true, net: false, value: "abcd" },
        { offset: 16, type: 2, flags: 0x4000, nested: false, net: true, value: "00000050" },
        { offset: 24, type: 0x3fff, flags: 0xc000, nested: true, net: true, value: "" },
      ],
      trailing: 0,
      position: 28,
    });
    // A NET_BYTEORDER value reads big-endian.
    expect(readInt(new ByteReader(bytes), "u32", 20, 4, "big-endian")).toBe(80);
  });

  it("padding: values are padded to 4 bytes, nla_len does not count the padding", () => {
    const bytes = written((w) => {
      w.attr(1, hex("2a")); // 1-byte value
      w.attr(3, encodeUtf8("lo\0")); // 3-byte string
      w.attr(5, hex("01020304")); // aligned value, no padding
      w.attr(6, new Uint8Array(0)); // flag attribute
    });
    expectBytes(bytes, hex(
      "0500", "0100", "2a", "000000", //   nla_len 5, type 1, value, 3 pad bytes
      "0700", "0300", "6c6f00", "00", //   nla_len 7, type 3, "lo\0", 1 pad byte
      "0800", "0500", "01020304", //       nla_len 8, type 5, no padding
      "0400", "0600", //                   nla_len 4, type 6, empty
    ));
    expect(cursorRows(bytes).rows.map((r) => r.value)).toEqual(["2a", "6c6f00", "01020304", ""]);
  });

  it("nests: ByteWriter back-patches their length, which includes the inner padding", () => {
    const bytes = written((w) => {
      const linkinfo = w.beginNest(18); // IFLA_LINKINFO
      const kind = w.beginAttr(1); // IFLA_INFO_KIND
      w.bytes(encodeUtf8("veth\0"));
      w.endAttr(kind);
      const data = w.beginNest(2); // IFLA_INFO_DATA
      const peer = w.beginNest(1); // VETH_INFO_PEER
      w.endNest(peer);
      w.endNest(data);
      w.endNest(linkinfo);
    });
    expectBytes(bytes, hex(
      "1800", "1280", //             nla_len 24, IFLA_LINKINFO | NESTED
      "0900", "0100", "7665746800", "000000", // nla_len 9, IFLA_INFO_KIND, "veth\0", 3 pad
      "0800", "0280", //             nla_len 8, IFLA_INFO_DATA | NESTED
      "0400", "0180", //             nla_len 4, VETH_INFO_PEER | NESTED, empty
    ));
    const tree = decodeAttrTree(new ByteReader(bytes), 0, bytes.length);
    expect(tree).toEqual({
      attrs: [{
        type: 18, flags: NLA_F_NESTED, children: [
          { type: 1, flags: 0, value: encodeUtf8("veth\0") },
          { type: 2, flags: NLA_F_NESTED, children: [{ type: 1, flags: NLA_F_NESTED, children: [] }] },
        ],
      }],
    });
    expectBytes(written((w) => encodeAttrTree(w, tree)), bytes);
  });

  it("a run may end without the last attribute's padding", () => {
    const bytes = hex("0500", "0100", "2a");
    expect(cursorRows(bytes)).toMatchObject({ rows: [{ value: "2a" }], trailing: 0, position: 5 });
    const tree = decodeAttrTree(new ByteReader(bytes), 0, 5);
    expect(tree.attrs[0]!.pad).toEqual(new Uint8Array(0));
    expectBytes(written((w) => encodeAttrTree(w, tree)), bytes);
  });

  it("keeps non-zero padding and trailing bytes, in nests too, so re-encoding is exact", () => {
    const bytes = hex(
      "0d00", "0180", //            nest, nla_len 13
      "0500", "0200", "11", "aabbcc", // child with junk padding
      "ee", //                      1 trailing byte inside the nest
      "dddddd", //                  the nest's own padding, junk
      "0600", "0300", "2222", "0000", // canonical leaf
      "0102", //                    2 trailing bytes after the run
    );
    const tree = decodeAttrTree(new ByteReader(atOffset(bytes)), 0, bytes.length);
    expect(tree).toEqual({
      attrs: [
        {
          type: 1, flags: NLA_F_NESTED, pad: hex("dddddd"), trailing: hex("ee"),
          children: [{ type: 2, flags: 0, value: hex("11"), pad: hex("aabbcc") }],
        },
        { type: 3, flags: 0, value: hex("2222") },
      ],
      trailing: hex("0102"),
    });
    expectBytes(written((w) => encodeAttrTree(w, tree)), bytes);
  });

  it("follows nests where the hint says, even without NLA_F_NESTED", () => {
    const bytes = hex("0c00", "0700", "0800", "0100", "05000000");
    const asLeaf = decodeAttrTree(new ByteReader(bytes), 0, bytes.length);
    expect(asLeaf.attrs[0]!.value).toEqual(hex("0800010005000000"));
    const seen: [number[], number, number][] = [];
    const asNest = decodeAttrTree(new ByteReader(bytes), 0, bytes.length, (path, type, flags) => {
      seen.push([[...path], type, flags]);
      return type === 7;
    });
    expect(asNest.attrs[0]!.children).toEqual([{ type: 1, flags: 0, value: hex("05000000") }]);
    expect(seen).toEqual([[[], 7, 0], [[7], 1, 0]]);
  });

  it("decoded values are copies, not views of the input", () => {
    const bytes = hex("0800", "0100", "01020304");
    const tree = decodeAttrTree(new ByteReader(bytes), 0, bytes.length);
    bytes.fill(0);
    expect(tree.attrs[0]!.value).toEqual(hex("01020304"));
  });

  it("encodeAttrTree takes a bare node list too", () => {
    const nodes: AttrNode[] = [{ type: 1, flags: 0, value: hex("ff") }];
    expectBytes(written((w) => encodeAttrTree(w, nodes)), hex("0500", "0100", "ff", "000000"));
  });

  it("refuses to encode a tree node whose length does not fit nla_len", () => {
    const tree: AttrTree = { attrs: [{ type: 1, flags: 0, value: new Uint8Array(65532) }] };
    expect(codecError(() => encodeAttrTree(new ByteWriter(), tree))).toBeInstanceOf(MalformedError);
  });
});

describe("malformed attributes", () => {
  it.each([
    ["nla_len below the header", hex("0800", "0100", "00000000", "0300", "0500"), 12, 8, [5]],
    ["nla_len past the end", hex("0900", "0100", "00000000"), 8, 0, [1]],
    ["nla_len past the end of the run, not just the buffer", hex("0800", "8200", "00000000"), 6, 0, [0x82]],
  ] as const)("%s: MalformedError with offset and path", (_what, bytes, end, offset, path) => {
    const e = codecError(() => {
      const c = new AttrCursor(new ByteReader(bytes), 0, end, []);
      while (c.next());
    });
    expect(e).toBeInstanceOf(MalformedError);
    expect(e.offset).toBe(offset);
    expect(e.path).toEqual(path);
  });

  it("a child that overruns its nest names the nest path", () => {
    const bytes = hex("0c00", "0380", "0c00", "0280", "00000000");
    const e = codecError(() => decodeAttrTree(new ByteReader(bytes), 0, bytes.length));
    expect(e).toBeInstanceOf(MalformedError);
    expect(e.offset).toBe(4);
    expect(e.path).toEqual([3, 2]);
    expect(e.message).toBe("attribute length 12 outside 4..8 at byte 4 (3.2)");
  });

  it("a run that extends past the buffer is truncated", () => {
    expect(codecError(() => new AttrCursor(new ByteReader(new Uint8Array(8)), 4, 12))).toBeInstanceOf(TruncatedError);
    expect(codecError(() => new AttrCursor(new ByteReader(new Uint8Array(8)), 6, 2))).toBeInstanceOf(TruncatedError);
  });

  it("1..3 bytes are trailing, not an attribute", () => {
    for (const n of [1, 2, 3]) expect(cursorRows(new Uint8Array(n))).toEqual({ rows: [], trailing: n, position: 0 });
  });

  it("nesting as deep as 65535 bytes allow is a codec error, not a stack overflow", () => {
    const depth = 16383; // each level a 4-byte header: the deepest a 65535-byte nest can go
    const bytes = new Uint8Array(depth * 4);
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i < depth; i++) {
      dv.setUint16(4 * i, bytes.length - 4 * i, true);
      dv.setUint16(4 * i + 2, NLA_F_NESTED | 1, true);
    }
    expect(codecError(() => decodeAttrTree(new ByteReader(bytes), 0, bytes.length))).toBeInstanceOf(MalformedError);
    // Realistic depths decode.
    const shallow = bytes.subarray(bytes.length - 4 * 32);
    let node = decodeAttrTree(new ByteReader(shallow), 0, shallow.length).attrs[0];
    let levels = 0;
    while (node) {
      levels++;
      node = node.children?.[0];
    }
    expect(levels).toBe(32);
  });
});
