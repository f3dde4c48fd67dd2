import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "rolldown";
import { ROOT } from "../../tools/paths.js";

/**
 * The CLI as a user runs it, built from the sources of this checkout (the
 * codec through its "source" condition, so never a stale dist/): one bundle
 * per test file, next to the addon's checkout so that it finds the addon.
 */
export interface Cli {
  bin: string;
  dir: string;
  remove(): void;
}

export async function buildCli(): Promise<Cli> {
  const dir = join(ROOT, "build-tools", `cli-test-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, "nlwire.mjs");
  await build({
    input: join(ROOT, "cli/main.ts"),
    platform: "node",
    logLevel: "silent",
    resolve: { conditionNames: ["source", "import", "node", "default"] },
    output: { file: bin, format: "esm" },
  });
  return { bin, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end; `env` adds to (or, with undefined, removes from) the environment. */
export function runCli(cli: Cli, args: readonly string[], o: { env?: Record<string, string | undefined>; input?: string } = {}): Result {
  const env = { ...process.env, ...o.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const r = spawnSync(process.execPath, [cli.bin, ...args], { encoding: "utf8", env, input: o.input ?? "", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI and leaves it running (monitor, subscribe). */
export function startCli(cli: Cli, args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [cli.bin, ...args], { stdio: ["pipe", "pipe", "pipe"] });
}

/** Parses stdout as JSON, with the CLI's stderr in the message when it is not. */
export function jsonOf<T = unknown>(r: Result): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout.slice(0, 200)}\nstderr: ${r.stderr}`);
  }
}

/** NDJSON lines of stdout. */
export function ndjsonOf<T = Record<string, unknown>>(text: string): T[] {
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as T);
}

/** A decoded message as the CLI's -j prints it. */
export interface MessageJson {
  family: string;
  op?: string;
  fixed?: Record<string, unknown>;
  attrs: Record<string, unknown>;
}

/** A running CLI whose output lines are collected as they come. */
export class Running {
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;
  #partial = "";

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      const parts = (this.#partial + s).split("\n");
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => (this.stderr += s));
    this.exited = new Promise((r) => child.on("close", (code) => r(code)));
  }

  /** Resolves once `ok` holds (checked as output comes), rejects after `ms`. */
  async until(ok: () => boolean, ms = 5000, what = "output"): Promise<void> {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGTERM, then the exit code (the CLI stops cleanly on it). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }
}

/** runCli without blocking, so that independent runs can overlap. */
export function runCliAsync(cli: Cli, args: readonly string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli.bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
