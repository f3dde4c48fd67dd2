import { isDeepStrictEqual } from "node:util";

/**
 * Field-by-field comparison of what an independent tool printed with what
 * the codec decoded. Every comparison is counted; a disagreement is kept
 * (never thrown at once) so that one run lists all of them.
 */

export interface Disagreement {
  /** Which object: "link v0", "route 10.0.0.0/24 table 254", ... */
  where: string;
  field: string;
  tool: unknown;
  decoded: unknown;
}

/** The number of leaf values in what the tool printed: the fields one comparison covers. */
function leaves(v: unknown): number {
  if (Array.isArray(v)) return Math.max(1, v.reduce((n: number, x) => n + leaves(x), 0));
  if (v !== null && typeof v === "object") return Math.max(1, Object.values(v).reduce((n: number, x) => n + leaves(x), 0));
  return 1;
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x instanceof Uint8Array ? `bytes(${Buffer.from(x).toString("hex")})` : x));
}

export class Checks {
  /** Values the tool printed that were compared (leaves of nested values each count). */
  fields = 0;
  /** Values both sides leave out (compared too: a value on one side only is a disagreement). */
  absent = 0;
  readonly disagreements: Disagreement[] = [];
  /** Objects matched between the tool's output and the decoded messages. */
  objects = 0;

  /** Comparisons about one object; `tool` is always the tool's value, after any conversion the test states. */
  at(where: string): Scope {
    this.objects++;
    return new Scope(this, where);
  }

  lines(): string[] {
    return this.disagreements.map((d) => `${d.where}: ${d.field}: tool ${show(d.tool)}, decoded ${show(d.decoded)}`);
  }
}

/** A decoded value without the codec's symbol-keyed wire notes (NEST_FLAGS, WIRE_NOTES, ...), which are not values. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object" && !(v instanceof Uint8Array)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

export class Scope {
  constructor(private readonly checks: Checks, readonly where: string) {}

  private record(ok: boolean, field: string, tool: unknown, decoded: unknown): void {
    if (tool === undefined) this.checks.absent++;
    else this.checks.fields += leaves(tool);
    if (!ok) this.checks.disagreements.push({ where: this.where, field, tool, decoded });
  }

  /** Strict deep equality: the test converts the tool's representation first, and says why. */
  eq(field: string, tool: unknown, decoded: unknown): void {
    this.record(isDeepStrictEqual(tool, plain(decoded)), field, tool, decoded);
  }

  /**
   * A clock that ran on between the recording and the tool's run (timeouts
   * count down, ages count up): the tool's value must lie in [decoded + lo, decoded + hi].
   */
  drift(field: string, tool: number, decoded: number | undefined, lo: number, hi: number): void {
    const ok = typeof decoded === "number" && tool >= decoded + lo && tool <= decoded + hi;
    this.record(ok, `${field} (within ${lo}..${hi})`, tool, decoded);
  }
}

/**
 * A decoded value known to be wrong, with the codec fix it waits for. Each
 * must still be seen (so a fix makes its entry fail and get removed), and no
 * disagreement may be left without one.
 */
export interface KnownBug {
  fixture: string;
  /** Matches "where: field". */
  match: RegExp;
  reason: string;
}

export function unexplained(fixture: string, c: Checks, known: readonly KnownBug[]): { unexplained: string[]; stale: string[] } {
  const mine = known.filter((k) => k.fixture === fixture);
  const seen = new Set<KnownBug>();
  const rest: string[] = [];
  c.disagreements.forEach((d, i) => {
    const k = mine.find((x) => x.match.test(`${d.where}: ${d.field}`));
    if (k) seen.add(k);
    else rest.push(c.lines()[i]!);
  });
  return { unexplained: rest, stale: mine.filter((k) => !seen.has(k)).map((k) => `${k.match}: ${k.reason}`) };
}
