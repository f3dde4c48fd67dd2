/**
 * Debian's Chromium (package `chromium`, installed by scripts/setup.sh), never
 * a browser playwright downloads: this machine has no outside network, so the
 * flags also keep Chromium from trying to reach any.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} not found: run scripts/setup.sh (Debian package chromium)`;
}

/**
 * A new, empty Chromium profile directory, removed when this process exits
 * (or earlier, by the caller): nothing carries over from one run to the next.
 */
export function freshProfile(): string {
  const dir = mkdtempSync(join(tmpdir(), "nlwire-chromium-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
