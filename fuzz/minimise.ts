/**
 * Shrinks a failing input while it still fails the same way (same
 * signature): bytes lose chunks from the end and the middle; spec documents
 * lose keys and list entries. Bounded by a number of tries and a time budget,
 * since a saved finding only has to be small enough to read.
 */
import type { Entry } from "./entry.js";
import { check, signature, type Finding } from "./engine.js";

const MAX_TRIES = 400;
const MAX_MS = 4000;

async function sameFailure(entry: Entry, input: unknown, sig: string): Promise<Finding | undefined> {
  const r = await check(entry, input);
  return r.finding && signature(r.finding) === sig ? r.finding : undefined;
}

export async function minimise(entry: Entry, finding: Finding): Promise<Finding> {
  if (finding.kind === "slow" || finding.kind === "hang") return finding; // each try would cost the hang again
  const sig = signature(finding);
  const start = performance.now();
  let tries = 0;
  let best = finding;
  const budget = () => tries++ < MAX_TRIES && performance.now() - start < MAX_MS;
  const input = entry.fromJson(finding.input);
  if (input instanceof Uint8Array) {
    let b = input;
    for (let chunk = b.length >> 1; chunk >= 1 && budget(); chunk >>= 1) {
      for (let at = b.length - chunk; at >= 0 && budget(); at -= chunk) {
        const cand = new Uint8Array(b.length - chunk);
        cand.set(b.subarray(0, at));
        cand.set(b.subarray(at + chunk), at);
        const f = await sameFailure(entry, cand, sig);
        if (f) {
          b = cand;
          best = f;
        }
      }
    }
    return best;
  }
  if (input && typeof input === "object" && "doc" in input) {
    let doc = (input as { doc: Record<string, unknown> }).doc;
    const rest = input as Record<string, unknown>;
    for (let changed = true; changed && budget(); ) {
      changed = false;
      for (const path of paths(doc)) {
        if (!budget()) break;
        const cand = without(doc, path);
        const f = await sameFailure(entry, { ...rest, doc: cand }, sig);
        if (f) {
          doc = cand;
          best = f;
          changed = true;
          break;
        }
      }
    }
  }
  return best;
}

/** Paths to every key and list entry, shallow ones first (removing those saves the most). */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v && typeof v === "object" && prefix.length < 6) {
    const keys = Array.isArray(v) ? v.map((_x, i) => i) : Object.keys(v);
    for (const k of keys) if (prefix.length || k !== "name") out.push([...prefix, k]);
    for (const k of keys) paths((v as Record<string | number, unknown>)[k], [...prefix, k], out);
  }
  return out;
}

function without(doc: Record<string, unknown>, path: (string | number)[]): Record<string, unknown> {
  const copy = (v: unknown): Record<string | number, unknown> => (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
  const top = copy(doc);
  let node = top;
  for (let i = 0; i < path.length - 1; i++) {
    const next = copy(node[path[i]!]);
    node[path[i]!] = next;
    node = next;
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(node)) node.splice(last as number, 1);
  else delete node[last];
  return top as Record<string, unknown>;
}
