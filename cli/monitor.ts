import type { DecodedMessage } from "@nlwire/codec";
import { formatTimestamp, type Json } from "@nlwire/codec/capture";
import type { Notification, Subscription } from "../client/index.js";
import { nowNs } from "../transport/index.js";
import { bool, num, type Command } from "./command.js";
import type { Context } from "./context.js";
import { UsageError } from "./exit.js";
import { messageJson } from "./json.js";
import { KINDS } from "./show.js";

const NETLINK_ROUTE = 0;

/** The multicast groups that carry each kind's notifications (the specs' mcast-groups). */
const GROUPS: Record<string, string[]> = {
  link: ["rtnlgrp-link"],
  addr: ["rtnlgrp-ipv4-ifaddr", "rtnlgrp-ipv6-ifaddr"],
  route: ["rtnlgrp-ipv4-route", "rtnlgrp-ipv6-route"],
  neigh: ["rtnlgrp-neigh"],
  rule: ["rtnlgrp-ipv4-rule", "rtnlgrp-ipv6-rule"],
};

type Kind = (typeof KINDS)[number];

/** What a notification did, for output: the view's verdict with --resync, else what the message type says. */
function eventOf(n: Extract<Notification, { type: "message" }>): string {
  if (n.kind) return n.kind;
  return n.message.op?.startsWith("del") ? "deleted" : "new";
}

class Printer {
  readonly names = new Map<number, string>();
  constructor(private readonly ctx: Context) {}

  print(k: Kind, n: Notification): void {
    const time = formatTimestamp(nowNs());
    if (n.type === "message" && k.word === "link") this.learn(n.message, eventOf(n));
    if (this.ctx.opts.json) return this.ctx.out(JSON.stringify(this.json(time, k, n)));
    const p = this.ctx.paint;
    const stamp = p("dim", `[${time}]`);
    if (n.type === "overrun") {
      const what = "overrun: the kernel dropped notifications (ENOBUFS); what follows may miss changes";
      return this.ctx.out(`${stamp} ${k.word} ${p("yellow", what)}`);
    }
    if (n.type === "resynced") return this.ctx.out(`${stamp} ${k.word} ${p("yellow", `resynced (${n.cause}): the state was re-read; the changes it found came before this line`)}`);
    const ev = eventOf(n);
    const cells = k.row(n.message, this.names);
    const fields = k.header.map((h, i) => (cells[i] ? `${h.toLowerCase()} ${cells[i]}` : "")).filter(Boolean);
    const hue = ev === "deleted" ? "red" : ev === "new" ? "green" : "cyan";
    this.ctx.out(`${stamp} ${k.word} ${p(hue, ev)}${n.synthetic ? " (resync)" : ""} ${fields.join(" ")}`);
  }

  json(time: string, k: Kind, n: Notification): Record<string, Json> {
    const o: Record<string, Json> = { time, object: k.word };
    if (n.type === "overrun") return { ...o, event: "overrun", error: n.error.code };
    if (n.type === "resynced") return { ...o, event: "resynced", cause: n.cause };
    return { ...o, event: eventOf(n), ...(n.synthetic ? { synthetic: true } : {}), message: messageJson(n.message) };
  }

  learn(m: DecodedMessage, ev: string): void {
    const index = (m.fixed as { "ifi-index"?: number } | undefined)?.["ifi-index"];
    const name = (m.attrs as { ifname?: string }).ifname;
    if (index === undefined) return;
    if (ev === "deleted") this.names.delete(index);
    else if (name !== undefined) this.names.set(index, name);
  }
}

interface MonitorOptions {
  resync: boolean;
  initial: boolean;
  duration?: number | undefined;
  count?: number | undefined;
  rcvbuf?: number | undefined;
}

async function monitor(ctx: Context, words: string[], o: MonitorOptions): Promise<void> {
  const { resync, initial, duration, count } = o;
  const wanted = words.length === 0 || words.includes("all") ? KINDS : words.map((w) => KINDS.find((k) => k.word === w) ?? unknown(w));
  const printer = new Printer(ctx);
  if (!ctx.opts.json) {
    // Names for the DEV columns: the links as they are now; link events keep them current.
    const c = ctx.client(NETLINK_ROUTE);
    for await (const m of c.dump(KINDS[0]!.family, "getlink")) printer.learn(m, "new");
  }
  // One socket per kind: every subscriber of a socket sees all of its datagrams, decoded with its own family.
  const subs: Subscription[] = [];
  // Re-reads dump through a socket of their own, with the default buffer: on a small-buffer
  // socket in a burst the kernel may find no room for a dump's next datagram until the burst ends.
  const reader = resync || initial ? ctx.client(NETLINK_ROUTE) : undefined;
  for (const k of wanted) {
    const c = ctx.client(NETLINK_ROUTE);
    if (o.rcvbuf !== undefined) c.transport.options?.set("rcvbufForce", o.rcvbuf);
    const read = () => reader!.dump(k.family, k.op, { fixed: k.fixed(0) });
    subs.push(await c.subscribe(k.family, GROUPS[k.word]!, resync || initial ? { resync: read, initial } : {}));
  }
  let seen = 0;
  let stopping = false;
  // Closing the sockets also ends a re-read in flight (ClientClosedError), which then means nothing.
  const stop = (): void => {
    stopping = true;
    subs.forEach((s) => s.close());
    ctx.close();
  };
  const timer = duration === undefined ? undefined : setTimeout(stop, duration * 1000);
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const s of signals) process.once(s, stop);
  ctx.warn(ctx.paint("dim", `nlwire: following ${wanted.map((k) => k.word).join(", ")}${ctx.opts.netns ? ` in ${ctx.opts.netns}` : ""} (ctrl-c to stop)`));
  try {
    await Promise.all(
      subs.map(async (sub, i) => {
        try {
          for await (const n of sub) {
            printer.print(wanted[i]!, n);
            if (n.type === "message" && !n.synthetic && count !== undefined && ++seen >= count) stop();
          }
        } catch (e) {
          if (!stopping) throw e;
        }
      }),
    );
  } finally {
    clearTimeout(timer);
    for (const s of signals) process.off(s, stop);
  }
}

function unknown(w: string): never {
  throw new UsageError(`monitor follows link, addr, route, neigh, rule or all; not "${w}"`);
}

export const MONITOR: Command = {
  words: ["monitor"],
  summary: "follow link/addr/route/neigh/rule changes as they happen, like ip monitor",
  live: true,
  options: { resync: { type: "boolean" }, initial: { type: "boolean" }, duration: { type: "string" }, count: { type: "string" }, rcvbuf: { type: "string" } },
  help: `usage: nlwire monitor [link|addr|route|neigh|rule|all]... [--resync] [--initial]
                      [--duration S] [--count N] [--rcvbuf B] [--netns NAME] [-j]

Joins the rtnetlink multicast groups of the objects named (default: all) and prints each
notification with the time it arrived: as a line of text, or as NDJSON with -j. When the
kernel drops notifications because this reader fell behind (ENOBUFS), an "overrun" line
says so; nothing is ever dropped silently.

  --resync      after an overrun, re-dump the objects, print the differences from what the
                notifications had said (marked "resync"), then a "resynced" line; events
                then say new / changed / deleted from the state kept
  --initial     list the current objects first (as "new", from a dump), then follow
  --duration S  stop after S seconds (default: until interrupted)
  --count N     stop after N notifications (not counting those of --initial or --resync)
  --rcvbuf B    the sockets' receive buffer in bytes (SO_RCVBUFFORCE): small ones overrun sooner

examples:
  nlwire monitor
  nlwire monitor link addr --netns blue
  nlwire monitor route -j --resync | jq -c 'select(.event == "deleted")'`,
  async run(ctx, p) {
    await monitor(ctx, p.args, {
      resync: bool(p.values, "resync"), initial: bool(p.values, "initial"), duration: num(p.values, "duration", "seconds"),
      count: num(p.values, "count", "a count"), rcvbuf: num(p.values, "rcvbuf", "a byte count"),
    });
  },
};
