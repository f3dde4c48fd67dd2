import { fileURLToPath } from "node:url";
import { isCodecError, isEncodeError, isMalformedError, isTruncatedError } from "@nlwire/codec";
import {
  UDEV_MONITOR_MAGIC, UEVENT_GROUP_KERNEL, decodeUevent, encodeUevent, udevHash32, udevTagBloom, type Uevent,
} from "@nlwire/codec/dedicated";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openNative } from "../../transport/index.js";
import { ip } from "../../tools/netns.js";
import { runText } from "../../tools/exec.js";
import { createNetns, throwAwayNetns } from "../transport/netns.js";
import { collect } from "./helpers.js";

const NETLINK_KOBJECT_UEVENT = 15;
const UDEV_RECEIVE = fileURLToPath(new URL("./udev-receive.py", import.meta.url));
const text = (s: string) => new TextEncoder().encode(s);

describe("kernel uevents, live", () => {
  const ns = throwAwayNetns("nlwue");

  it("a socket bound to group 1 in a namespace sees the uevents of a veth created there", async () => {
    const t = openNative({ protocol: NETLINK_KOBJECT_UEVENT, groups: 1 << (UEVENT_GROUP_KERNEL - 1), netns: ns.name });
    try {
      const got = collect(t);
      ip(["-n", ns.name, "link", "add", "nlwue0", "type", "veth", "peer", "name", "nlwue1"]);
      const links = JSON.parse(ip(["-n", ns.name, "-j", "link", "show"])) as { ifname: string; ifindex: number }[];
      const events = (await got.until((ds) => ds.map(decodeUevent).filter((e) => e.properties["SUBSYSTEM"] === "net").length >= 2)).map(decodeUevent);
      const net = events.filter((e) => e.properties["SUBSYSTEM"] === "net");
      for (const name of ["nlwue0", "nlwue1"]) {
        const e = net.find((x) => x.properties["INTERFACE"] === name)!;
        // The fields `udevadm monitor --kernel --property` prints for a new network device.
        expect(e.summary).toEqual({ action: "add", devpath: `/devices/virtual/net/${name}` });
        expect(e.properties).toMatchObject({
          ACTION: "add", DEVPATH: `/devices/virtual/net/${name}`, SUBSYSTEM: "net", INTERFACE: name,
          IFINDEX: String(links.find((l) => l.ifname === name)!.ifindex),
        });
        expect(e.properties["SEQNUM"]).toMatch(/^\d+$/);
      }
      // Every datagram decodes, and re-encodes to the bytes the kernel sent (queues included).
      for (const d of got.datagrams) expect(encodeUevent(decodeUevent(d))).toEqual(d);
      const seqnums = events.map((e) => BigInt(e.properties["SEQNUM"]!));
      expect([...seqnums].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqnums);
    } finally {
      t.close();
    }
  });
});

describe("udev monitor format", () => {
  // Built by hand from the layout in uevent.ts, not with encodeUevent.
  function handBuilt(props: string, subsystemHash: number, bloomHi: number, bloomLo: number): Uint8Array {
    const body = text(props);
    const b = new Uint8Array(40 + body.length);
    const v = new DataView(b.buffer);
    b.set(text("libudev"), 0); // prefix, NUL at 7
    v.setUint32(8, UDEV_MONITOR_MAGIC, false); // network order
    v.setUint32(12, 40, true); // header_size, host order
    v.setUint32(16, 40, true); // properties_off
    v.setUint32(20, body.length, true); // properties_len
    v.setUint32(24, subsystemHash, false);
    v.setUint32(28, 0, false); // no DEVTYPE
    v.setUint32(32, bloomHi, false);
    v.setUint32(36, bloomLo, false);
    b.set(body, 40);
    return b;
  }

  it("decodes a header and properties built from the documented layout", () => {
    const b = handBuilt("ACTION=add\0DEVPATH=/devices/virtual/net/x\0SUBSYSTEM=net\0SEQNUM=9\0", 0x12345678, 1, 2);
    const e = decodeUevent(b);
    expect(e.source).toBe("udev");
    expect(e.udev).toEqual({ headerSize: 40, propertiesOffset: 40, propertiesLength: b.length - 40, subsystemHash: 0x12345678, devtypeHash: 0, tagBloom: (1n << 32n) | 2n });
    expect(e.properties).toEqual({ ACTION: "add", DEVPATH: "/devices/virtual/net/x", SUBSYSTEM: "net", SEQNUM: "9" });
    expect(encodeUevent(e)).toEqual(b);
  });

  it("what encodeUevent frames, libudev's own monitor receives, through its subsystem and tag filters", async () => {
    const props = { ACTION: "add", DEVPATH: "/devices/virtual/net/nlwu0", SUBSYSTEM: "net", INTERFACE: "nlwu0", IFINDEX: "7", SEQNUM: "42", TAGS: ":nlwire:", CURRENT_TAGS: ":nlwire:" };
    const hex = Buffer.from(encodeUevent({ source: "udev", properties: props })).toString("hex");
    // libudev listens only when udevd seems to run (/run/udev/control): fake that in a private mount namespace.
    const receive = (ns: string, subsystem: string, tag: string) => {
      const script = 'mount -t tmpfs nlwire /run && mkdir /run/udev && touch /run/udev/control && exec python3 "$0" "$1" "$2" "$3"';
      const out = runText("ip", ["netns", "exec", ns, "unshare", "-m", "--propagation", "private", "sh", "-c", script, UDEV_RECEIVE, hex, subsystem, tag]);
      return (JSON.parse(out) as { properties: Record<string, string> | null }).properties;
    };
    const ns = createNetns("nlwud");
    try {
      // libudev installs a socket filter on the subsystem hash and tag bloom: had encodeUevent
      // computed them differently from udevd, the kernel would drop the datagram.
      expect(receive(ns.name, "net", "nlwire")).toMatchObject({ ...props, TAGS: ":nlwire:" });
      expect(receive(ns.name, "block", "")).toBeNull();
      expect(receive(ns.name, "", "other")).toBeNull();
    } finally {
      ns.dispose();
    }
  });

  it("the hashes: MurmurHash2 with seed 0", () => {
    expect(udevHash32("")).toBe(0);
    // Four bits (or fewer, when slices collide) per tag.
    const bits = udevTagBloom(["systemd"]).toString(2).replace(/0/g, "").length;
    expect(bits).toBeGreaterThan(0);
    expect(bits).toBeLessThanOrEqual(4);
  });
});

describe("uevent decoder: errors and round trips", () => {
  it("bad framing is a typed error with its offset", () => {
    const cases: [string, (e: unknown) => boolean, number][] = [
      ["add/devices/x\0A=b\0", isMalformedError, 0], // no @
      ["add@/x\0NOEQUALS\0", isMalformedError, 7],
      ["add@/x\0A=b\0A=c\0", isMalformedError, 11],
      ["add@/x\0A=b", isTruncatedError, 7],
      ["add@/x", isTruncatedError, 0],
    ];
    for (const [s, is, offset] of cases) {
      let caught: unknown;
      try {
        decodeUevent(text(s));
      } catch (e) {
        caught = e;
      }
      expect(is(caught), s).toBe(true);
      expect((caught as { offset: number }).offset, s).toBe(offset);
    }
    const badMagic = encodeUevent({ source: "udev", properties: { A: "b" } });
    badMagic[8] = 0;
    expect(() => decodeUevent(badMagic)).toThrow(/magic/);
    expect(() => encodeUevent({ source: "kernel", properties: { "A=B": "c" }, summary: { action: "add", devpath: "/" } })).toThrow(/cannot be framed/);
    expect(isEncodeError((() => { try { encodeUevent({ source: "kernel", properties: {} }); } catch (e) { return e; } })())).toBe(true);
  });

  const key = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/);
  const value = fc.string({ maxLength: 30 }).filter((s) => !s.includes("\0"));
  const props = fc.dictionary(key, value, { maxKeys: 8 });

  it("kernel and udev framings round-trip (property)", () => {
    const event = fc.oneof(
      fc.record({ source: fc.constant("kernel" as const), properties: props, summary: fc.record({ action: fc.constantFrom("add", "remove", "change", "move", "bind"), devpath: value }) }),
      fc.record({ source: fc.constant("udev" as const), properties: props }),
    );
    fc.assert(fc.property(event, (e: Uevent) => {
      const bytes = encodeUevent(e);
      const back = decodeUevent(bytes);
      expect(back.properties).toEqual(e.properties);
      if (e.summary) expect(back.summary).toEqual(e.summary);
      expect(encodeUevent(back)).toEqual(bytes);
    }));
  });

  it("arbitrary bytes decode or throw a codec error, never anything else (property)", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (b, udev) => {
      if (udev && b.length >= 12) b.set([...text("libudev"), 0, 0xfe, 0xed, 0xca, 0xfe]);
      try {
        decodeUevent(b);
      } catch (e) {
        expect(isCodecError(e)).toBe(true);
      }
    }));
  });
});
