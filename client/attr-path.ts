import { AttrCursor, ByteReader, GENL_HDRLEN, NLA_F_NESTED, NLMSG_HDRLEN, decodeUtf8, isCodecError, type AttrModel, type Family } from "@nlwire/codec";
import type { AttrPathSegment } from "./errors.js";

/** Where an attribute of a request is: its path, and the set its own attributes (if a nest) belong to. */
export interface Located {
  path: AttrPathSegment[];
  innerSet: string | undefined;
}

/**
 * The attributes of a request as the family model sees it: where they start
 * (after nlmsghdr, genlmsghdr and the fixed header) and which set they are in.
 */
export function requestLayout(family: Family | undefined, request: Uint8Array): { start: number; set: string | undefined } {
  const r = new ByteReader(request);
  if (request.length < NLMSG_HDRLEN) return { start: request.length, set: undefined };
  const type = r.view.getUint16(4, r.littleEndian);
  if (!family) return { start: NLMSG_HDRLEN, set: undefined }; // unknown layout: a guess, then numbers
  const genl = family.isGenetlink;
  const info = family.lookup(genl ? (request[NLMSG_HDRLEN] ?? 0) : type, false);
  let start = NLMSG_HDRLEN + (genl ? GENL_HDRLEN : 0);
  if (info?.fixedHeader) start += family.compiler.struct(info.fixedHeader).size;
  return { start, set: info?.attributeSet };
}

/**
 * The attribute of `request` whose header starts at byte `target` (an
 * ext-ack OFFS or MISS_NEST, counted from the request's nlmsghdr), named by
 * walking the request with the family's attribute sets: nests are entered
 * by their `nested` set, indexed arrays by index. Where the model has no
 * name (unknown attribute or no family) the type number stands in, and
 * NLA_F_NESTED decides whether to look inside. A sub-message is entered in
 * the format its selector (a sibling or an ancestor's attribute) picks.
 */
export function locateAttr(family: Family | undefined, request: Uint8Array, target: number): Located | undefined {
  const { start, set } = requestLayout(family, request);
  try {
    return walk(family, new ByteReader(request), start, request.length, target, set, [], []);
  } catch (e) {
    if (isCodecError(e)) return undefined; // a request we could not walk: say nothing rather than guess
    throw e;
  }
}

function attrOf(family: Family | undefined, set: string | undefined, type: number): AttrModel | undefined {
  return set === undefined ? undefined : family?.model.attrSets[set]?.attrs.find((a) => a.value === type);
}

/** The name of attribute `type` of `set`, or the number when the model does not know it. */
export function attrName(family: Family | undefined, set: string | undefined, type: number): AttrPathSegment {
  return attrOf(family, set, type)?.name ?? type;
}

function walk(
  family: Family | undefined,
  r: ByteReader,
  start: number,
  end: number,
  target: number,
  set: string | undefined,
  path: AttrPathSegment[],
  outer: Scope[],
): Located | undefined {
  const scopes = [{ start, end, set }, ...outer];
  const c = new AttrCursor(r, start, end);
  while (c.next()) {
    const a = attrOf(family, set, c.type);
    const here = [...path, a?.name ?? c.type];
    const valueEnd = c.valueOffset + c.valueLength;
    const inner = a?.type === "nest" || a?.type === "indexed-array" ? a.nested : undefined;
    if (c.offset === target) return { path: here, innerSet: inner };
    if (target < c.valueOffset || target >= valueEnd) continue;
    if (a?.type === "indexed-array") return walkEntries(family, r, c.valueOffset, valueEnd, target, inner, here, scopes);
    if (a?.type === "nest" || (!a && c.flags & NLA_F_NESTED)) return walk(family, r, c.valueOffset, valueEnd, target, inner, here, scopes);
    if (a?.type === "sub-message" && family) {
      const f = subFormat(family, r, a, scopes);
      const fixed = f?.fixedHeader ? family.compiler.struct(f.fixedHeader).size : 0;
      if (f && target >= c.valueOffset + fixed) return walk(family, r, c.valueOffset + fixed, valueEnd, target, f.attributeSet, here, scopes);
    }
    return undefined; // inside a value that holds no attributes
  }
  return undefined;
}

/** An indexed array: entries are numbered by position, each a nest of `set`. */
function walkEntries(
  family: Family | undefined,
  r: ByteReader,
  start: number,
  end: number,
  target: number,
  set: string | undefined,
  path: AttrPathSegment[],
  scopes: Scope[],
): Located | undefined {
  const c = new AttrCursor(r, start, end);
  while (c.next()) {
    const here = [...path, c.type];
    if (c.offset === target) return { path: here, innerSet: set };
    if (target >= c.valueOffset && target < c.valueOffset + c.valueLength) {
      return walk(family, r, c.valueOffset, c.valueOffset + c.valueLength, target, set, here, scopes);
    }
  }
  return undefined;
}

/** An attribute run being walked, innermost first in a list: where a selector is looked for. */
interface Scope {
  start: number;
  end: number;
  set: string | undefined;
}

/** The format of sub-message `a`: its selector's string value, found in the nearest run that has it. */
function subFormat(family: Family, r: ByteReader, a: AttrModel, scopes: Scope[]) {
  for (const s of scopes) {
    const sel = s.set === undefined ? undefined : family.model.attrSets[s.set]?.attrs.find((x) => x.name === a.selector);
    if (!sel) continue;
    const c = new AttrCursor(r, s.start, s.end);
    while (c.next()) {
      if (c.type !== sel.value) continue;
      let end = c.valueOffset + c.valueLength;
      while (end > c.valueOffset && r.bytes[end - 1] === 0) end--;
      const value = decodeUtf8(r.bytes, c.valueOffset, end);
      return family.model.subMessages[a.subMessage ?? ""]?.formats.find((f) => f.value === value);
    }
  }
  return undefined;
}
