import { spawn } from "node:child_process";
import { isCodecError, splitDatagram } from "@nlwire/codec";
import {
  CN_IDX_PROC, CN_NLMSG_TYPE, NETLINK_CONNECTOR, PROC_CN_MCAST_IGNORE, PROC_EVENT, decodeCnMsg, decodeConnector,
  decodeProcEvent, encodeCnMsg, encodeProcEvent, procListenRequest, type ProcEvent, type ProcEventKind,
} from "@nlwire/codec/dedicated";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openNative } from "../../transport/index.js";
import { collect } from "./helpers.js";

/** Every process event in the datagrams, in order. */
function procEvents(ds: Uint8Array[]): ProcEvent[] {
  return ds.flatMap((d) => splitDatagram(d).messages.filter((m) => m.header.type === CN_NLMSG_TYPE).flatMap((m) => decodeConnector(m.payload).proc ?? []));
}

/** Runs `argv`, returns its pid, exit code and stdout once it has exited. */
function runChild(argv: string[]): Promise<{ pid: number; code: number; stdout: string }> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ pid: child.pid!, code: code ?? -1, stdout }));
  });
}

describe("connector process events, live", () => {
  // Process events exist only in the initial namespaces; listening changes nothing on the host.
  it("sees a child's fork, gid, uid, exec, comm and exit, matching what the child read from /proc/self/stat", async () => {
    const t = openNative({ protocol: NETLINK_CONNECTOR, groups: 1 << (CN_IDX_PROC - 1) });
    try {
      const got = collect(t);
      await t.send(procListenRequest(undefined, 1, t.portId));
      // The child reads its own stat (a shell builtin, so /proc/self is the shell), renames itself, exits 7.
      const script = 'read -r stat < /proc/self/stat; echo "$stat"; printf nlwcomm > /proc/self/comm; exit 7';
      const child = await runChild(["setpriv", "--regid", "65534", "--reuid", "65534", "--clear-groups", "sh", "-c", script]);
      const pid = child.pid;
      const mine = (e: ProcEvent) => e.fields["pid"] === pid || e.fields["childPid"] === pid;
      const events = procEvents(await got.until((ds) => procEvents(ds).some((e) => e.kind === "exit" && e.fields["pid"] === pid)));
      await t.send(procListenRequest(PROC_CN_MCAST_IGNORE, 2, t.portId));

      // "PID (COMM) STATE PPID ..." as the shell saw it, after setpriv exec'd it.
      const stat = /^(\d+) \((.*)\) \S (\d+)/.exec(child.stdout)!;
      expect(Number(stat[1])).toBe(pid);
      expect(Number(stat[3])).toBe(process.pid);
      expect(child.code).toBe(7);

      const kinds = events.filter(mine).map((e) => e.kind);
      const order = (k: ProcEventKind) => kinds.indexOf(k);
      for (const k of ["fork", "gid", "uid", "exec", "comm", "exit"] as const) expect(kinds, k).toContain(k);
      expect(order("fork")).toBeLessThan(order("exec"));
      expect(kinds.lastIndexOf("exec")).toBeLessThan(order("comm"));
      expect(kinds.at(-1)).toBe("exit");

      const of = (k: ProcEventKind) => events.find((e) => mine(e) && e.kind === k)!;
      expect(of("fork").fields).toMatchObject({ parentTgid: process.pid, childPid: pid, childTgid: pid });
      expect(of("gid").fields).toMatchObject({ pid, tgid: pid, rgid: 65534, egid: 65534 });
      expect(of("uid").fields).toMatchObject({ pid, tgid: pid, ruid: 65534, euid: 65534 });
      expect(of("exec").fields).toEqual({ pid, tgid: pid });
      expect(of("comm").comm).toBe("nlwcomm");
      // exit_code is the wait status: the code in the high byte; the parent is this process.
      expect(of("exit").fields).toMatchObject({ pid, tgid: pid, exitCode: 7 << 8, exitSignal: 17 /* SIGCHLD */, parentPid: process.pid });
      // Timestamps never go back.
      const ts = events.filter(mine).map((e) => e.timestampNs);
      expect([...ts].sort((a, b) => (a < b ? -1 : 1))).toEqual(ts);
      // Every message re-encodes to the bytes the kernel sent.
      for (const d of got.datagrams) {
        for (const m of splitDatagram(d).messages) {
          const { cn, proc } = decodeConnector(m.payload);
          const back = proc ? encodeCnMsg({ ...cn, data: encodeProcEvent(proc) }) : encodeCnMsg(cn);
          expect(back).toEqual(m.payload);
        }
      }
    } finally {
      t.close();
    }
  });
});

describe("connector decoder: errors and round trips", () => {
  it("a short or inconsistent cn_msg is a typed error with its offset", () => {
    expect(() => decodeCnMsg(new Uint8Array(10))).toThrow(expect.objectContaining({ name: "TruncatedError", offset: 0 }));
    const cn = encodeCnMsg({ idx: 1, val: 1, seq: 0, ack: 0, flags: 0, data: new Uint8Array(8) });
    expect(() => decodeCnMsg(cn.subarray(0, 24))).toThrow(expect.objectContaining({ name: "TruncatedError", offset: 20 }));
    const longer = new Uint8Array(cn.length + 4);
    longer.set(cn);
    expect(() => decodeCnMsg(longer)).toThrow(expect.objectContaining({ name: "MalformedError", offset: 16 }));
    const exit = new Uint8Array(30);
    new DataView(exit.buffer).setUint32(0, PROC_EVENT.exit, true);
    expect(() => decodeProcEvent(exit, true)).toThrow(expect.objectContaining({ name: "TruncatedError", offset: 16 }));
  });

  const kinds = Object.keys(PROC_EVENT) as ProcEventKind[];
  const event = fc.record({
    kind: fc.constantFrom(...kinds),
    cpu: fc.nat({ max: 0xffffffff }),
    timestampNs: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    ints: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 6, maxLength: 6 }),
    comm: fc.stringMatching(/^[a-z0-9-]{0,15}$/),
    raw: fc.uint8Array({ maxLength: 16 }),
  });

  it("process events round-trip, in both byte orders (property)", () => {
    fc.assert(fc.property(event, fc.boolean(), (g, le) => {
      const first = decodeProcEvent(encodeProcEvent({ kind: g.kind, what: PROC_EVENT[g.kind], cpu: g.cpu, timestampNs: g.timestampNs, fields: {}, ...(g.kind === "comm" ? { comm: g.comm } : {}), raw: g.raw }, le), le);
      // Fill the kind's fields (unsigned ones as u32) and check that they come back.
      const fields = Object.fromEntries(Object.keys(first.fields).map((k, i) => [k, ["err", "ruid", "euid", "rgid", "egid", "exitCode", "exitSignal"].includes(k) ? g.ints[i]! >>> 0 : g.ints[i]!]));
      const e: ProcEvent = { ...first, fields };
      const bytes = encodeProcEvent(e, le);
      const back = decodeProcEvent(bytes, le);
      expect(back).toEqual(e);
      expect(encodeProcEvent(back, le)).toEqual(bytes);
      const cn = encodeCnMsg({ idx: CN_IDX_PROC, val: 1, seq: 3, ack: 4, flags: 0, data: bytes }, le);
      if (le) expect(decodeConnector(cn).proc).toEqual(e);
    }));
  });

  it("arbitrary bytes decode or throw a codec error (property)", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      try {
        decodeConnector(b);
      } catch (e) {
        expect(isCodecError(e)).toBe(true);
      }
    }));
  });
});
