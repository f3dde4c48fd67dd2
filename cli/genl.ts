import type { Family } from "@nlwire/codec";
import { nlctrl, type CtrlAttrs, type PolicyAttrs } from "@nlwire/codec/families/nlctrl";
import { KernelError, type NetlinkClient } from "../client/index.js";
import { noExtraArgs, type Command } from "./command.js";
import type { Context } from "./context.js";
import { UsageError } from "./exit.js";
import { valueJson } from "./json.js";
import { renderTable } from "./table.js";
import { knownFamilies } from "./ynl.js";

const NETLINK_GENERIC = 16;

/** The generic netlink command number of each op nlwire knows for `f` (requests' cmd). */
function opNames(f: Family | undefined): Map<number, string> {
  const m = new Map<number, string>();
  for (const o of f?.model.ops ?? []) {
    const cmd = o.do?.request?.value ?? o.dump?.request?.value ?? o.value;
    if (cmd !== undefined && !m.has(cmd)) m.set(cmd, o.name);
  }
  return m;
}

async function families(c: NetlinkClient): Promise<CtrlAttrs[]> {
  const out: CtrlAttrs[] = [];
  for await (const m of c.dump(nlctrl, "getfamily")) out.push(m.attrs as CtrlAttrs);
  return out;
}

async function list(ctx: Context, name: string | undefined): Promise<void> {
  const c = ctx.client(NETLINK_GENERIC);
  const known = knownFamilies();
  const fams = (await families(c)).filter((a) => name === undefined || a["family-name"] === name);
  if (name !== undefined && !fams.length) throw new UsageError(`the kernel has no generic netlink family "${name}" (nlwire genl list shows those it has)`);
  if (ctx.opts.json) return ctx.out(JSON.stringify(fams.map((a) => valueJson(a))));
  if (name !== undefined) return ctx.out(...familyDetail(fams[0]!, opNames(known.get(name))));
  const rows = fams.map((a) => [
    a["family-name"] ?? "", String(a["family-id"] ?? ""), String(a.version ?? ""), known.has(a["family-name"] ?? "") ? "yes" : "",
    String(a.ops?.length ?? 0), (a["mcast-groups"] ?? []).map((g) => g.name).join(","),
  ]);
  ctx.out(...renderTable(["FAMILY", "ID", "VERSION", "SPEC", "OPS", "GROUPS"], rows));
}

/** One family: its operations with what the kernel allows for each, and its groups with their ids. */
function familyDetail(a: CtrlAttrs, names: Map<number, string>): string[] {
  const head = `${a["family-name"]}: id ${a["family-id"]}, version ${a.version}, header ${a.hdrsize ?? 0} bytes, max attribute ${a.maxattr ?? 0}`;
  const ops = (a.ops ?? []).map((o) => [`  ${o.id}`, names.get(o.id ?? -1) ?? "", (o.flags ?? []).join(",")]);
  const groups = (a["mcast-groups"] ?? []).map((g) => [`  ${g.id}`, g.name ?? ""]);
  return [head, "", ...renderTable(["  CMD", "OPERATION", "FLAGS"], ops), ...(groups.length ? ["", ...renderTable(["  ID", "GROUP"], groups)] : [])];
}

interface PolicyDump {
  /** op cmd → { do, dump } policy index. */
  ops: Map<number, { do?: number; dump?: number }>;
  /** policy index → attribute type → the policy. */
  policies: Map<number, Map<number, PolicyAttrs>>;
}

async function policyDump(c: NetlinkClient, family: string, op: number | undefined): Promise<PolicyDump> {
  const d: PolicyDump = { ops: new Map(), policies: new Map() };
  const attrs = op === undefined ? { "family-name": family } : { "family-name": family, op };
  for await (const m of c.dump(nlctrl, "getpolicy", { attrs })) {
    const a = m.attrs as CtrlAttrs;
    for (const [id, p] of Object.entries(a["op-policy"] ?? {})) d.ops.set(Number(id), { ...d.ops.get(Number(id)), ...p });
    for (const [idx, byAttr] of Object.entries(a.policy ?? {})) {
      const set = d.policies.get(Number(idx)) ?? new Map<number, PolicyAttrs>();
      for (const [t, pol] of Object.entries(byAttr)) set.set(Number(t), pol);
      d.policies.set(Number(idx), set);
    }
  }
  return d;
}

/** Which attribute set of the spec each policy index describes, found by walking from the ops' request sets through nests. */
function policySets(f: Family | undefined, d: PolicyDump): Map<number, string> {
  const sets = new Map<number, string>();
  if (!f) return sets;
  for (const [cmd, p] of d.ops) {
    const o = f.model.ops.find((x) => (x.do?.request?.value ?? x.dump?.request?.value ?? x.value) === cmd);
    for (const mode of ["do", "dump"] as const) {
      const idx = p[mode];
      const set = o?.[mode]?.request?.attributeSet ?? o?.attributeSet;
      if (idx !== undefined && set && !sets.has(idx)) sets.set(idx, set);
    }
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [idx, set] of [...sets]) {
      for (const [t, pol] of d.policies.get(idx) ?? []) {
        const inner = pol["policy-idx"];
        const nested = f.model.attrSets[set]?.attrs.find((a) => a.value === t)?.nested;
        if (inner !== undefined && nested && !sets.has(inner)) {
          sets.set(inner, nested);
          grew = true;
        }
      }
    }
  }
  return sets;
}

/** One policy entry in words: "u32, 1..2147483647", "string, at most 15 bytes", "nested (policy 2)". */
export function describePolicy(p: PolicyAttrs): string {
  const parts = [String(p.type ?? "?")];
  const min = p["min-value-s"] ?? p["min-value-u"];
  const max = p["max-value-s"] ?? p["max-value-u"];
  if (min !== undefined || max !== undefined) parts.push(`range ${min ?? ""}..${max ?? ""}`);
  if (p["min-length"] !== undefined && p["max-length"] !== undefined) parts.push(`length ${p["min-length"]}..${p["max-length"]}`);
  else if (p["min-length"] !== undefined) parts.push(`at least ${p["min-length"]} bytes`);
  else if (p["max-length"] !== undefined) parts.push(`at most ${p["max-length"]} bytes`);
  if (p["policy-idx"] !== undefined) parts.push(`nested policy ${p["policy-idx"]} (max type ${p["policy-maxtype"] ?? "?"})`);
  if (p["bitfield32-mask"] !== undefined) parts.push(`mask 0x${p["bitfield32-mask"].toString(16)}`);
  if (p.mask !== undefined) parts.push(`mask 0x${p.mask.toString(16)}`);
  return parts.join(", ");
}

async function policy(ctx: Context, args: string[]): Promise<void> {
  const [family, opWord] = args;
  if (!family) throw new UsageError("genl policy wants a FAMILY (nlwire genl list shows them)");
  noExtraArgs({ args, values: {} }, 2);
  const f = knownFamilies().get(family);
  const names = opNames(f);
  let op: number | undefined;
  if (opWord !== undefined) {
    op = /^\d+$/.test(opWord) ? Number(opWord) : [...names].find(([, n]) => n === opWord)?.[0];
    if (op === undefined) throw new UsageError(`${family} has no operation "${opWord}" that nlwire knows; give its command number instead`);
  }
  const c = ctx.client(NETLINK_GENERIC);
  const d = await policyDump(c, family, op).catch((e: unknown) => {
    // nlctrl answers ENOENT both for a family it does not have and for an op the family lacks.
    if (e instanceof KernelError && e.errnoName === "ENOENT") {
      throw new UsageError(`the kernel has no generic netlink family "${family}"${op === undefined ? "" : ` with command ${op}`} (nlwire genl list)`);
    }
    throw e;
  });
  if (ctx.opts.json) {
    const o = Object.fromEntries([...d.ops].map(([id, p]) => [names.get(id) ?? String(id), { cmd: id, ...p }]));
    const pols = Object.fromEntries([...d.policies].map(([i, m]) => [String(i), Object.fromEntries([...m].map(([t, p]) => [String(t), valueJson(p)]))]));
    return ctx.out(JSON.stringify({ family, ops: o, policies: pols }));
  }
  const sets = policySets(f, d);
  const p = ctx.paint;
  for (const [id, pol] of [...d.ops].sort((a, b) => a[0] - b[0])) {
    const modes = (["do", "dump"] as const).filter((m) => pol[m] !== undefined).map((m) => `${m}: policy ${pol[m]}`);
    const label = names.has(id) ? `${names.get(id)} (cmd ${id})` : `cmd ${id}`;
    ctx.out(`${p("bold", label)}  ${modes.join("  ") || "no policy"}`);
  }
  for (const [idx, entries] of [...d.policies].sort((a, b) => a[0] - b[0])) {
    const set = sets.get(idx);
    ctx.out("", p("bold", `policy ${idx}${set ? ` (${set})` : ""}`));
    const attrName = (t: number) => (set ? f?.model.attrSets[set]?.attrs.find((a) => a.value === t)?.name : undefined) ?? "";
    const rows = [...entries].sort((a, b) => a[0] - b[0]).map(([t, pe]) => [`  ${t}`, attrName(t), describePolicy(pe)]);
    ctx.out(...renderTable(["  TYPE", "ATTRIBUTE", "POLICY"], rows).slice(1));
  }
}

export const GENL_LIST: Command = {
  words: ["genl", "list"],
  summary: "the generic netlink families of the live kernel, with their ops and groups",
  live: true,
  options: {},
  help: `usage: nlwire genl list [FAMILY] [--netns NAME] [-j]

Dumps nlctrl's family list: name, id, version, how many operations, the multicast groups;
SPEC says whether nlwire has the family's spec (then \`nlwire ynl --family NAME\` works).
With a FAMILY: its operations (by name where nlwire has the spec, else by command number)
with the kernel's flags for each (admin-perm, cmd-cap-do, ...) and its groups with their ids.

examples:
  nlwire genl list
  nlwire genl list netdev
  nlwire genl list -j | jq '.[]."family-name"'`,
  async run(ctx, p) {
    noExtraArgs(p, 1);
    await list(ctx, p.args[0]);
  },
};

export const GENL_POLICY: Command = {
  words: ["genl", "policy"],
  summary: "the kernel's attribute policy of a generic netlink family or operation",
  live: true,
  options: {},
  help: `usage: nlwire genl policy FAMILY [OP] [--netns NAME] [-j]

Asks nlctrl for the policies the kernel validates requests with (a policy dump): which
policy each operation's do and dump use, and for every policy the accepted type, range,
lengths and nested policy of each attribute, named from the spec where nlwire has it.

examples:
  nlwire genl policy nlctrl
  nlwire genl policy netdev dev-get
  nlwire genl policy ethtool 1 -j`,
  async run(ctx, p) {
    await policy(ctx, p.args);
  },
};
