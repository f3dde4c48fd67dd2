import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ByteWriter, NLMSG_ERROR, splitDatagram, type DecodedMessage } from "@nlwire/codec";
import { describe, expect, it } from "vitest";
import { openNative, type NativeTransport } from "../../transport/index.js";
import { ip } from "../../tools/netns.js";
import { runAsync, runText } from "../../tools/exec.js";
import { throwAwayNetns } from "../transport/netns.js";
import { collect } from "./helpers.js";
import { projectFamily } from "./specs.js";

const NETLINK_NETFILTER = 12;
const nflog = projectFamily("nfnetlink-log");
const nfqueue = projectFamily("nfnetlink-queue");
type O = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Sends one UDP datagram to 127.0.0.1:port from inside the namespace and
 * says whether it arrived (a queue verdict decides that).
 */
function udpProbe(ns: string, port: number, text: string): Promise<Buffer> {
  const py = `import socket,sys
r=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); r.bind(("127.0.0.1",${port})); r.settimeout(1)
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(${JSON.stringify(text)}.encode(),("127.0.0.1",${port}))
try: print(r.recv(100).decode())
except socket.timeout: print("timeout")`;
  return runAsync("ip", ["netns", "exec", ns, "python3", "-c", py]);
}

/** The nfnetlink messages of a family in the datagrams, decoded (ACKs left out). */
function decoded(family: typeof nflog, ds: Uint8Array[]): DecodedMessage[] {
  return ds.flatMap((d) => splitDatagram(d).messages.filter((m) => m.header.type !== NLMSG_ERROR).map((m) => family.decode(m, { strict: true })));
}

/** An IPv4/UDP packet's addresses, ports and payload, read from its bytes. */
function udpOf(p: Uint8Array): O {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const ihl = (p[0]! & 15) * 4;
  return { version: p[0]! >> 4, proto: p[9], src: p.subarray(12, 16).join("."), dst: p.subarray(16, 20).join("."), dport: v.getUint16(ihl + 2), data: Buffer.from(p.subarray(ihl + 8)).toString() };
}

async function configure(t: NativeTransport, family: typeof nflog, group: number, attrs: O): Promise<void> {
  await t.send(family.encodeRequest({ op: "config", fixed: { "nfgen-family": 0, "res-id": group }, attrs, seq: 1 }, new ByteWriter()));
}

describe("nfnetlink_log and nfnetlink_queue, live", () => {
  const ns = throwAwayNetns("nlwnf");

  it("nft `log group` sends NFULNL packets that decode to the packet sent, as tshark reads them too", async () => {
    ip(["-n", ns.name, "link", "set", "lo", "up"]);
    runText("ip", ["netns", "exec", ns.name, "nft", "add table inet nlw; add chain inet nlw out { type filter hook output priority 0; }; add rule inet nlw out udp dport 40005 log group 5 prefix \"nlw-log: \""]);
    const t = openNative({ protocol: NETLINK_NETFILTER, netns: ns.name });
    try {
      const got = collect(t);
      await configure(t, nflog, 5, { cmd: { command: "bind" }, mode: { "copy-range": 0xffff, "copy-mode": "packet" }, qthresh: 1, flags: ["seq"] });
      expect((await udpProbe(ns.name, 40005, "hello nflog")).toString().trim()).toBe("hello nflog");
      const packets = decoded(nflog, await got.until((ds) => decoded(nflog, ds).some((m) => m.op === "packet")));
      const p = packets.find((m) => m.op === "packet")!;
      expect(p.kind).toBe("event");
      expect(p.fixed).toMatchObject({ "res-id": 5, "nfgen-family": 2 });
      const a = p.attrs as O;
      expect(a["prefix"]).toBe("nlw-log: ");
      expect(a["packet-hdr"]).toMatchObject({ "hw-protocol": 0x0800, hook: "output" });
      expect(a["ifindex-outdev"]).toBe(1); // lo
      expect(a["uid"]).toBe(0);
      expect(a["seq"]).toBe(0);
      expect(udpOf(a["payload"])).toEqual({ version: 4, proto: 17, src: "127.0.0.1", dst: "127.0.0.1", dport: 40005, data: "hello nflog" });
      // Lossless: every message re-encodes to its bytes.
      for (const d of got.datagrams) for (const m of splitDatagram(d).messages.filter((x) => x.header.type !== NLMSG_ERROR)) {
        expect(splitDatagram(nflog.encodeDecoded(nflog.decode(m))).messages[0]!.payload).toEqual(m.payload);
      }
      // tshark decodes the same message from an NFLOG (linktype 239) capture: the record is the netlink payload.
      const raw = splitDatagram(got.datagrams.find((d) => splitDatagram(d).messages[0]!.header.type === 0x400)!).messages[0]!.payload;
      const fields = tsharkNflog(raw);
      expect(fields["nflog.prefix"]).toBe("nlw-log: ");
      expect(Number(fields["nflog.res_id"])).toBe(5);
      expect(Number(fields["nflog.hook"])).toBe(3);
      expect(fields["ip.src"]).toBe("127.0.0.1");
      expect(Number(fields["udp.dstport"])).toBe(40005);
    } finally {
      t.close();
    }
  });

  it("NFQUEUE hands packets to an NFQNL socket; a verdict accept lets one through, drop stops the next", async () => {
    ip(["-n", ns.name, "link", "set", "lo", "up"]);
    // This kernel has no nft queue expression; iptables' NFQUEUE target (through nft compat) queues instead.
    runText("ip", ["netns", "exec", ns.name, "iptables", "-A", "OUTPUT", "-p", "udp", "--dport", "40007", "-j", "NFQUEUE", "--queue-num", "7"]);
    const t = openNative({ protocol: NETLINK_NETFILTER, netns: ns.name });
    try {
      const got = collect(t);
      await configure(t, nfqueue, 7, { cmd: { command: "bind" }, params: { "copy-range": 0xffff, "copy-mode": "packet" } });
      const verdictFor = async (text: string, verdict: "accept" | "drop") => {
        const before = got.datagrams.length;
        const probe = udpProbe(ns.name, 40007, text);
        const ds = await got.until((all) => decoded(nfqueue, all.slice(before)).some((m) => m.op === "packet"));
        const pkt = decoded(nfqueue, ds.slice(before)).find((m) => m.op === "packet")!;
        const a = pkt.attrs as O;
        expect(pkt.fixed).toMatchObject({ "res-id": 7 });
        expect(a["packet-hdr"]).toMatchObject({ "hw-protocol": 0x0800, hook: "output" });
        expect(udpOf(a["payload"])).toMatchObject({ proto: 17, dport: 40007, data: text });
        const id = a["packet-hdr"]["packet-id"] as number;
        await t.send(nfqueue.encodeRequest({ op: "verdict", fixed: { "nfgen-family": 0, "res-id": 7 }, attrs: { "verdict-hdr": { verdict, id } }, seq: 2 }));
        return (await probe).toString().trim();
      };
      expect(await verdictFor("let me through", "accept")).toBe("let me through");
      expect(await verdictFor("stop me", "drop")).toBe("timeout");
      // The kernel ACKs nothing it refused: no error came back.
      const errors = got.datagrams.flatMap((d) => splitDatagram(d).messages).filter((m) => m.header.type === NLMSG_ERROR && new DataView(m.payload.buffer, m.payload.byteOffset).getInt32(0, true) !== 0);
      expect(errors).toEqual([]);
    } finally {
      t.close();
    }
  });
});

/** The fields tshark finds in one NFLOG record (a pcap of linktype 239). */
function tsharkNflog(record: Uint8Array): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "nlw-nflog-"));
  try {
    const file = join(dir, "nflog.pcap");
    const w = new ByteWriter(64 + record.length, true);
    w.u32(0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(65535).u32(239); // pcap header, LINKTYPE_NFLOG
    w.u32(0).u32(0).u32(record.length).u32(record.length).bytes(record);
    writeFileSync(file, w.finish());
    const json = JSON.parse(runText("tshark", ["-r", file, "-T", "json", "--no-duplicate-keys"])) as { _source: { layers: Record<string, Record<string, unknown>> } }[];
    const out: Record<string, string> = {};
    const walk = (o: unknown) => {
      if (!o || typeof o !== "object") return;
      for (const [k, v] of Object.entries(o)) {
        if (typeof v === "string" && !(k in out)) out[k] = v;
        else walk(v);
      }
    };
    walk(json[0]!._source.layers);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
