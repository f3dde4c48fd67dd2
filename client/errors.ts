import type { ExtAck, PolicyDescription } from "@nlwire/codec";
import { errnoName } from "@nlwire/codec";
import { errnoMessage } from "@nlwire/codec/errno-messages";

/** An attribute path: names where the family model knows them, type numbers where it does not. */
export type AttrPathSegment = string | number;

/** No reply (or, for a dump, no next datagram) came within the timeout. */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
  constructor(
    readonly seq: number,
    readonly ms: number,
    what = "request",
  ) {
    super(`${what} seq ${seq}: no reply within ${ms} ms`);
  }
}

/** The client was closed while the request was in flight (or before it was made). */
export class ClientClosedError extends Error {
  override readonly name = "ClientClosedError";
  constructor() {
    super("the netlink client is closed");
  }
}

/** A dump stayed interrupted (NLM_F_DUMP_INTR) after every retry the caller allowed. */
export class DumpInterruptedError extends Error {
  override readonly name = "DumpInterruptedError";
  constructor(readonly attempts: number) {
    super(`dump interrupted by concurrent changes ${attempts} times in a row`);
  }
}

export interface KernelErrorDetails {
  errno: number;
  extAck?: ExtAck | undefined;
  /** The operation that was refused, e.g. "rt-link newlink". */
  op?: string | undefined;
  /** OFFS mapped back through the request that was sent. */
  attrPath?: AttrPathSegment[] | undefined;
  /** MISS_TYPE named from the spec: the required attribute that was missing... */
  missingAttr?: AttrPathSegment | undefined;
  /** ...and MISS_NEST: the path of the nest it was missing from (empty: top level). */
  missingNestPath?: AttrPathSegment[] | undefined;
  /** For EPERM: the capability the kernel checks, e.g. "CAP_NET_ADMIN". */
  capability?: string | undefined;
}

/** The kernel refused a request (NLMSG_ERROR, or a DONE carrying an errno). */
export class KernelError extends Error {
  override readonly name = "KernelError";
  readonly errno: number;
  /** "EPERM", ...; "errno N" for a number this codec does not know. */
  readonly errnoName: string;
  /** The kernel's ext-ack text (NLMSGERR_ATTR_MSG). */
  readonly kernelMessage: string | undefined;
  readonly offset: number | undefined;
  readonly attrPath: AttrPathSegment[] | undefined;
  readonly missingAttr: AttrPathSegment | undefined;
  readonly missingNestPath: AttrPathSegment[] | undefined;
  readonly cookie: Uint8Array | undefined;
  readonly policy: PolicyDescription | undefined;
  readonly op: string | undefined;
  /** For EPERM: the capability that is missing (CAP_NET_ADMIN for rtnetlink, generic netlink, netfilter, ...). */
  readonly missingCapability: string | undefined;

  constructor(d: KernelErrorDetails) {
    const name = errnoName(d.errno) ?? `errno ${d.errno}`;
    const a = d.extAck;
    const parts = [`${d.op ? `${d.op}: ` : ""}${name} (${errnoMessage(d.errno) ?? "unknown error"})`];
    if (a?.message) parts.push(a.message);
    if (d.attrPath) parts.push(`at attribute ${d.attrPath.join(".")}`);
    if (d.missingAttr !== undefined) {
      const nest = d.missingNestPath?.length ? ` in ${d.missingNestPath.join(".")}` : "";
      parts.push(`missing attribute ${d.missingAttr}${nest}`);
    }
    if (d.capability) parts.push(`this needs ${d.capability} in the user namespace that owns the socket's network namespace`);
    super(parts.join(": "));
    this.errno = d.errno;
    this.errnoName = name;
    this.kernelMessage = a?.message;
    this.offset = a?.offset;
    this.attrPath = d.attrPath;
    this.missingAttr = d.missingAttr;
    this.missingNestPath = d.missingNestPath;
    this.cookie = a?.cookie;
    this.policy = a?.policy;
    this.op = d.op;
    this.missingCapability = d.capability;
  }
}
