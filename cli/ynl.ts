import { readFileSync } from "node:fs";
import { NLM_F, Family, SpecError } from "@nlwire/codec";
import { allFamilies } from "@nlwire/codec/capture";
import { parse as parseYaml } from "yaml";
import { KernelError, type NetlinkClient } from "../client/index.js";
import { bool, num, str, noExtraArgs, type Command, type Values } from "./command.js";
import type { Context } from "./context.js";
import { AbsentFamilyError, InputError, UsageError } from "./exit.js";
import { messageJson } from "./json.js";
import { requestBody } from "./request-json.js";
import { renderTable } from "./table.js";

/** Every family nlwire has a model for, by name. */
export function knownFamilies(): Map<string, Family> {
  return new Map(allFamilies().map((f) => [f.model.name, f]));
}

/** A YNL spec file, read and interpreted at run time. */
export function familyFromSpecFile(path: string): Family {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(`cannot read the spec ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new InputError(`${path} is not YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || typeof doc !== "object") throw new InputError(`${path} is not a YNL spec (no mapping at the top)`);
  try {
    return Family.fromSpec(doc as Record<string, unknown>);
  } catch (e) {
    if (e instanceof SpecError || e instanceof TypeError) throw new InputError(`${path}: ${e.message}`);
    throw e;
  }
}

function pickFamily(v: Values): Family {
  const spec = str(v, "spec");
  if (spec !== undefined) return familyFromSpecFile(spec);
  const name = str(v, "family");
  if (name === undefined) throw new UsageError("say which family: --family NAME (see --list-families) or --spec FILE.yaml");
  const f = knownFamilies().get(name);
  if (!f) throw new UsageError(`unknown family "${name}" (nlwire ynl --list-families lists them; --spec FILE.yaml loads another)`);
  return f;
}

function listFamilies(ctx: Context, json: boolean): void {
  const fams = [...knownFamilies().values()].sort((a, b) => a.model.name.localeCompare(b.model.name));
  const rows = fams.map((f) => [f.model.name, f.model.protocol, String(f.model.ops.length), f.model.mcastGroups.map((g) => g.name).join(",")]);
  if (json) return ctx.out(JSON.stringify(fams.map((f) => ({ name: f.model.name, protocol: f.model.protocol, protonum: f.model.protonum, ops: f.model.ops.map((o) => o.name), groups: f.model.mcastGroups.map((g) => g.name) }))));
  ctx.out(...renderTable(["FAMILY", "PROTOCOL", "OPS", "GROUPS"], rows));
}

function listOps(ctx: Context, f: Family, json: boolean): void {
  const ops = f.model.ops.map((o) => ({
    name: o.name,
    modes: [o.do && "do", o.dump && "dump", o.notify && "notify", o.event && "event"].filter((x): x is string => !!x),
    ...(o.mcgrp ? { group: o.mcgrp } : {}),
  }));
  const groups = f.model.mcastGroups.map((g) => g.name);
  if (json) return ctx.out(JSON.stringify({ family: f.model.name, ops, groups }));
  ctx.out(...renderTable(["OPERATION", "MODES", "GROUP"], ops.map((o) => [o.name, o.modes.join(","), o.group ?? ""])));
  if (groups.length) ctx.out("", `multicast groups: ${groups.join(", ")}`);
}

const FLAG_OPTIONS = { create: NLM_F.CREATE, excl: NLM_F.EXCL, replace: NLM_F.REPLACE, append: NLM_F.APPEND } as const;

function requestFlags(v: Values): number {
  let flags = 0;
  for (const [name, bit] of Object.entries(FLAG_OPTIONS)) if (bool(v, name)) flags |= bit;
  return flags;
}

async function subscribe(ctx: Context, c: NetlinkClient, f: Family, group: string, seconds: number | undefined): Promise<void> {
  if (!f.isGenetlink && !f.model.mcastGroups.some((g) => g.name === group)) {
    throw new UsageError(`${f.model.name} has no multicast group "${group}" (it has: ${f.model.mcastGroups.map((g) => g.name).join(", ") || "none"})`);
  }
  const sub = await c.subscribe(f, [group]);
  ctx.warn(ctx.paint("dim", `nlwire: following ${f.model.name} ${group}${seconds === undefined ? " (ctrl-c to stop)" : ` for ${seconds} s`}`));
  const stop = (): void => sub.close();
  const timer = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000);
  process.once("SIGINT", stop).once("SIGTERM", stop);
  try {
    for await (const n of sub) {
      if (n.type === "message") ctx.out(JSON.stringify(messageJson(n.message)));
      else ctx.out(JSON.stringify(n.type === "overrun" ? { event: "overrun", error: n.error.code } : { event: "resynced", cause: n.cause }));
    }
  } finally {
    clearTimeout(timer);
    process.off("SIGINT", stop).off("SIGTERM", stop);
  }
}

/** A generic netlink family's id, resolved up front so that an absent family says so in words. */
async function ensurePresent(c: NetlinkClient, f: Family): Promise<void> {
  if (!f.isGenetlink || f.model.name === "nlctrl") return;
  try {
    await c.resolveFamily(f.model.name);
  } catch (e) {
    if (e instanceof KernelError && e.errnoName === "ENOENT") throw new AbsentFamilyError(f.model.name);
    throw e;
  }
}

async function ynl(ctx: Context, v: Values): Promise<void> {
  const json = bool(v, "json-output");
  if (bool(v, "list-families")) return listFamilies(ctx, json);
  const f = pickFamily(v);
  if (bool(v, "list-ops")) return listOps(ctx, f, json);
  const doOp = str(v, "do"), dumpOp = str(v, "dump"), group = str(v, "subscribe");
  const chosen = [doOp, dumpOp, group].filter((x) => x !== undefined);
  if (chosen.length !== 1) throw new UsageError("say what to do: one of --do OP, --dump OP, --subscribe GROUP, --list-ops");
  const request = str(v, "json") ?? str(v, "request");
  const seconds = num(v, "duration", "seconds");
  const mode = doOp !== undefined ? "do" : "dump";
  const body = group === undefined ? requestBody(f, (doOp ?? dumpOp)!, mode, request) : {};
  const c = ctx.client(f.model.protonum);
  await ensurePresent(c, f);
  if (group !== undefined) return subscribe(ctx, c, f, group, seconds);
  if (doOp !== undefined) {
    for (const m of await c.request(f, doOp, body, { flags: requestFlags(v) })) ctx.out(JSON.stringify(messageJson(m)));
    return;
  }
  const dump = c.dump(f, dumpOp!, body, { flags: requestFlags(v) });
  for await (const m of dump) ctx.out(JSON.stringify(messageJson(m)));
  if (dump.interrupted) ctx.warn("nlwire: warning: the dump was interrupted by concurrent changes (NLM_F_DUMP_INTR)");
}

export const YNL: Command = {
  words: ["ynl"],
  summary: "any family nlwire knows (or any YNL spec): list, --do, --dump, --subscribe",
  live: true,
  options: {
    family: { type: "string" }, spec: { type: "string" }, "list-families": { type: "boolean" }, "list-ops": { type: "boolean" },
    do: { type: "string" }, dump: { type: "string" }, subscribe: { type: "string" }, duration: { type: "string" },
    json: { type: "string" }, request: { type: "string" },
    // -j stays JSON output (for the lists); --json is the request, as in the kernel's ynl CLI.
    "json-output": { type: "boolean", short: "j" },
    create: { type: "boolean" }, excl: { type: "boolean" }, replace: { type: "boolean" }, append: { type: "boolean" },
  },
  help: `usage: nlwire ynl --list-families
       nlwire ynl (--family NAME | --spec FILE.yaml) --list-ops
       nlwire ynl (--family NAME | --spec FILE.yaml) (--do OP | --dump OP) [--json REQUEST]
                  [--create] [--excl] [--replace] [--append]
       nlwire ynl (--family NAME | --spec FILE.yaml) --subscribe GROUP [--duration S]

Generic access in the spirit of the kernel's tools/net/ynl CLI. The families are the
generated ones (every kernel YNL spec, plus the project's); --spec loads any YNL spec file
at run time. Generic netlink ids and groups are resolved through nlctrl.

  --json REQUEST   the request as JSON: attributes by the spec's names, fixed-header members
                   among them or as {"fixed": {...}, "attrs": {...}}; 64-bit integers may be
                   decimal strings, bytes {"hex": "..."} (also --request)
  --create --excl --replace --append   NLM_F_CREATE, _EXCL, _REPLACE, _APPEND on a do
  --duration S     with --subscribe: stop after S seconds

Every reply or notification is printed as one line of JSON (NDJSON), in the shape of -j;
-j makes the lists JSON too.

examples:
  nlwire ynl --list-families
  nlwire ynl --family netdev --list-ops
  nlwire ynl --family netdev --dump dev-get
  nlwire ynl --family rt-link --dump getlink --netns blue
  nlwire ynl --family rt-link --do newlink --create --excl \\
      --json '{"ifname": "v0", "linkinfo": {"kind": "veth"}}'
  nlwire ynl --family nlctrl --do getfamily --json '{"family-name": "netdev"}'
  nlwire ynl --spec ./my-family.yaml --dump get-things
  nlwire ynl --family rt-link --subscribe rtnlgrp-link --duration 10`,
  async run(ctx, p) {
    noExtraArgs(p);
    await ynl(ctx, p.values);
  },
};
