import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NLM_F, splitDatagram, type DecodedMessage } from "@nlwire/codec";
import { xfrmAddressBytes, xfrmAddressText } from "@nlwire/codec/dedicated";
import { describe, expect, it } from "vitest";
import { KernelError, openNetlink } from "../../client/index.js";
import { ip, ipIn } from "../../tools/netns.js";
import { until } from "../client/helpers.js";
import { throwAwayNetns } from "../transport/netns.js";
import { projectFamily } from "./specs.js";
import { sentDatagrams } from "./trace.js";

const NETLINK_XFRM = 6;
const xfrm = projectFamily("xfrm");
type O = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const AUTH_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const ENC_KEY = "000102030405060708090a0b0c0d0e0f";
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A selector, id and addresses in text, the way `ip xfrm` prints them. */
function selectorText(sel: O): string {
  const f = sel["family"] as number;
  return `src ${xfrmAddressText(sel["saddr"], f)}/${sel["prefixlen-s"]} dst ${xfrmAddressText(sel["daddr"], f)}/${sel["prefixlen-d"]}`;
}

/** `ip xfrm policy` text, one object per policy (ip has no JSON for xfrm). */
function ipPolicies(ns: string): O[] {
  return ip(["-n", ns, "xfrm", "policy"]).split(/\n(?=src )/).filter((b) => b.trim()).map((b) => {
    const sel = /^src (\S+) dst (\S+)/.exec(b)!;
    const dir = /dir (\w+) priority (\d+)/.exec(b)!;
    const tmpls = [...b.matchAll(/tmpl src (\S+) dst (\S+)\s+proto (\w+) reqid (\d+) mode (\w+)/g)].map((t) => ({ src: t[1], dst: t[2], proto: t[3], reqid: Number(t[4]), mode: t[5] }));
    return { sel: `src ${sel[1]} dst ${sel[2]}`, dir: dir[1], priority: Number(dir[2]), tmpls };
  });
}

/** A policy from the kernel in the same shape. */
function policyOf(m: DecodedMessage): O {
  const p = m.fixed as O;
  const tmpls = ((m.attrs as O)["tmpl"]?.["templates"] ?? []) as O[];
  return {
    sel: selectorText(p["sel"]), dir: p["dir"], priority: p["priority"],
    tmpls: tmpls.map((t) => ({ src: xfrmAddressText(t["saddr"], t["family"]), dst: xfrmAddressText(t["id"]["daddr"], t["family"]), proto: t["id"]["proto"], reqid: t["reqid"], mode: t["mode"] })),
  };
}

/** `ip xfrm state` text: the id and mode of each SA. */
function ipStates(ns: string): O[] {
  return [...ip(["-n", ns, "xfrm", "state"]).matchAll(/src (\S+) dst (\S+)\s+proto (\w+) spi (0x[0-9a-f]+) reqid (\d+) mode (\w+)/g)]
    .map((s) => ({ src: s[1], dst: s[2], proto: s[3], spi: Number(s[4]), reqid: Number(s[5]), mode: s[6] }));
}

function stateOf(m: DecodedMessage): O {
  const s = m.fixed as O;
  const f = s["family"];
  return { src: xfrmAddressText(s["saddr"], f), dst: xfrmAddressText(s["id"]["daddr"], f), proto: s["id"]["proto"], spi: s["id"]["spi"], reqid: s["reqid"], mode: s["mode"] };
}

const byText = (a: O, b: O) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

describe("xfrm structs", () => {
  it("have the sizes the C compiler gives them (linux/xfrm.h)", () => {
    const names = ["xfrm_id", "xfrm_selector", "xfrm_user_tmpl", "xfrm_encap_tmpl", "xfrm_userpolicy_type", "xfrm_usersa_info", "xfrm_usersa_id", "xfrm_aevent_id",
      "xfrm_userspi_info", "xfrm_userpolicy_info", "xfrm_userpolicy_id", "xfrm_user_acquire", "xfrm_user_expire", "xfrm_user_polexpire", "xfrm_user_report",
      "xfrm_user_mapping", "xfrm_algo", "xfrm_algo_auth", "xfrm_algo_aead", "xfrm_user_sec_ctx", "xfrm_replay_state_esn", "xfrm_user_kmaddress", "xfrm_user_migrate",
      "xfrm_address_filter", "xfrm_user_offload", "xfrm_mark", "xfrm_lifetime_cfg", "xfrm_lifetime_cur", "xfrm_stats", "xfrm_replay_state"];
    const src = join(tmpdir(), `nlw-xfrm-sizes-${process.pid}.c`);
    writeFileSync(src, `#include <stdio.h>\n#include <linux/xfrm.h>\nint main(void){${names.map((n) => `printf("${n} %zu\\n", sizeof(struct ${n}));`).join("")}return 0;}\n`);
    const bin = src.replace(/\.c$/, "");
    expect(spawnSync("cc", ["-o", bin, src]).status).toBe(0);
    const c = Object.fromEntries(spawnSync(bin, { encoding: "utf8" }).stdout.trim().split("\n").map((l) => l.split(" ")).map(([n, s]) => [n, Number(s)]));
    for (const n of names) expect(xfrm.model.structs[n.replace(/_/g, "-")]?.size, n).toBe(c[n]);
  });
});

describe("xfrm, live", () => {
  const ns = throwAwayNetns("nlwx");

  it("ip's SA with algorithms decodes field by field and re-encodes to the same bytes; the codec builds them too", () => {
    const args = ["-n", ns.name, "xfrm", "state", "add", "src", "10.0.0.1", "dst", "10.0.0.2", "proto", "esp", "spi", "0x1000", "reqid", "7", "mode", "tunnel",
      "auth-trunc", "hmac(sha256)", `0x${AUTH_KEY}`, "128", "enc", "cbc(aes)", `0x${ENC_KEY}`];
    const sent = sentDatagrams(["ip", ...args]).datagrams.filter((d) => splitDatagram(d).messages[0]?.header.type === 16);
    expect(sent).toHaveLength(1);
    const msg = splitDatagram(sent[0]!).messages[0]!;
    const m = xfrm.decode(msg, { fromKernel: false, strict: true });
    expect(m.op).toBe("newsa");
    const f = m.fixed as O;
    expect(stateOf(m)).toEqual({ src: "10.0.0.1", dst: "10.0.0.2", proto: "esp", spi: 0x1000, reqid: 7, mode: "tunnel" });
    const a = m.attrs as O;
    expect(a["alg-auth-trunc"]).toMatchObject({ "alg-name": "hmac(sha256)", "alg-key-len": 256, "alg-trunc-len": 128 });
    expect(hex(a["alg-auth-trunc"]["alg-key"])).toBe(AUTH_KEY);
    expect(a["alg-crypt"]).toMatchObject({ "alg-name": "cbc(aes)", "alg-key-len": 128 });
    expect(hex(a["alg-crypt"]["alg-key"])).toBe(ENC_KEY);
    expect(xfrm.encodeDecoded(m)).toEqual(sent[0]);
    // The same SA from values: byte for byte what iproute2 sends.
    const built = xfrm.encodeRequest({
      op: "newsa", flags: msg.header.flags, seq: msg.header.seq,
      fixed: { ...f, sel: f["sel"], lft: f["lft"] },
      attrs: {
        "alg-auth-trunc": { "alg-name": "hmac(sha256)", "alg-key-len": 256, "alg-trunc-len": 128, "alg-key": Buffer.from(AUTH_KEY, "hex") },
        "alg-crypt": { "alg-name": "cbc(aes)", "alg-key-len": 128, "alg-key": Buffer.from(ENC_KEY, "hex") },
      },
    });
    expect(hex(built)).toBe(hex(sent[0]!));
  });

  it("the kernel reads the codec's algorithms as it reads ip's: a short key is EINVAL, an unknown one ENOSYS, a good SA fails only for want of ESP", async () => {
    const c = openNetlink({ protocol: NETLINK_XFRM, netns: ns.name });
    const sa = (auth: O) => ({
      fixed: {
        sel: { family: 2 }, id: { daddr: xfrmAddressBytes("10.0.0.2"), spi: 0x2000, proto: "esp" }, saddr: xfrmAddressBytes("10.0.0.1"),
        lft: { "soft-byte-limit": 2n ** 64n - 1n, "hard-byte-limit": 2n ** 64n - 1n, "soft-packet-limit": 2n ** 64n - 1n, "hard-packet-limit": 2n ** 64n - 1n },
        reqid: 8, family: 2, mode: "tunnel",
      },
      attrs: { "alg-auth-trunc": auth, "alg-crypt": { "alg-name": "cbc(aes)", "alg-key-len": 128, "alg-key": Buffer.from(ENC_KEY, "hex") } },
    });
    const errno = async (auth: O) => {
      try {
        await c.request(xfrm, "newsa", sa(auth), { flags: NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL });
        return "ok";
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        return e.errnoName;
      }
    };
    const key = Buffer.from(AUTH_KEY, "hex");
    try {
      // ip gets the same answer for its SA ("Requested type not found": this kernel has no ESP).
      expect(await errno({ "alg-name": "hmac(sha256)", "alg-key-len": 256, "alg-trunc-len": 128, "alg-key": key })).toBe("EPROTONOSUPPORT");
      expect(await errno({ "alg-name": "hmac(sha256)", "alg-key-len": 256, "alg-trunc-len": 128, "alg-key": key.subarray(0, 16) })).toBe("EINVAL");
      expect(await errno({ "alg-name": "hmac(nosuch)", "alg-key-len": 256, "alg-trunc-len": 128, "alg-key": key })).toBe("ENOSYS");
    } finally {
      c.close();
    }
  });

  it("policies added by ip and by the codec list the same through the client and in `ip xfrm policy`; a codec delete removes one", async () => {
    ipIn(ns.name, ["xfrm policy add src 10.0.0.1/32 dst 10.0.0.2/32 dir out priority 100 tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode tunnel"]);
    const c = openNetlink({ protocol: NETLINK_XFRM, netns: ns.name });
    try {
      const v6 = (s: string) => xfrmAddressBytes(s);
      const tmpl = (src: string, dst: string, reqid: number) => ({ id: { daddr: v6(dst), proto: "esp" }, family: 10, saddr: v6(src), reqid, mode: "tunnel", aalgos: 0xffffffff, ealgos: 0xffffffff, calgos: 0xffffffff });
      const inf = 2n ** 64n - 1n;
      await c.request(xfrm, "newpolicy", {
        fixed: {
          sel: { daddr: v6("2001:db8::2"), saddr: v6("2001:db8::1"), family: 10, "prefixlen-d": 128, "prefixlen-s": 64 },
          lft: { "soft-byte-limit": inf, "hard-byte-limit": inf, "soft-packet-limit": inf, "hard-packet-limit": inf },
          priority: 200, dir: "fwd", action: "allow",
        },
        // Two templates in one attribute: a transport SA inside a tunnel.
        attrs: { tmpl: { templates: [tmpl("2001:db8::1", "2001:db8::2", 5), tmpl("2001:db8::a", "2001:db8::b", 6)] } },
      }, { flags: NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL });

      const listed = (await c.dump(xfrm, "getpolicy").toArray()).map(policyOf).sort(byText);
      expect(listed).toEqual(ipPolicies(ns.name).sort(byText));
      expect(listed).toHaveLength(2);
      expect(listed.find((p) => p["dir"] === "fwd")!["tmpls"]).toHaveLength(2);

      await c.request(xfrm, "delpolicy", { fixed: { sel: { daddr: v6("2001:db8::2"), saddr: v6("2001:db8::1"), family: 10, "prefixlen-d": 128, "prefixlen-s": 64 }, dir: "fwd" } });
      expect(ipPolicies(ns.name).map((p) => p["dir"])).toEqual(["out"]);
    } finally {
      c.close();
      ipIn(ns.name, ["xfrm policy flush"]);
    }
  });

  it("a packet that an out policy wants protected, with no SA for it, brings an ACQUIRE naming the policy and its template", async () => {
    // Not over lo: loopback is exempt from xfrm (its devconf has NOXFRM).
    ipIn(ns.name, ["link add nlwxa type veth peer name nlwxb", "link set nlwxa up", "link set nlwxb up", "addr add 10.0.3.1/24 dev nlwxa",
      "xfrm policy add src 10.0.3.1/32 dst 10.0.3.2/32 dir out priority 55 tmpl src 10.0.3.1 dst 10.0.3.2 proto esp reqid 77 mode tunnel"]);
    const c = openNetlink({ protocol: NETLINK_XFRM, netns: ns.name });
    try {
      const sub = await c.subscribe(xfrm, ["acquire"]);
      // The first packet waits for a key manager that never comes: the send fails, the kernel asks.
      const py = 'import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("10.0.3.1",0))\ntry: s.sendto(b"x",("10.0.3.2",9))\nexcept OSError: pass';
      spawnSync("ip", ["netns", "exec", ns.name, "python3", "-c", py]);
      const got = await until(sub, (n) => n.type === "message" && n.message.op === "acquire");
      const acq = got.flatMap((n) => (n.type === "message" && n.message.op === "acquire" ? [n.message] : []))[0]!;
      const f = acq.fixed as O;
      expect(xfrmAddressText(f["id"]["daddr"], 2)).toBe("10.0.3.2");
      expect(xfrmAddressText(f["saddr"], 2)).toBe("10.0.3.1");
      expect(f["id"]["proto"]).toBe("esp");
      expect(f["policy"]).toMatchObject({ dir: "out", priority: 55 });
      // The selector is the packet's flow: UDP to port 9 out of nlwxa.
      expect(selectorText(f["sel"])).toBe("src 10.0.3.1/32 dst 10.0.3.2/32");
      expect(f["sel"]).toMatchObject({ proto: 17, dport: 9, "dport-mask": 0xffff });
      const ifindex = (JSON.parse(ip(["-n", ns.name, "-j", "link", "show", "nlwxa"])) as { ifindex: number }[])[0]!.ifindex;
      expect(f["sel"]["ifindex"]).toBe(ifindex);
      const tmpl = (acq.attrs as O)["tmpl"]["templates"] as O[];
      expect(tmpl.map((t) => ({ reqid: t["reqid"], mode: t["mode"], proto: t["id"]["proto"] }))).toEqual([{ reqid: 77, mode: "tunnel", proto: "esp" }]);
      // The kernel keeps a larval SA while it waits; ip lists it too.
      expect(ipStates(ns.name)).toContainEqual(expect.objectContaining({ src: "10.0.3.1", dst: "10.0.3.2", proto: "esp", spi: 0 }));
    } finally {
      c.close();
      ipIn(ns.name, ["xfrm policy flush", "xfrm state flush", "link del nlwxa"]);
    }
  });

  it("SAs: allocspi makes a larval SA that the dump and `ip xfrm state` show alike; the sa and policy groups announce adds and deletes", async () => {
    const c = openNetlink({ protocol: NETLINK_XFRM, netns: ns.name });
    const watcher = openNetlink({ protocol: NETLINK_XFRM, netns: ns.name });
    try {
      const sub = await watcher.subscribe(xfrm, ["sa", "policy"]);
      const [sa] = await c.request(xfrm, "allocspi", {
        fixed: { info: { sel: { family: 2 }, id: { daddr: xfrmAddressBytes("10.0.0.2"), proto: "esp" }, saddr: xfrmAddressBytes("10.0.0.1"), family: 2, reqid: 9, mode: "tunnel" }, min: 0x300, max: 0x3ff },
      });
      const spi = (sa!.fixed as O)["id"]["spi"] as number;
      expect(spi).toBeGreaterThanOrEqual(0x300);
      expect(spi).toBeLessThanOrEqual(0x3ff);
      const listed = (await c.dump(xfrm, "getsa").toArray()).map(stateOf);
      expect(listed).toEqual(ipStates(ns.name));
      expect(listed).toEqual([{ src: "10.0.0.1", dst: "10.0.0.2", proto: "esp", spi, reqid: 9, mode: "tunnel" }]);

      ipIn(ns.name, ["xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir in priority 7"]);
      await c.request(xfrm, "delsa", { fixed: { daddr: xfrmAddressBytes("10.0.0.2"), spi, family: 2, proto: "esp" } });
      ipIn(ns.name, ["xfrm policy del src 10.1.0.0/16 dst 10.2.0.0/16 dir in"]);
      expect(ipStates(ns.name)).toEqual([]);

      const got = await until(sub, (n) => n.type === "message" && n.message.op === "delpolicy-ntf");
      const events = got.flatMap((n) => (n.type === "message" ? [n.message] : []));
      // XFRM_MSG_NEWPOLICY, DELSA, DELPOLICY. The kernel copies the requester's seq into an
      // announcement, so ip's NEWPOLICY reads as a getpolicy reply (the same layout).
      expect(events.map((m) => m.header.type)).toEqual([19, 17, 20]);
      const del = events.find((m) => m.op === "delsa-ntf")!;
      expect((del.fixed as O)["spi"]).toBe(spi);
      // A deletion carries the whole SA in its sa attribute.
      expect(stateOf({ ...del, fixed: (del.attrs as O)["sa"] })).toEqual(listed[0]);
      expect(policyOf(events.find((m) => m.header.type === 19)!)).toMatchObject({ sel: "src 10.1.0.0/16 dst 10.2.0.0/16", dir: "in", priority: 7 });
      const delp = events.find((m) => m.op === "delpolicy-ntf")!;
      expect(selectorText((delp.fixed as O)["sel"])).toBe("src 10.1.0.0/16 dst 10.2.0.0/16");
      expect((delp.attrs as O)["policy"]["priority"]).toBe(7);
      // Each announcement re-encodes to bytes that decode to it again.
      for (const m of events) expect(xfrm.decode(splitDatagram(xfrm.encodeDecoded(m)).messages[0]!)).toEqual(m);
    } finally {
      c.close();
      watcher.close();
    }
  });
});
