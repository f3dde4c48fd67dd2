import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOST_LITTLE_ENDIAN, formatIPv6, inetDiagPortFilter, type DecodedMessage } from "@nlwire/codec";
import { sockDiag, type InetDiagAttrs, type InetDiagMsg, type PacketDiagAttrs, type UnixDiagAttrs, type UnixDiagMsg } from "@nlwire/codec/families/sock-diag";
import { openNetlink, type NetlinkClient } from "../../client/index.js";
import { fileNetns, inNetns } from "./netns.js";

// Sockets of every kind sock_diag reports on, opened by a helper process
// inside a throw-away namespace, as nlwire's dumps see them and as ss (an
// independent reader of the same kernel state) prints them.

const NETLINK_SOCK_DIAG = 4;
const HOLDER = new URL("./hold-sockets.py", import.meta.url).pathname;
const ALL_STATES = ["established", "syn-sent", "syn-recv", "fin-wait1", "fin-wait2", "time-wait", "close", "close-wait", "last-ack", "listen", "closing"] as const;

interface Held {
  tcp4: TcpPair;
  tcp6: TcpPair;
  /** An IPv4 client that shut down its receiving side. */
  half: { port: number; inode: number };
  udp4: { port: number; inode: number };
  udp6: { port: number; inode: number };
  unix: { path: string; listen: number; client: number; server: number; abstract: number; abstractName: string };
  netlink: { portid: number; inode: number };
  packet: { inode: number; ifindex: number };
}
interface TcpPair {
  listen: number;
  client: number;
  inodes: { listen: number; client: number; server: number };
}

const ns = fileNetns("nlw-sd");
let holder: ChildProcessWithoutNullStreams;
let held: Held;
let c: NetlinkClient;

beforeAll(async () => {
  holder = spawn("ip", ["netns", "exec", ns(), "python3", HOLDER]);
  const [line] = (await Promise.race([once(holder.stdout, "data"), once(holder, "exit").then(() => { throw new Error("the socket holder died"); })])) as [Buffer];
  held = JSON.parse(line.toString()) as Held;
  c = openNetlink({ protocol: NETLINK_SOCK_DIAG, netns: ns() });
});
afterAll(async () => {
  c?.close();
  if (holder && holder.exitCode === null) {
    holder.stdin.end();
    await once(holder, "exit");
  }
});

async function collect(it: AsyncIterable<DecodedMessage>): Promise<DecodedMessage[]> {
  const out: DecodedMessage[] = [];
  for await (const m of it) out.push(m);
  return out;
}

/** An address of struct inet_diag_sockid as ss prints it. */
function addr(family: string | number | undefined, b: Uint8Array): string {
  return family === "inet" ? [...b.subarray(0, 4)].join(".") : `[${formatIPv6(b)}]`;
}

type Inet = { fixed: InetDiagMsg; attrs: InetDiagAttrs };

/** ss prints the cookie (two host-order u32 halves, the low one first) as one hex number. */
function cookieHex(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset, 8);
  return ((BigInt(v.getUint32(4, HOST_LITTLE_ENDIAN)) << 32n) | BigInt(v.getUint32(0, HOST_LITTLE_ENDIAN))).toString(16);
}

function inetDump(family: "inet" | "inet6", states: readonly string[], ext: readonly string[] = [], bytecode?: Uint8Array) {
  const fixed = { "sdiag-family": family, "sdiag-protocol": "tcp", "idiag-ext": [...ext], "idiag-states": [...states] };
  return collect(c.dump(sockDiag, "inet-diag", { fixed, attrs: bytecode ? { bytecode } : {} })) as Promise<unknown> as Promise<Inet[]>;
}

/** The ESTAB lines of ss output (ss drops its state column when asked for a state, so filter here). */
const estab = (out: string) => out.trim().split("\n").filter((l) => l.startsWith("ESTAB"));

/** One line of `ss -tinmeOH`: its fields by name (the tcp_info ones as key:value). */
function ssTcp(line: string): Record<string, string> {
  const [state, recvq, sendq, local, peer, ...rest] = line.trim().split(/\s+/);
  const out: Record<string, string> = { state: state!, recvq: recvq!, sendq: sendq!, local: local!, peer: peer! };
  for (const w of rest) {
    const m = /^([a-z_]+)[:]?(.*)$/.exec(w);
    if (m && m[2]) out[m[1]!] = m[2].replace(/^\(|\)$/g, "");
    if (/^[<-]-[->]$/.test(w)) out["shutdown"] = w;
  }
  return out;
}

/** What ss prints for a socket, from nlwire's view of it (the fields that hold still on an idle connection). */
function asSs(m: Inet): Record<string, string> {
  const f = m.fixed;
  const id = f.id!;
  const i = m.attrs.info!;
  const sk = m.attrs.skmeminfo!;
  const ms = (us: number) => String(us / 1000);
  return {
    state: f["idiag-state"] === "established" ? "ESTAB" : String(f["idiag-state"]),
    recvq: String(f["idiag-rqueue"]), sendq: String(f["idiag-wqueue"]),
    local: `${addr(f["idiag-family"], id["idiag-src"] as Uint8Array)}:${id["idiag-sport"]}`,
    peer: `${addr(f["idiag-family"], id["idiag-dst"] as Uint8Array)}:${id["idiag-dport"]}`,
    ino: String(f["idiag-inode"]),
    sk: cookieHex(id["idiag-cookie"] as Uint8Array),
    skmem: `r${sk["rmem-alloc"]},rb${sk.rcvbuf},t${sk["wmem-alloc"]},tb${sk.sndbuf},f${sk["fwd-alloc"]},w${sk["wmem-queued"]},o${sk.optmem},bl${sk.backlog},d${sk.drops}`,
    wscale: `${i["tcpi-wscale"]! & 0xf},${i["tcpi-wscale"]! >> 4}`,
    rto: ms(i["tcpi-rto"]!), mss: String(i["tcpi-snd-mss"]), pmtu: String(i["tcpi-pmtu"]), rcvmss: String(i["tcpi-rcv-mss"]),
    advmss: String(i["tcpi-advmss"]), cwnd: String(i["tcpi-snd-cwnd"]),
    rtt: `${(i["tcpi-rtt"]! / 1000).toFixed(3).replace(/\.?0+$/, "")}/${(i["tcpi-rttvar"]! / 1000).toFixed(3).replace(/\.?0+$/, "")}`,
    cong: m.attrs.cong!,
    // ss draws the shutdown state: "<" unless receiving is shut, ">" unless sending is.
    shutdown: `${m.attrs.shutdown! & 1 ? "-" : "<"}-${m.attrs.shutdown! & 2 ? "-" : ">"}`,
    ...(m.attrs.mark ? { fwmark: `0x${m.attrs.mark.toString(16)}` } : {}),
  };
}

const pick = (o: Record<string, string>, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));
const byLocal = <T extends Record<string, string>>(xs: T[]) => [...xs].sort((a, b) => (a.local! < b.local! ? -1 : 1));

describe("inet_diag: TCP over IPv4 and IPv6", () => {
  it.each(["inet", "inet6"] as const)("established %s connections as ss -tinmeOH shows them", async (family) => {
    const ours = (await inetDump(family, ["established"], ["meminfo", "info", "vegasinfo", "cong", "skmeminfo", "shutdown"])).map(asSs);
    const lines = estab(inNetns(ns(), "ss", ["-tinmeOH", family === "inet" ? "-4" : "-6"]));
    const theirs = lines.map(ssTcp);
    // Two connected pairs for IPv4 (one half-closed, its server end not yet accepted), one for IPv6.
    expect(ours).toHaveLength(family === "inet" ? 4 : 2);
    const keys = [...new Set(ours.flatMap((o) => Object.keys(o)))].filter((k) => k !== "cong");
    // ss names the congestion control among its words; rtt and the counters must match exactly.
    for (const l of lines) expect(l).toContain(` ${ours[0]!.cong} `);
    expect(byLocal(ours).map((o) => pick(o, keys))).toEqual(byLocal(theirs).map((o) => pick(o, keys)));
  });

  it("TOS, traffic class, class id and mark, as ss --tos and -e show them", async () => {
    const ours = [...(await inetDump("inet", ["established"], ["tos", "tclass"])), ...(await inetDump("inet6", ["established"], ["tos", "tclass"]))];
    const hex = (v: number | undefined) => (v ? `0x${v.toString(16)}` : "0");
    const key = (m: Inet) => `${m.fixed.id!["idiag-sport"]}>${m.fixed.id!["idiag-dport"]}`;
    const mine = ours.map((m) => [key(m), `tos:${hex(m.attrs.tos)}`, ...(m.fixed["idiag-family"] === "inet6" ? [`tclass:${hex(m.attrs.tclass)}`] : []), `class_id:${m.attrs["class-id"] ?? 0}`].join(" "));
    const theirs = estab(inNetns(ns(), "ss", ["-tnOH", "--tos"])).map((l) => {
      const w = l.trim().split(/\s+/);
      return [`${w[3]!.split(":").pop()}>${w[4]!.split(":").pop()}`, ...w.slice(5).filter((x) => /^(tos|tclass|class_id):/.test(x))].join(" ");
    });
    expect(mine.sort()).toEqual(theirs.sort());
    expect(ours.find((m) => m.fixed["idiag-inode"] === held.tcp4.inodes.client)!.attrs).toMatchObject({ tos: 0x20, mark: 0x77 });
    expect(ours.find((m) => m.fixed["idiag-inode"] === held.tcp6.inodes.client)!.attrs.tclass).toBe(0x40);
  });

  it("bytes and segments counted by tcp_info agree with ss", async () => {
    const ours = await inetDump("inet", ["established"], ["info"]);
    const theirs = estab(inNetns(ns(), "ss", ["-tinOH", "-4"])).map(ssTcp);
    const pair = held.tcp4;
    const client = ours.find((m) => m.fixed.id!["idiag-sport"] === pair.client)!;
    const ssClient = theirs.find((t) => t.local!.endsWith(`:${pair.client}`))!;
    const i = client.attrs.info!;
    expect({ sent: String(i["tcpi-bytes-sent"]), acked: String(i["tcpi-bytes-acked"]), out: String(i["tcpi-segs-out"]), in: String(i["tcpi-segs-in"]) })
      .toEqual({ sent: ssClient["bytes_sent"], acked: ssClient["bytes_acked"], out: ssClient["segs_out"], in: ssClient["segs_in"] });
    expect(i["tcpi-bytes-sent"]).toBe(3000n);
    expect(client.fixed["idiag-inode"]).toBe(pair.inodes.client);
  });

  it("a state filter: listeners only, as ss -tlnH", async () => {
    const ours = [...(await inetDump("inet", ["listen"])), ...(await inetDump("inet6", ["listen"]))];
    expect(ours.map((m) => m.fixed["idiag-state"])).toEqual(["listen", "listen"]);
    expect(ours.map((m) => m.fixed.id!["idiag-sport"]).sort()).toEqual([held.tcp4.listen, held.tcp6.listen].sort());
    const ssPorts = inNetns(ns(), "ss", ["-tlnH"]).trim().split("\n").map((l) => Number(l.trim().split(/\s+/)[3]!.split(":").pop()));
    expect(ssPorts.sort()).toEqual([held.tcp4.listen, held.tcp6.listen].sort());
    expect(ours.map((m) => m.fixed["idiag-inode"]).sort()).toEqual([held.tcp4.inodes.listen, held.tcp6.inodes.listen].sort());
  });

  it("a port filter (INET_DIAG_REQ_BYTECODE): the sockets ss selects with sport = :PORT", async () => {
    const port = held.tcp4.listen;
    const bytecode = inetDiagPortFilter([{ test: "sport==", port }]);
    const ours = await inetDump("inet", ALL_STATES, [], bytecode);
    const ssLines = inNetns(ns(), "ss", ["-tanH", "-4", "sport", "=", `:${port}`]).trim().split("\n");
    // The listener, the accepted server end, and the half-closed client's server end (not accepted yet: no inode).
    expect(ours.map((m) => m.fixed["idiag-inode"]).sort()).toEqual([0, held.tcp4.inodes.listen, held.tcp4.inodes.server].sort());
    expect(ours.map((m) => `${m.fixed.id!["idiag-sport"]}>${m.fixed.id!["idiag-dport"]}`).sort())
      .toEqual(ssLines.map((l) => { const w = l.trim().split(/\s+/); return `${w[3]!.split(":").pop()}>${w[4]!.split(":").pop()!.replace("*", "0")}`; }).sort());
    // A range on the peer's port: only the server end, whose peer is the client.
    const range = inetDiagPortFilter([{ test: "dport>=", port: held.tcp4.client }, { test: "dport<=", port: held.tcp4.client }]);
    const server = await inetDump("inet", ALL_STATES, [], range);
    expect(server.map((m) => m.fixed["idiag-inode"])).toEqual([held.tcp4.inodes.server]);
  });

  it("UDP sockets over IPv4 and IPv6, as ss -uaenH", async () => {
    const ours: Inet[] = [];
    for (const family of ["inet", "inet6"] as const) {
      const fixed = { "sdiag-family": family, "sdiag-protocol": "udp", "idiag-states": [...ALL_STATES] } as const;
      ours.push(...((await collect(c.dump(sockDiag, "inet-diag", { fixed }))) as unknown as Inet[]));
    }
    const states: Record<string, string> = { close: "UNCONN", established: "ESTAB" };
    const mine = ours.map((m) => {
      const f = m.fixed;
      return `${states[f["idiag-state"] as string]} ${addr(f["idiag-family"], f.id!["idiag-src"] as Uint8Array)}:${f.id!["idiag-sport"]} ino:${f["idiag-inode"]}`;
    });
    const theirs = inNetns(ns(), "ss", ["-uaenH"]).trim().split("\n").map((l) => {
      const w = l.trim().split(/\s+/);
      return `${w[0]} ${w[3]} ${w.find((x) => x.startsWith("ino:"))}`;
    });
    expect(mine.sort()).toEqual(theirs.map((t) => t.replace("0.0.0.0", "0.0.0.0")).sort());
    expect(mine).toContain(`UNCONN 127.0.0.1:${held.udp4.port} ino:${held.udp4.inode}`);
    expect(mine).toContain(`ESTAB [::1]:${held.udp6.port} ino:${held.udp6.inode}`);
  });
});

describe("raw sockets", () => {
  it("are asked for with the raw protocol in the header's pad byte; this kernel (no CONFIG_INET_RAW_DIAG) has no handler", async () => {
    const fixed = { "sdiag-family": "inet" as const, "sdiag-protocol": "raw" as const, "sdiag-raw-protocol": 1, "idiag-states": [...ALL_STATES] };
    const bytes = sockDiag.request("inet-diag", "dump", { fixed }, { seq: 1 });
    expect([bytes[16], bytes[17], bytes[19]]).toEqual([2, 255, 1]); // family, IPPROTO_RAW, the raw protocol (ICMP)
    await expect(collect(c.dump(sockDiag, "inet-diag", { fixed }))).rejects.toMatchObject({ errnoName: "ENOENT" });
  });
});

describe("unix_diag", () => {
  it("every unix socket of the namespace, as ss -xaeH shows them", async () => {
    const fixed = { "sdiag-family": "unix", "udiag-states": [...ALL_STATES], "udiag-show": ["name", "vfs", "peer", "icons", "rqlen", "meminfo", "uid"] } as const;
    const ours = (await collect(c.dump(sockDiag, "unix-diag", { fixed }))) as unknown as { fixed: UnixDiagMsg; attrs: UnixDiagAttrs }[];
    const name = (b: Uint8Array | undefined) => {
      if (!b?.length) return "*";
      const text = new TextDecoder().decode(b);
      return text[0] === "\0" ? `@${text.slice(1)}` : text.replace(/\0$/, "");
    };
    const types: Record<string, string> = { stream: "u_str", dgram: "u_dgr", seqpacket: "u_seq" };
    const states: Record<string, string> = { established: "ESTAB", listen: "LISTEN", close: "UNCONN" };
    const mine = ours.map((m) => [types[m.fixed["udiag-type"] as string], states[m.fixed["udiag-state"] as string], name(m.attrs.name), String(m.fixed["udiag-ino"]), String(m.attrs.peer ?? 0)].join(" "));
    const theirs = inNetns(ns(), "ss", ["-xaeH"]).trim().split("\n").map((l) => {
      const w = l.trim().split(/\s+/);
      return [w[0], w[1], w[4], w[5], w[7]].join(" ");
    });
    expect(mine.sort()).toEqual(theirs.sort());
    const u = held.unix;
    const listener = ours.find((m) => m.fixed["udiag-ino"] === u.listen)!;
    expect(name(listener.attrs.name)).toBe(u.path);
    expect(listener.attrs.rqlen).toEqual({ "udiag-rqueue": 0, "udiag-wqueue": 4 }); // backlog of listen(4)
    expect(listener.attrs.uid).toBe(process.getuid!());
    expect(listener.attrs.vfs?.["udiag-vfs-ino"]).toBeGreaterThan(0);
    expect(ours.find((m) => m.fixed["udiag-ino"] === u.client)!.attrs.peer).toBe(u.server);
    expect(name(ours.find((m) => m.fixed["udiag-ino"] === u.abstract)!.attrs.name)).toBe(`@${u.abstractName}`);
  });

  it("one socket by inode (a do request with udiag_ino and its cookie)", async () => {
    const all = (await collect(c.dump(sockDiag, "unix-diag", { fixed: { "sdiag-family": "unix", "udiag-states": [...ALL_STATES] } }))) as unknown as { fixed: UnixDiagMsg }[];
    const server = all.find((m) => m.fixed["udiag-ino"] === held.unix.server)!;
    const fixed = { "sdiag-family": "unix", "udiag-ino": held.unix.server, "udiag-cookie": server.fixed["udiag-cookie"]!, "udiag-show": ["peer"] } as const;
    const [one, ...more] = (await c.request(sockDiag, "unix-diag", { fixed })) as unknown as { fixed: UnixDiagMsg; attrs: UnixDiagAttrs }[];
    expect(more).toEqual([]);
    expect(one!.fixed["udiag-ino"]).toBe(held.unix.server);
    expect(one!.attrs.peer).toBe(held.unix.client);
  });
});

describe("netlink_diag and packet_diag", () => {
  it("netlink sockets, as ss -A netlink -aneH", async () => {
    const fixed = { "sdiag-family": "netlink", "sdiag-protocol": 255, "ndiag-show": ["groups", "meminfo", "flags"] } as const;
    const ours = await collect(c.dump(sockDiag, "netlink-diag", { fixed }));
    // Ours and ss's own sock_diag sockets differ; every other one must be in both.
    const line = (proto: unknown, portid: unknown, groups: string) => `${String(proto)}:${String(portid)} groups=${groups}`;
    const words = (m: DecodedMessage) => {
      const f = m.fixed as { "ndiag-protocol": number; "ndiag-portid": number };
      const g = (m.attrs as { groups?: Uint8Array }).groups;
      const first = g && g.length >= 4 ? new DataView(g.buffer, g.byteOffset).getUint32(0, true) : 0;
      return { diag: f["ndiag-protocol"] === NETLINK_SOCK_DIAG && f["ndiag-portid"] !== 0, text: line(f["ndiag-protocol"], f["ndiag-portid"], `0x${first.toString(16).padStart(8, "0")}`) };
    };
    const oursText = ours.map(words).filter((w) => !w.diag).map((w) => w.text);
    const theirs = inNetns(ns(), "ss", ["-A", "netlink", "-aneH"]).trim().split("\n").map((l) => {
      const w = l.trim().split(/\s+/);
      return { diag: w[3]!.startsWith("4:") && !w[3]!.endsWith(":0"), text: `${w[3]} ${w.find((x) => x.startsWith("groups="))}` };
    }).filter((w) => !w.diag).map((w) => w.text);
    expect(oursText.sort()).toEqual(theirs.sort());
    expect(oursText).toContain(`0:${held.netlink.portid} groups=0x00000001`);
  });

  it("the packet socket, as ss -A packet -aneH", async () => {
    const fixed = { "sdiag-family": "packet", "pdiag-show": ["info", "mclist", "ring-cfg", "fanout", "meminfo"] } as const;
    const ours = await collect(c.dump(sockDiag, "packet-diag", { fixed }));
    expect(ours).toHaveLength(1);
    const m = ours[0]!;
    expect(m.fixed).toMatchObject({ "pdiag-family": "packet", "pdiag-type": "raw", "pdiag-num": 3, "pdiag-ino": held.packet.inode });
    const attrs = m.attrs as PacketDiagAttrs;
    const info = attrs.info!;
    expect(info["pdi-index"]).toBe(held.packet.ifindex);
    // The PACKET_ADD_MEMBERSHIP the holder made: promiscuous (1) on lo, once.
    expect(attrs.mclist?.map((x) => [x["pdmc-index"], x["pdmc-type"], x["pdmc-count"]])).toEqual([[held.packet.ifindex, 1, 1]]);
    const ss = inNetns(ns(), "ss", ["-A", "packet", "-aneH"]);
    // p_raw UNCONN 0 0 *:lo * ino:N sk:..  ver:0 cpy_thresh:0 flags( running )
    expect(ss).toMatch(new RegExp(`^p_raw\\s+UNCONN.*\\*:lo\\s.*ino:${held.packet.inode}\\s`));
    expect(ss).toContain(`ver:${info["pdi-version"]} cpy_thresh:${info["pdi-copy-thresh"]} flags( ${(info["pdi-flags"] as string[]).join(" ")} )`);
  });
});

describe("the destroy multicast groups", () => {
  it("announce a TCP socket as it is freed, in the inet_diag_msg layout", async () => {
    const sub = await c.subscribe(sockDiag, ["inet-tcp-destroy"]);
    try {
      // A listener that lives for a moment in the namespace, on a port of our choosing.
      const port = 20000 + (process.pid % 20000);
      inNetns(ns(), "python3", ["-c", `import socket\ns = socket.socket()\ns.bind(("127.0.0.1", ${port}))\ns.listen()\ns.close()`]);
      const timer = setTimeout(() => sub.close(), 3000);
      let seen: Inet | undefined;
      for (let r = await sub.next(); !r.done; r = await sub.next()) {
        if (r.value.type !== "message") continue;
        const m = r.value.message as unknown as Inet & { op?: string; header: { seq: number } };
        if (m.fixed.id?.["idiag-sport"] === port) {
          seen = m;
          break;
        }
      }
      clearTimeout(timer);
      expect(seen?.fixed).toMatchObject({ "idiag-family": "inet", "idiag-state": "close" });
      expect((seen as unknown as { op: string }).op).toBe("inet-diag");
    } finally {
      sub.close();
    }
  });
});

describe("SOCK_DESTROY", () => {
  // Last: it ends the IPv6 connection.
  it("closes one TCP socket named by its id and cookie; ss no longer lists it", async () => {
    const before = await inetDump("inet6", ["established"]);
    const target = before.find((m) => m.fixed.id!["idiag-sport"] === held.tcp6.client)!;
    const fixed = { "sdiag-family": "inet6", "sdiag-protocol": "tcp", "idiag-states": [...ALL_STATES], id: target.fixed.id! } as const;
    await c.request(sockDiag, "inet-destroy", { fixed });
    const after = await inetDump("inet6", ["established"]);
    expect(after.map((m) => m.fixed["idiag-inode"])).not.toContain(held.tcp6.inodes.client);
    expect(inNetns(ns(), "ss", ["-t6anH", "state", "established"])).not.toContain(`:${held.tcp6.client} `);
    // A socket that does not exist (a stale cookie) cannot be destroyed.
    await expect(c.request(sockDiag, "inet-destroy", { fixed })).rejects.toMatchObject({ errnoName: "ENOENT" });
  });

  it("closes a UDP socket too", async () => {
    const udp = (fixed: object) => collect(c.dump(sockDiag, "inet-diag", { fixed: { "sdiag-family": "inet", "sdiag-protocol": "udp", "idiag-states": [...ALL_STATES], ...fixed } })) as unknown as Promise<Inet[]>;
    const target = (await udp({})).find((m) => m.fixed["idiag-inode"] === held.udp4.inode)!;
    await c.request(sockDiag, "inet-destroy", { fixed: { "sdiag-family": "inet", "sdiag-protocol": "udp", "idiag-states": [...ALL_STATES], id: target.fixed.id! } });
    expect((await udp({})).map((m) => m.fixed["idiag-inode"])).not.toContain(held.udp4.inode);
    expect(inNetns(ns(), "ss", ["-uaenH", "-4"])).not.toContain(`ino:${held.udp4.inode} `);
  });
});
