import { EncodeError, isCodecError } from "@nlwire/codec";
import { errnoMessage } from "@nlwire/codec/errno-messages";
import { KernelError, TimeoutError } from "../client/index.js";
import { AddonUnavailableError, TransportError } from "../transport/index.js";

/**
 * The exit codes, one per kind of failure, so that scripts can tell a
 * refused request from a typo or a broken file (documented in docs/cli.md).
 */
export const EXIT = {
  ok: 0,
  /** The kernel refused a request (NLMSG_ERROR, or a DONE with an errno), or did not answer. */
  kernel: 1,
  /** Bad arguments: unknown command or option, bad value, unknown family or operation. */
  usage: 2,
  /** A file could not be read or written, or its content is not what it should be (corrupt capture, bad spec or JSON). */
  io: 3,
  /** Not allowed (EPERM, EACCES), or no way to reach the kernel at all (the native addon is missing). */
  privilege: 4,
} as const;

/** A mistake on the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A file that cannot be used (its path is in the message): exit code 3. */
export class InputError extends Error {
  override readonly name = "InputError";
}

/** A generic netlink family nlwire knows that the running kernel does not have (nlctrl: ENOENT): exit code 1. */
export class AbsentFamilyError extends Error {
  override readonly name = "AbsentFamilyError";
  constructor(readonly family: string) {
    super(`the kernel has no generic netlink family "${family}" (not built in, or its module is not loaded; nlwire genl list shows those it has)`);
  }
}

const PERMISSION = new Set(["EPERM", "EACCES"]);

/** The exit code for an error thrown by a command. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError || e instanceof EncodeError) return EXIT.usage;
  if (e instanceof KernelError) return PERMISSION.has(e.errnoName) ? EXIT.privilege : EXIT.kernel;
  if (e instanceof TimeoutError || e instanceof AbsentFamilyError) return EXIT.kernel;
  if (e instanceof AddonUnavailableError) return EXIT.privilege;
  if (e instanceof TransportError) return PERMISSION.has(e.code) ? EXIT.privilege : EXIT.io;
  if (e instanceof InputError || isCodecError(e) || isNodeIoError(e)) return EXIT.io;
  return EXIT.io;
}

function isNodeIoError(e: unknown): boolean {
  return e instanceof Error && typeof (e as { code?: unknown }).code === "string" && "syscall" in e;
}

/**
 * The lines that explain an error: for a kernel refusal, the errno, the
 * kernel's own ext-ack text and the offending attribute by path, each on a
 * line of its own so that they are easy to spot and to grep.
 */
export function describeError(e: unknown): string[] {
  if (e instanceof KernelError) {
    const text = errnoMessage(e.errno);
    const lines = [`${e.op ? `${e.op}: ` : ""}kernel error ${e.errnoName} (errno ${e.errno}${text ? `: ${text}` : ""})`];
    if (e.kernelMessage) lines.push(`  kernel says: ${e.kernelMessage}`);
    if (e.attrPath) lines.push(`  attribute: ${e.attrPath.join(".")}`);
    if (e.missingAttr !== undefined) {
      const nest = e.missingNestPath?.length ? ` (in ${e.missingNestPath.join(".")})` : "";
      lines.push(`  missing attribute: ${e.missingAttr}${nest}`);
    }
    if (e.offset !== undefined && !e.attrPath) lines.push(`  offending byte: ${e.offset}`);
    if (PERMISSION.has(e.errnoName)) lines.push("  (this needs CAP_NET_ADMIN in the namespace: run as root)");
    return lines;
  }
  if (isCodecError(e)) {
    const at = e.path.length ? ` at ${e.path.join(".")}` : "";
    return [`${e.message} (byte ${e.offset}${at})`];
  }
  if (e instanceof Error) return [e.message];
  return [String(e)];
}
