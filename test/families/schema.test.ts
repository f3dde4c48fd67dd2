import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_SPEC_DIR } from "../../gen/main.js";
import { SPEC_DIR } from "../ynl/specs.js";

// The project's specs speak YNL: every key is one the kernel's schema for
// their protocol allows where it stands, except nlwire's own extensions
// (specs/README.md), and there are no prose fields. (The schemas also want a
// `doc` on the family and on each operation: nlwire writes comments instead.)

type Node = Record<string, unknown>;
const MINE = ["sock-diag", "taskstats", "rt-nexthop", "rt-netconf", "rt-nsid", "rt-addrlabel", "rt-vlan", "rt-mdb"];
/** Keys nlwire adds, by the schema object they extend (a request or reply of an operation). */
const EXTENSIONS: Record<string, readonly string[]> = { "subop-attr-list": ["fixed-header", "attribute-set", "header-match"] };

function resolveRef(schema: Node, node: Node): Node {
  const ref = node["$ref"];
  return typeof ref === "string" ? ((schema["$defs"] as Node)[ref.split("/").pop()!] as Node) : node;
}

/** Keys of `doc` (and below it) that `schema` does not allow. */
function unknownKeys(root: Node, doc: unknown, schema: Node, path: string, where = ""): string[] {
  const s = resolveRef(root, schema);
  if (Array.isArray(doc)) {
    const items = s["items"] as Node | undefined;
    if (!items) return [];
    const item = resolveRef(root, items);
    const alts = (item["oneOf"] as Node[] | undefined)?.filter((a) => a["type"] === "object") ?? [item];
    return doc.flatMap((x, i) => (x !== null && typeof x === "object" ? alts.flatMap((a) => unknownKeys(root, x, a, `${path}[${i}]`, where)) : []));
  }
  if (doc === null || typeof doc !== "object") return [];
  const props = s["properties"] as Node | undefined;
  if (!props) return [];
  const closed = s["additionalProperties"] === false;
  return Object.entries(doc as Node).flatMap(([k, v]) => {
    if (k in props) return unknownKeys(root, v, props[k] as Node, `${path}.${k}`, k === "request" || k === "reply" ? "subop-attr-list" : "");
    return closed && !EXTENSIONS[where]?.includes(k) ? [`${path}.${k}`] : [];
  });
}

describe.each(MINE)("specs/families/%s.yaml", (name) => {
  const doc = parse(readFileSync(`${PROJECT_SPEC_DIR}/${name}.yaml`, "utf8")) as Node;
  const schema = parse(readFileSync(`${SPEC_DIR}schemas/${String(doc["protocol"])}.yaml`, "utf8"), { uniqueKeys: false }) as Node; // the schemas repeat an `if`

  it("uses the YNL schema's keys and nlwire's extensions only, and no doc fields", () => {
    expect(unknownKeys(schema, doc, schema, name)).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain('"doc":');
  });
});

describe("the key check", () => {
  it("finds a key the schema does not have", () => {
    const schema = parse(readFileSync(`${SPEC_DIR}schemas/netlink-raw.yaml`, "utf8"), { uniqueKeys: false }) as Node;
    const doc = { name: "x", "attribute-sets": [{ name: "a", attributes: [{ name: "v", type: "u8", colour: "red" }] }], operations: { list: [{ name: "o", do: { request: { "header-match": {} }, extra: 1 } }] } };
    expect(unknownKeys(schema, doc, schema, "x")).toEqual(["x.attribute-sets[0].attributes[0].colour", "x.operations.list[0].do.extra"]);
  });
});
