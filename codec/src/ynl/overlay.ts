/**
 * Extends a kernel spec with a project-written overlay in the same YNL
 * format: where a kernel spec stops short (no linkinfo format for veth or
 * vxlan, say), the overlay adds definitions, attributes, attribute sets,
 * sub-message formats, operations or multicast groups. Nothing in the
 * kernel spec is replaced; an overlay entry with a name the spec already has
 * is an error, so an overlay can never silently change the kernel's view.
 */

type Obj = Record<string, unknown>;

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? (v as Obj[]) : [];
}

function addNamed(into: Obj[], extra: Obj[], what: string, key = "name"): Obj[] {
  const out = [...into];
  for (const e of extra) {
    if (out.some((x) => x[key] === e[key])) throw new Error(`overlay: ${what} ${String(e[key])} exists in the spec already`);
    out.push(e);
  }
  return out;
}

function mergeSets(base: Obj[], extra: Obj[]): Obj[] {
  const out = base.map((s) => ({ ...s }));
  for (const e of extra) {
    const s = out.find((x) => x["name"] === e["name"]);
    if (!s) out.push(e);
    else s["attributes"] = addNamed(list(s["attributes"]), list(e["attributes"]), `attribute ${String(e["name"])}.`);
  }
  return out;
}

function mergeSubMessages(base: Obj[], extra: Obj[]): Obj[] {
  const out = base.map((s) => ({ ...s }));
  for (const e of extra) {
    const s = out.find((x) => x["name"] === e["name"]);
    if (!s) out.push(e);
    else s["formats"] = addNamed(list(s["formats"]), list(e["formats"]), `format of ${String(e["name"])}:`, "value");
  }
  return out;
}

/** The spec document with the overlay's additions; neither input is modified. */
export function applyOverlay(spec: Obj, overlay: Obj): Obj {
  if (overlay["name"] !== spec["name"]) {
    throw new Error(`overlay for ${String(overlay["name"])} cannot extend ${String(spec["name"])}`);
  }
  const out: Obj = { ...spec };
  out["definitions"] = addNamed(list(spec["definitions"]), list(overlay["definitions"]), "definition");
  out["attribute-sets"] = mergeSets(list(spec["attribute-sets"]), list(overlay["attribute-sets"]));
  out["sub-messages"] = mergeSubMessages(list(spec["sub-messages"]), list(overlay["sub-messages"]));
  const ops = (spec["operations"] ?? {}) as Obj;
  const extraOps = list((overlay["operations"] as Obj | undefined)?.["list"]);
  if (extraOps.length) out["operations"] = { ...ops, list: addNamed(list(ops["list"]), extraOps, "operation") };
  const groups = (spec["mcast-groups"] ?? {}) as Obj;
  const extraGroups = list((overlay["mcast-groups"] as Obj | undefined)?.["list"]);
  if (extraGroups.length) out["mcast-groups"] = { ...groups, list: addNamed(list(groups["list"]), extraGroups, "multicast group") };
  return out;
}
