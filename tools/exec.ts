import { spawn, spawnSync, type SpawnOptions, type SpawnSyncOptions } from "node:child_process";
import { onInterrupt } from "./signals.js";

/**
 * Runs a command without a shell and throws when it fails, with the end of
 * its stderr in the message: a fixture or benchmark built on a step that
 * failed is worse than none. For quick commands; long ones use runAsync so
 * that signals get handled while they work.
 */
export function run(cmd: string, args: readonly string[], opts: SpawnSyncOptions = {}): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 30, ...opts });
  const stdout = Buffer.isBuffer(r.stdout) ? r.stdout : Buffer.alloc(0);
  const stderr = Buffer.isBuffer(r.stderr) ? r.stderr.toString() : "";
  check(cmd, args, r.status, r.signal, r.error, stderr);
  return stdout;
}

/** `run` for commands whose output is text; `input`, when given, goes to stdin. */
export function runText(cmd: string, args: readonly string[], input?: string): string {
  return run(cmd, args, { input }).toString();
}

export interface AsyncOptions extends SpawnOptions {
  /** Written to the child's stdin, which is then closed. */
  input?: string;
}

/**
 * The asynchronous run: while the child works the event loop turns, so a
 * SIGINT/SIGTERM is handled at once, and the child is killed by it.
 */
export function runAsync(cmd: string, args: readonly string[], opts: AsyncOptions = {}): Promise<Buffer> {
  const { input, ...spawnOpts } = opts;
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], ...spawnOpts });
  const unregister = onInterrupt(() => child.kill("SIGTERM"));
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on("data", (b: Buffer) => out.push(b));
  child.stderr?.on("data", (b: Buffer) => err.push(b));
  // EPIPE when the child dies early: its exit status says more.
  child.stdin?.on("error", () => {});
  child.stdin?.end(input);
  return new Promise((resolve, reject) => {
    child.on("error", (e) => {
      unregister();
      reject(new Error(`${describe(cmd, args)}: ${e.message}`));
    });
    child.on("close", (status, signal) => {
      unregister();
      try {
        check(cmd, args, status, signal, undefined, Buffer.concat(err).toString());
        resolve(Buffer.concat(out));
      } catch (e) {
        reject(e);
      }
    });
  });
}

function check(
  cmd: string,
  args: readonly string[],
  status: number | null,
  signal: NodeJS.Signals | null,
  error: Error | undefined,
  stderr: string,
): void {
  // A signal says more than the EPIPE it may cause while stdin is written.
  if (signal) throw new Error(`${describe(cmd, args)}: killed by ${signal}`);
  if (error) throw new Error(`${describe(cmd, args)}: ${error.message}`);
  if (status !== 0) {
    const tail = stderr.trim().split("\n").slice(-5).join("\n");
    throw new Error(`${describe(cmd, args)}: exit status ${status}${tail ? `\n${tail}` : ""}`);
  }
}

/** Request hex can be long; error messages only need to say which command. */
function describe(cmd: string, args: readonly string[], max = 120): string {
  const s = [cmd, ...args].join(" ");
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
