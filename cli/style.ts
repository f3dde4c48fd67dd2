/**
 * Terminal decisions: colours only where a person is looking (a TTY) and
 * never when NO_COLOR is set (https://no-color.org: any non-empty value);
 * progress bars only on a TTY stderr. Decided once, from what the process
 * was given, so the rest of the CLI just asks.
 */
export type ColorWhen = "auto" | "always" | "never";

export interface TermFacts {
  isTTY: boolean;
  env: Record<string, string | undefined>;
}

export function useColor(when: ColorWhen, out: TermFacts): boolean {
  if (when === "never") return false;
  if (out.env.NO_COLOR) return false;
  if (when === "always") return true;
  return out.isTTY && out.env.TERM !== "dumb";
}

export function useProgress(err: TermFacts): boolean {
  return err.isTTY && err.env.TERM !== "dumb";
}

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
export type Hue = keyof typeof CODES;

export type Paint = (hue: Hue, text: string) => string;

export function painter(on: boolean): Paint {
  return on ? (hue, text) => `\x1b[${CODES[hue]}m${text}\x1b[0m` : (_hue, text) => text;
}

/** The length of `s` as it shows, without colour escapes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "").length;
}
