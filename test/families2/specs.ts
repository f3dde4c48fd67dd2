import { readFileSync } from "node:fs";
import { Family } from "@nlwire/codec";
import { audit } from "@nlwire/codec/families/audit";
import { ipset } from "@nlwire/codec/families/ipset";
import { nfnetlinkLog } from "@nlwire/codec/families/nfnetlink-log";
import { nfnetlinkQueue } from "@nlwire/codec/families/nfnetlink-queue";
import { xfrm } from "@nlwire/codec/families/xfrm";
import { parse } from "yaml";

/** The families written in this part: their generated modules (npm run gen:families). */
const GENERATED = { xfrm, ipset, audit, "nfnetlink-log": nfnetlinkLog, "nfnetlink-queue": nfnetlinkQueue } as const;
export type ProjectFamilyName = keyof typeof GENERATED;
export const PROJECT_FAMILIES = Object.keys(GENERATED) as ProjectFamilyName[];

/** The generated family of specs/families/NAME.yaml. */
export function projectFamily(name: ProjectFamilyName): Family {
  return GENERATED[name].family;
}

/** The same spec interpreted at run time from its YAML. */
export function interpretedFamily(name: ProjectFamilyName): Family {
  const doc = parse(readFileSync(new URL(`../../specs/families/${name}.yaml`, import.meta.url), "utf8")) as Record<string, unknown>;
  return Family.fromSpec(doc);
}
