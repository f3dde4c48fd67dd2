import { NLA_HDRLEN, align4, padLength } from "./align.js";
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK } from "./attr-consts.js";
import { MalformedError, type AttrPath } from "./errors.js";
import type { ByteReader } from "./reader.js";
import type { ByteWriter } from "./writer.js";

export { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK };

const NO_PATH: AttrPath = Object.freeze([]);

/**
 * A cursor over a run of attributes in [start, end): it allocates nothing per
 * attribute, which keeps large dumps cheap. After `next()` returns true the
 * fields describe the current attribute; after it returns false, `trailing`
 * counts the bytes left over that were too few to hold an attribute header.
 *
 *   const c = new AttrCursor(r, start, end, path);
 *   while (c.next()) use(c.type, c.valueOffset, c.valueLength);
 */
export class AttrCursor {
  /** Attribute type with NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off. */
  type = 0;
  /** The NLA_F_* bits that were set on the type. */
  flags = 0;
  /** Offset of the attribute header. */
  offset = 0;
  valueOffset = 0;
  valueLength = 0;
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly reader: ByteReader,
    start: number,
    end: number,
    private readonly path: AttrPath = NO_PATH,
  ) {
    reader.need(start, end - start, "attributes", path);
    this.pos = start;
    this.end = end;
  }

  next(): boolean {
    const pos = this.pos;
    if (this.end - pos < NLA_HDRLEN) return false;
    const r = this.reader;
    const len = r.view.getUint16(pos, r.littleEndian);
    const rawType = r.view.getUint16(pos + 2, r.littleEndian);
    if (len < NLA_HDRLEN || len > this.end - pos) {
      const type = rawType & NLA_TYPE_MASK;
      throw new MalformedError(
        `attribute length ${len} outside ${NLA_HDRLEN}..${this.end - pos}`,
        pos,
        [...this.path, type],
      );
    }
    this.offset = pos;
    this.type = rawType & NLA_TYPE_MASK;
    this.flags = rawType & ~NLA_TYPE_MASK;
    this.valueOffset = pos + NLA_HDRLEN;
    this.valueLength = len - NLA_HDRLEN;
    this.pos = Math.min(pos + align4(len), this.end);
    return true;
  }

  get nested(): boolean {
    return (this.flags & NLA_F_NESTED) !== 0;
  }
  get netByteOrder(): boolean {
    return (this.flags & NLA_F_NET_BYTEORDER) !== 0;
  }
  /** Bytes at the end of the run too short for an attribute header. */
  get trailing(): number {
    return this.end - this.pos;
  }
  /** Where the cursor stands: the next attribute, or the trailing bytes. */
  get position(): number {
    return this.pos;
  }
}

/**
 * A schema-less attribute tree. Without a family definition the codec can
 * only tell a nest by NLA_F_NESTED (or a caller's hint), so everything else
 * is kept as bytes. Padding that is not the canonical zeros is kept too, so
 * encoding a decoded tree reproduces the input exactly.
 */
export interface AttrNode {
  type: number;
  /** NLA_F_NESTED / NLA_F_NET_BYTEORDER as found on the wire. */
  flags: number;
  /** The value bytes (for a leaf). */
  value?: Uint8Array;
  /** The children (for a nest). */
  children?: AttrNode[];
  /** Bytes after the last child that hold no attribute. */
  trailing?: Uint8Array;
  /** Padding after the value, when it is not `align4(len) - len` zero bytes. */
  pad?: Uint8Array;
}

export interface AttrTree {
  attrs: AttrNode[];
  trailing?: Uint8Array;
}

export type NestHint = (path: readonly number[], type: number, flags: number) => boolean;

const byFlag: NestHint = (_p, _t, flags) => (flags & NLA_F_NESTED) !== 0;

/** Deeper nests are malformed: far beyond any family, far below the JS stack limit. */
const MAX_NEST_DEPTH = 256;
function checkDepth(path: readonly number[], offset: number): void {
  if (path.length >= MAX_NEST_DEPTH) throw new MalformedError(`attributes nested deeper than ${MAX_NEST_DEPTH}`, offset, path);
}

/** Decodes [start, end) into a tree; nests are followed where `isNest` says. */
export function decodeAttrTree(
  r: ByteReader,
  start: number,
  end: number,
  isNest: NestHint = byFlag,
  path: number[] = [],
): AttrTree {
  const attrs: AttrNode[] = [];
  const c = new AttrCursor(r, start, end, path);
  while (c.next()) {
    const node: AttrNode = { type: c.type, flags: c.flags };
    const valueEnd = c.valueOffset + c.valueLength;
    if (isNest(path, c.type, c.flags)) {
      checkDepth(path, c.offset);
      path.push(c.type);
      const inner = decodeAttrTree(r, c.valueOffset, valueEnd, isNest, path);
      path.pop();
      node.children = inner.attrs;
      if (inner.trailing) node.trailing = inner.trailing;
    } else {
      node.value = r.copy(c.valueOffset, c.valueLength);
    }
    const pad = r.bytes.subarray(valueEnd, c.position);
    if (pad.length !== padLength(c.valueLength) || pad.some((b) => b !== 0)) {
      node.pad = pad.slice();
    }
    attrs.push(node);
  }
  const tree: AttrTree = { attrs };
  if (c.trailing > 0) tree.trailing = r.copy(c.position, c.trailing);
  return tree;
}

/** Writes a tree as decodeAttrTree found it (or as built by hand). */
export function encodeAttrTree(w: ByteWriter, tree: AttrTree | readonly AttrNode[]): void {
  const attrs = "attrs" in tree ? tree.attrs : tree;
  for (const node of attrs) {
    const at = w.beginAttr(node.type | node.flags);
    if (node.children) {
      encodeAttrTree(w, node.children);
      if (node.trailing) w.bytes(node.trailing);
    } else if (node.value) {
      w.bytes(node.value);
    }
    w.patchU16(at, w.pos - at);
    if (node.pad) w.bytes(node.pad);
    else w.align();
  }
  if ("attrs" in tree && tree.trailing) w.bytes(tree.trailing);
}

/**
 * The path of attribute types leading to the attribute whose header starts at
 * `target` (an ext-ack OFFS, made relative to `r`), or undefined when no
 * attribute starts there. Nests are entered where `isNest` says.
 */
export function attrPathAt(
  r: ByteReader,
  start: number,
  end: number,
  target: number,
  isNest: NestHint = byFlag,
  path: number[] = [],
): number[] | undefined {
  const c = new AttrCursor(r, start, end, path);
  while (c.next()) {
    if (c.offset === target) return [...path, c.type];
    const valueEnd = c.valueOffset + c.valueLength;
    if (target >= c.valueOffset && target < valueEnd && isNest(path, c.type, c.flags)) {
      checkDepth(path, c.offset);
      return attrPathAt(r, c.valueOffset, valueEnd, target, isNest, [...path, c.type]);
    }
  }
  return undefined;
}
