import { KernelError, type AttrPathSegment } from "../client/index.js";

/**
 * The kernel refused an operation of the API. The message names the
 * operation in the caller's terms, then the kernel's own words:
 * "add link vxlan0: EOPNOTSUPP (Operation not supported): Unknown device type".
 * The client's KernelError is kept as `cause`.
 */
export class NetlinkOperationError extends Error {
  override readonly name = "NetlinkOperationError";
  /** What was asked, e.g. "add link vxlan0". */
  readonly action: string;
  readonly errno: number;
  readonly errnoName: string;
  readonly kernelMessage: string | undefined;
  readonly attrPath: AttrPathSegment[] | undefined;
  override readonly cause: KernelError;

  constructor(action: string, cause: KernelError) {
    // KernelError's message starts with its family and op ("rt-link newlink: "): the action says it better.
    const detail = cause.op && cause.message.startsWith(`${cause.op}: `) ? cause.message.slice(cause.op.length + 2) : cause.message;
    super(`${action}: ${detail}`);
    this.action = action;
    this.errno = cause.errno;
    this.errnoName = cause.errnoName;
    this.kernelMessage = cause.kernelMessage;
    this.attrPath = cause.attrPath;
    this.cause = cause;
  }
}

/** Input the API cannot turn into a request (a malformed address, an unknown name); nothing was sent. */
export class InvalidArgumentError extends TypeError {
  override readonly name = "InvalidArgumentError";
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
  }
}

/** No object matched a lookup (get link by name, route lookup): the kernel's ENODEV/ENOENT, named. */
export const isNotFound = (e: unknown): boolean =>
  e instanceof NetlinkOperationError && (e.errnoName === "ENODEV" || e.errnoName === "ENOENT");

/** Runs `op` and names a KernelError after `action`; everything else passes through. */
export async function named<T>(action: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof KernelError) throw new NetlinkOperationError(action, e);
    throw e;
  }
}
