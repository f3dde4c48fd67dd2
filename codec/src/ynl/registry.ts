import { GENL_ID_CTRL } from "../genl.js";
import type { Family } from "./family.js";

const NETLINK_GENERIC = 16;

/**
 * Which family a message belongs to: by netlink protocol and nlmsg_type for
 * netlink-raw families, and through the generic netlink id map (filled from
 * nlctrl at run time, or learned from a capture) for the others.
 */
export class FamilyRegistry {
  private readonly raw = new Map<string, Family>();
  private readonly byName = new Map<string, Family>();
  private readonly genlIds = new Map<number, string>([[GENL_ID_CTRL, "nlctrl"]]);

  constructor(families: Iterable<Family> = []) {
    for (const f of families) this.add(f);
  }

  add(f: Family): this {
    this.byName.set(f.model.name, f);
    if (f.isGenetlink) return this;
    for (const op of f.model.ops) {
      for (const m of [op.do?.request, op.do?.reply, op.dump?.request, op.dump?.reply, op.event]) {
        if (m) this.claim(f, m.value);
      }
      if (op.notify) this.claim(f, op.notify.value);
    }
    return this;
  }

  private claim(f: Family, type: number): void {
    const k = `${f.model.protonum}/${type}`;
    if (!this.raw.has(k)) this.raw.set(k, f);
  }

  /** Records that generic netlink family `name` has id `id` (from nlctrl). */
  learnGenl(id: number, name: string): this {
    this.genlIds.set(id, name);
    return this;
  }

  genlName(id: number): string | undefined {
    return this.genlIds.get(id);
  }

  family(name: string): Family | undefined {
    return this.byName.get(name);
  }

  /** The family of a message of `protocol` with this nlmsg_type, if known. */
  forMessage(protocol: number, type: number): Family | undefined {
    if (protocol === NETLINK_GENERIC) {
      const name = this.genlIds.get(type);
      return name === undefined ? undefined : this.byName.get(name);
    }
    return this.raw.get(`${protocol}/${type}`);
  }
}
