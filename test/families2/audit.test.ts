import { ByteWriter, NLMSG_DONE, NLMSG_ERROR, decodeError, encodeUtf8, isCodecError, splitDatagram, type DecodedMessage, type Family } from "@nlwire/codec";
import { auditFields, auditRuleFields, decodeAuditRecord, encodeAuditRecord, type AuditRecord } from "@nlwire/codec/dedicated";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openNative, type NativeTransport } from "../../transport/index.js";
import { runText } from "../../tools/exec.js";
import { collect } from "./helpers.js";
import { projectFamily } from "./specs.js";

/*
 * Audit lives in the initial namespaces only, so these tests talk to the
 * host's audit: status get and rule list read it; status set changes the
 * backlog limit and puts it back, checked against `auditctl -s`; the rule
 * test adds one "never" rule on the exit list under a key of its own (a rule
 * that can only suppress records) and removes it; the record test sends one
 * AUDIT_USER_AVC message, which the kernel also prints to its log while no
 * audit daemon runs.
 */
const NETLINK_AUDIT = 9;
const AUDIT_USER_AVC = 1107;
const audit = projectFamily("audit");
/** scripts/setup.sh unpacks auditctl there when the auditd package is not installed. */
const LOCAL_AUDITCTL = fileURLToPath(new URL("../../build-tools/auditctl", import.meta.url));
const auditctl = (args: string[]) => runText(existsSync(LOCAL_AUDITCTL) ? LOCAL_AUDITCTL : "auditctl", args);
type O = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * One request and its answer, over a bare transport. The client's request()
 * resolves at the ACK and its dump() wants an errno in NLMSG_DONE, but audit
 * answers from a kernel thread: a reply comes after the ACK, and a rule list
 * ends in a DONE with no payload. So this waits for what audit sends.
 */
class AuditSocket {
  readonly t: NativeTransport = openNative({ protocol: NETLINK_AUDIT });
  readonly got = collect(this.t);
  #seq = 100;

  async ask(f: Family, op: string, mode: "do" | "dump", body: { fixed?: O } = {}): Promise<DecodedMessage[]> {
    const seq = ++this.#seq;
    const hasReply = !!f.model.ops.find((o) => o.name === op)?.[mode]?.reply;
    await this.t.send(f.encodeRequest({ op, mode, ...body, seq, flags: mode === "dump" ? 0x301 : 0x5 }));
    const mine = () => this.got.datagrams.flatMap((d) => splitDatagram(d).messages).filter((m) => m.header.seq === seq);
    const ack = (ms: ReturnType<typeof mine>) => ms.find((m) => m.header.type === NLMSG_ERROR);
    await this.got.until(() => {
      const ms = mine();
      const a = ack(ms);
      if (a && decodeError(a.payload, a.header.flags).errno) return true;
      if (mode === "dump") return ms.some((m) => m.header.type === NLMSG_DONE);
      return !!a && (!hasReply || ms.some((m) => m.header.type >= 16 && m.header.type !== NLMSG_ERROR));
    });
    const a = ack(mine());
    const errno = a ? decodeError(a.payload, a.header.flags).errno : 0;
    if (errno) throw new Error(`${op}: errno ${errno}`);
    return mine().filter((m) => m.header.type >= 16).map((m) => f.decode(m, { strict: true }));
  }

  close(): void {
    this.t.close();
  }
}

/** `auditctl -s` as name → value. */
function auditctlStatus(): Record<string, string> {
  return Object.fromEntries(auditctl(["-s"]).trim().split("\n").map((l) => {
    const [k, ...v] = l.split(" ");
    return [k!, v.join(" ")];
  }));
}

/** The kernel's status as `auditctl -s` names and prints it. */
function asAuditctl(s: O, features: O): Record<string, string> {
  const immutable = (features["features"] >> 1) & 1;
  const locked = (features["lock"] >> 1) & 1;
  return {
    enabled: String(s["enabled"]), failure: String(["silent", "printk", "panic"].indexOf(s["failure"])), pid: String(s["pid"]),
    rate_limit: String(s["rate-limit"]), backlog_limit: String(s["backlog-limit"]), lost: String(s["lost"]), backlog: String(s["backlog"]),
    backlog_wait_time: String(s["backlog-wait-time"]), backlog_wait_time_actual: String(s["backlog-wait-time-actual"]),
    loginuid_immutable: `${immutable} ${locked ? "locked" : "unlocked"}`,
  };
}

describe("audit, live (the host's audit, read, and restored where changed)", () => {
  it("status get and get-feature agree with auditctl -s; status set changes backlog_limit and restores it exactly", async () => {
    const c = new AuditSocket();
    const get = async () => (await c.ask(audit, "get", "do"))[0]!.fixed as O;
    const features = async () => (await c.ask(audit, "get-feature", "do"))[0]!.fixed as O;
    try {
      const before = auditctlStatus();
      const status = await get();
      expect(asAuditctl(status, await features())).toEqual(before);
      const limit = status["backlog-limit"] as number;
      try {
        await c.ask(audit, "set", "do", { fixed: { mask: ["backlog-limit"], "backlog-limit": limit + 1 } });
        expect(auditctlStatus()["backlog_limit"]).toBe(String(limit + 1));
        expect((await get())["backlog-limit"]).toBe(limit + 1);
      } finally {
        await c.ask(audit, "set", "do", { fixed: { mask: ["backlog-limit"], "backlog-limit": limit } });
      }
      expect(auditctlStatus()).toEqual(before);
    } finally {
      c.close();
    }
  });

  it("a rule added by auditctl lists through the client with its fields, syscall and key; a codec del-rule removes it", async () => {
    const key = `nlwire-${process.pid}`;
    const c = new AuditSocket();
    const before = auditctl(["-l"]);
    auditctl(["-a", "never,exit", "-F", "arch=b64", "-S", "getpid", "-F", "uid=4242", "-k", key]);
    try {
      const rules = await c.ask(audit, "list-rules", "dump");
      const mine = rules.find((r) => auditRuleFields(r.fixed as O).fields.some((f) => f.value === key))!;
      const rule = mine.fixed as O;
      expect(rule["action"]).toBe("never");
      expect(rule["flags"] & 7).toBe(4); // AUDIT_FILTER_EXIT
      const { fields, syscalls } = auditRuleFields(rule);
      // What auditctl -l prints for it: -a never,exit -F arch=b64 -S getpid -F uid=4242 -F key=...
      expect(auditctl(["-l"])).toContain(`-a never,exit -F arch=b64 -S getpid -F uid=4242 -F key=${key}`);
      expect(fields).toEqual([
        { field: 11, op: "=", value: 0xc000003e }, // AUDIT_ARCH, AUDIT_ARCH_X86_64
        { field: 1, op: "=", value: 4242 }, // AUDIT_UID
        { field: 210, op: "=", value: key }, // AUDIT_FILTERKEY
      ]);
      expect(syscalls).toEqual([39]); // getpid on x86-64
      await c.ask(audit, "del-rule", "do", { fixed: rule });
      expect(auditctl(["-l"])).toBe(before);
      expect(await c.ask(audit, "list-rules", "dump")).toHaveLength(before.includes("No rules") ? 0 : rules.length - 1);
    } finally {
      if (auditctl(["-l"]).includes(key)) auditctl(["-D", "-k", key]);
      c.close();
    }
  });

  it("a listener on the readlog group receives the record of a user message, and decodes it", async () => {
    const t = openNative({ protocol: NETLINK_AUDIT, groups: 1 });
    const c = openNative({ protocol: NETLINK_AUDIT });
    try {
      const got = collect(t);
      const text = `nlwire test record ${process.pid}`;
      const w = new ByteWriter();
      const m = w.beginMessage(AUDIT_USER_AVC, 0x5, 1);
      w.bytes(encodeUtf8(`${text}\0`)); // the kernel drops the last byte, taking it for a NUL
      w.endMessage(m);
      await c.send(w.finish());
      const records = () => got.datagrams.flatMap((d) => splitDatagram(d).messages).filter((x) => x.header.type === AUDIT_USER_AVC).map((x) => decodeAuditRecord(x.header.type, x.payload));
      await got.until(() => records().some((r) => r.body.includes(text)));
      const r = records().find((x) => x.body.includes(text))!;
      const f = Object.fromEntries(r.fields);
      expect(f["pid"]).toBe(String(process.pid));
      expect(f["uid"]).toBe("0");
      expect(f["msg"]).toBe(text);
      expect(r.seconds).toBeGreaterThan(Date.now() / 1000 - 60);
      for (const x of got.datagrams.flatMap((d) => splitDatagram(d).messages)) {
        if (x.header.type >= 1100) expect(encodeAuditRecord(decodeAuditRecord(x.header.type, x.payload))).toEqual(x.payload);
      }
    } finally {
      t.close();
      c.close();
    }
  });
});

describe("audit record decoder", () => {
  it("splits fields, quoted ones included", () => {
    expect(auditFields(`pid=1 uid=0 msg='a b=c' exe="/bin/x y" res=success`)).toEqual([["pid", "1"], ["uid", "0"], ["msg", "a b=c"], ["exe", "/bin/x y"], ["res", "success"]]);
    expect(() => decodeAuditRecord(1300, encodeUtf8("audit(12"))).toThrow(expect.objectContaining({ name: "TruncatedError" }));
    expect(() => decodeAuditRecord(1300, encodeUtf8("nonsense"))).toThrow(expect.objectContaining({ name: "MalformedError", offset: 0 }));
  });

  it("records round-trip (property)", () => {
    const rec = fc.record({
      type: fc.integer({ min: 1100, max: 2999 }), seconds: fc.integer({ min: 0, max: 2 ** 40 }), millis: fc.integer({ min: 0, max: 999 }),
      serial: fc.nat(), body: fc.string({ maxLength: 60 }).filter((s) => !s.includes("\0")), nul: fc.boolean(),
    });
    fc.assert(fc.property(rec, (g) => {
      const r: AuditRecord = { type: g.type, seconds: g.seconds, millis: g.millis, serial: g.serial, body: g.body, fields: auditFields(g.body), ...(g.nul ? { nul: true as const } : {}) };
      const bytes = encodeAuditRecord(r);
      expect(decodeAuditRecord(g.type, bytes)).toEqual(r);
    }));
  });

  it("arbitrary bytes decode or throw a codec error (property)", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }), (b) => {
      try {
        decodeAuditRecord(1300, b);
      } catch (e) {
        expect(isCodecError(e)).toBe(true);
      }
    }));
  });
});
