import { errnoName } from "@nlwire/codec";
import { errnoMessage } from "@nlwire/codec/errno-messages";

export const ENOBUFS = 105;
export const EBADF = 9;

/** A socket call failed: `errno` is Linux's number, `code` its name, `op` the call. */
export class TransportError extends Error {
  override readonly name: string = "TransportError";
  readonly errno: number;
  readonly code: string;
  readonly op: string;

  constructor(op: string, errno: number, detail?: string) {
    const code = errnoName(errno) ?? `errno ${errno}`;
    super(`${op}: ${code} (${detail ?? errnoMessage(errno) ?? "unknown error"})`);
    this.errno = Math.abs(errno);
    this.code = code;
    this.op = op;
  }
}

/**
 * ENOBUFS: the socket's receive buffer was full, so the kernel dropped
 * messages for it (a multicast burst, a reader that fell behind). Reception
 * goes on with what is still queued; what was dropped is gone, so state kept
 * from notifications must be resynchronised (re-dumped).
 */
export class OverrunError extends TransportError {
  override readonly name = "OverrunError";

  constructor(op = "receive") {
    super(op, ENOBUFS, "the kernel dropped messages: the receive buffer was full");
  }
}

/** The transport lacks an optional ability, or an option it cannot set. */
export class NotSupportedError extends Error {
  override readonly name = "NotSupportedError";
  readonly transport: string;
  readonly ability: string;

  constructor(transport: string, ability: string) {
    super(`the ${transport} transport does not support ${ability}`);
    this.transport = transport;
    this.ability = ability;
  }
}

/**
 * The native addon (build/Release/nlwire_shim.node) is missing or does not
 * load. Only live native sockets need it: the codec and the offline tools
 * work without it.
 */
export class AddonUnavailableError extends Error {
  override readonly name = "AddonUnavailableError";
  readonly path: string;
  /** "missing": never built (see buildLog); "load-failed": the file is there but does not load. */
  readonly reason: "missing" | "load-failed";
  /** The end of the failed build's output, when the install kept it. */
  readonly buildLog: string | undefined;
  static readonly HINT = "to build it: apt-get install g++ make python3; npm rebuild";

  constructor(path: string, reason: "missing" | "load-failed", why: string, buildLog?: string) {
    const log = buildLog ? `\nthe build at install said:\n${buildLog}` : "";
    super(`the nlwire native addon is unavailable: ${why}; ${AddonUnavailableError.HINT}${log}`);
    this.path = path;
    this.reason = reason;
    this.buildLog = buildLog;
  }
}
