import type { ParseArgsConfig } from "node:util";
import type { Context } from "./context.js";
import { UsageError } from "./exit.js";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Parsed {
  /** The words after the command's own name(s). */
  args: string[];
  values: Values;
}

/**
 * One subcommand: its words ("link show"), its own options (the global ones
 * are added by the dispatcher), a help text with real examples, and the
 * work. `run` returns the exit code, or throws (see exit.ts).
 */
export interface Command {
  words: readonly string[];
  summary: string;
  help: string;
  options: OptionSpec;
  /** Whether it talks to the kernel (for --record and the help's wording). */
  live: boolean;
  /** The command parses its own line: `args` is every word after its name, options included. */
  raw?: boolean;
  run(ctx: Context, p: Parsed): Promise<number | void>;
}

export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  if (x === undefined || typeof x === "string") return x;
  throw new UsageError(`--${name} wants a value`);
}

export function bool(v: Values, name: string): boolean {
  return v[name] === true;
}

export function list(v: Values, name: string): string[] {
  const x = v[name];
  if (x === undefined) return [];
  return (Array.isArray(x) ? x : [x]).map(String);
}

/** A non-negative number option (seconds, counts); `what` says which in the error. */
export function num(v: Values, name: string, what = "a number"): number | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (s.trim() === "" || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} wants ${what}, got "${s}"`);
  return n;
}

export function noExtraArgs(p: Parsed, max = 0): void {
  if (p.args.length > max) throw new UsageError(`unexpected argument "${p.args[max]}"`);
}
