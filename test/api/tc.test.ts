import { describe, expect, test } from "vitest";
import { NetlinkOperationError, type Qdisc } from "../../api/index.js";
import { byKey, tcJ, tcText, withHandle } from "./helpers.js";
import { ifindexes } from "./ip-json.js";

type TcQdiscJson = { kind: string; handle: string; dev: string; root?: true; parent?: string; options?: Record<string, number> };

/** tc -j qdisc show, as the API's Qdisc (kind, handle, parent, link) plus the options tc prints. */
function tcQdiscs(ns: string): { q: Partial<Qdisc>; options: Record<string, number> | undefined }[] {
  const idx = ifindexes(ns);
  return tcJ<TcQdiscJson[]>(ns, "qdisc show").map((j) => ({
    q: { ifindex: idx.get(j.dev)!, kind: j.kind, handle: j.handle, parent: j.root ? "root" : j.parent === "ffff:fff1" ? "ingress" : j.parent! },
    options: j.options,
  }));
}

/** What tc prints of a qdisc's options, from the API's (the kernel's) fields. */
function tcView(q: Qdisc): Record<string, number> | undefined {
  const o = q.options as Record<string, any> | undefined;
  if (q.kind === "pfifo" || q.kind === "bfifo") return { limit: o!.limit };
  if (q.kind === "tbf") {
    const rate = o!.parms.rate.rate as number;
    // The kernel keeps the burst as transmit time in 64 ns ticks.
    return { rate, burst: Math.round((o!.parms.buffer * 64 * rate) / 1e9), limit: o!.parms.limit };
  }
  return undefined;
}

const sortQ = <T extends { q: Partial<Qdisc> }>(xs: T[]) => byKey(xs, (x) => `${x.q.ifindex} ${x.q.parent} ${x.q.handle}`);

/** tc class show (tc 6.1 prints htb classes as text only): handle, parent, prio and rate in bytes/s. */
function tcClasses(ns: string, dev: string): { handle: string; parent: string; prio?: number; rate: number }[] {
  const unit: Record<string, number> = { bit: 1, Kbit: 1e3, Mbit: 1e6, Gbit: 1e9 };
  return tcText(ns, `class show dev ${dev}`).trim().split("\n").filter(Boolean).map((line) => {
    // tc prints a prio for leaf classes only.
    const m = /^class htb (\S+) (?:root|parent (\S+)) (?:.*?prio (\d+) )?rate (\d+)(\w+)/.exec(line);
    if (!m) throw new Error(`unexpected tc line: ${line}`);
    const rate = (Number(m[4]) * unit[m[5]!]!) / 8;
    return m[3] === undefined ? { handle: m[1]!, parent: m[2] ?? "root", rate } : { handle: m[1]!, parent: m[2] ?? "root", prio: Number(m[3]), rate };
  });
}

describe("traffic control", () => {
  test("qdiscs of the kinds this kernel has: add, list as tc -j shows them, replace, delete", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" } });
      await h.links.add({ name: "w0", kind: "veth", peer: { name: "w1" } });
      await h.tc.addQdisc({ dev: "v0", kind: "tbf", handle: "1:", rate: 125000, burst: 32768, limit: 10000 });
      await h.tc.addQdisc({ dev: "v1", kind: "pfifo", handle: "2:", limit: 77 });
      await h.tc.addQdisc({ dev: "w0", kind: "bfifo", handle: "3:", limit: 30000 });
      await h.tc.addQdisc({ dev: "w1", kind: "htb", handle: "4:", defaultClass: 0x10 });
      await h.tc.addQdisc({ dev: "v0", kind: "ingress" });
      await h.tc.addQdisc({ dev: "w0", kind: "clsact" });

      const ours = (await h.tc.qdiscs()).map((q) => ({ q: { ifindex: q.ifindex, kind: q.kind, handle: q.handle, parent: q.parent }, options: tcView(q) }));
      const theirs = tcQdiscs(ns).map(({ q, options }) => ({ q, options: q.kind === "pfifo" || q.kind === "bfifo" || q.kind === "tbf" ? options : undefined }));
      expect(sortQ(ours)).toEqual(sortQ(theirs));
      expect(tcJ(ns, "qdisc show dev w1")[0]).toMatchObject({ kind: "htb", options: { default: "0x10" } });
      expect((await h.tc.qdiscs({ dev: "v1" })).map((q) => q.kind)).toEqual(["pfifo"]);

      await h.tc.replaceQdisc({ dev: "v1", kind: "pfifo", handle: "2:", limit: 500 });
      expect(tcJ(ns, "qdisc show dev v1")[0]).toMatchObject({ kind: "pfifo", options: { limit: 500 } });
      await h.tc.deleteQdisc({ dev: "v0", parent: "ingress" });
      await h.tc.deleteQdisc({ dev: "v0", parent: "root" });
      expect(tcJ<TcQdiscJson[]>(ns, "qdisc show dev v0").map((q) => q.kind)).not.toEqual(expect.arrayContaining(["tbf"]));
      expect(tcJ<TcQdiscJson[]>(ns, "qdisc show dev v0").map((q) => q.kind)).not.toEqual(expect.arrayContaining(["ingress"]));
      // A kind this kernel lacks: its own error, named.
      const e = (await h.tc.addQdisc({ dev: "v0", kind: "fq_codel" }).catch((x: unknown) => x)) as NetlinkOperationError;
      expect(e).toBeInstanceOf(NetlinkOperationError);
      expect(e.errnoName).toBe("ENOENT");
      expect(e.message).toBe("add qdisc fq_codel on v0: ENOENT (No such file or directory): Specified qdisc kind is unknown");
    });
  });

  test("htb classes: add, list as tc shows them, replace, delete", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" } });
      await h.tc.addQdisc({ dev: "v0", kind: "htb", handle: "1:", defaultClass: 0x10 });
      await h.tc.addClass({ dev: "v0", kind: "htb", parent: "1:", classid: "1:10", rate: 125000, ceil: 250000, prio: 3 });
      await h.tc.addClass({ dev: "v0", kind: "htb", parent: "1:10", classid: "1:20", rate: 62500, prio: 2 });
      const view = (await h.tc.classes("v0")).map((c) => {
        const parms = (c.options as { parms: { rate: { rate: number }; prio: number; level: number } }).parms;
        const base = { handle: c.handle, parent: c.parent, rate: parms.rate.rate };
        return parms.level === 0 ? { ...base, prio: parms.prio } : base;
      });
      expect(byKey(view, (c) => c.handle)).toEqual(byKey(tcClasses(ns, "v0"), (c) => c.handle));
      expect(view).toHaveLength(2);
      await h.tc.replaceClass({ dev: "v0", kind: "htb", parent: "1:10", classid: "1:20", rate: 125000 });
      expect(tcClasses(ns, "v0").find((c) => c.handle === "1:20")).toMatchObject({ rate: 125000 });
      await h.tc.deleteClass({ dev: "v0", parent: "1:10", classid: "1:20" });
      expect(tcClasses(ns, "v0").map((c) => c.handle)).toEqual(["1:10"]);
    });
  });
});
