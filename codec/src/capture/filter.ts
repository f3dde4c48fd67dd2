import type { CaptureEntry, Direction } from "./decode.js";
import { protocolNumber } from "./families.js";
import { CONTROL_TYPE_NAMES } from "../header.js";

/**
 * Which messages to keep. Each field is a list of alternatives (any of them
 * matches); fields combine with AND. An empty filter keeps everything.
 */
export interface CaptureFilter {
  /** Netlink protocol numbers. */
  protocol?: number[];
  /** Family names ("rt-link", "nlctrl", ...). */
  family?: string[];
  /** Operation names ("getlink"), control message names ("ERROR") or nlmsg_type numbers. */
  type?: string[];
  direction?: Direction;
  /** Sequence numbers, as inclusive ranges. */
  seq?: [number, number][];
}

export class FilterError extends Error {
  override readonly name = "FilterError";
}

export function matches(e: CaptureEntry, f: CaptureFilter): boolean {
  if (f.protocol && (e.protocol === undefined || !f.protocol.includes(e.protocol))) return false;
  if (f.family && !f.family.includes(e.family ?? "")) return false;
  if (f.direction && e.direction !== f.direction) return false;
  const h = e.header;
  if (f.seq && (!h || !f.seq.some(([lo, hi]) => h.seq >= lo && h.seq <= hi))) return false;
  if (f.type) {
    if (!h) return false;
    const names = [String(h.type), e.message?.op, CONTROL_TYPE_NAMES[h.type]].filter((x): x is string => !!x);
    if (!f.type.some((t) => names.some((n) => n.toLowerCase() === t.toLowerCase()))) return false;
  }
  return true;
}

/** Builds a filter from command-line style text: lists are comma-separated, seq takes N or N-M. */
export function parseFilter(o: { protocol?: string; family?: string; type?: string; direction?: string; seq?: string }): CaptureFilter {
  const f: CaptureFilter = {};
  const list = (s: string): string[] => s.split(",").map((x) => x.trim()).filter(Boolean);
  if (o.protocol) {
    f.protocol = list(o.protocol).map((p) => {
      const n = protocolNumber(p);
      if (n === undefined) throw new FilterError(`unknown netlink protocol ${JSON.stringify(p)}`);
      return n;
    });
  }
  if (o.family) f.family = list(o.family);
  if (o.type) f.type = list(o.type);
  if (o.direction) {
    const d = { "to-kernel": "to-kernel", out: "to-kernel", request: "to-kernel", "from-kernel": "from-kernel", in: "from-kernel", reply: "from-kernel" }[o.direction];
    if (!d) throw new FilterError(`direction is to-kernel (out) or from-kernel (in), not ${JSON.stringify(o.direction)}`);
    f.direction = d as Direction;
  }
  if (o.seq) {
    f.seq = list(o.seq).map((s) => {
      const m = /^(\d+)(?:-(\d+))?$/.exec(s);
      if (!m) throw new FilterError(`seq wants N or N-M, not ${JSON.stringify(s)}`);
      return [Number(m[1]), Number(m[2] ?? m[1])];
    });
  }
  return f;
}
