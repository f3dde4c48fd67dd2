import { NotSupportedError, type TransportError } from "./errors.js";

/**
 * What carries netlink datagrams between this process and a kernel (or a
 * recording of one): the native addon, a WASI component, a replay. It moves
 * whole datagrams and knows nothing about messages or attributes.
 *
 * The interface is small on purpose. Abilities that not every transport has
 * are optional members: probe them (`if (t.groups)`) or take them with
 * `need(t, "groups")`, which throws NotSupportedError when one is missing.
 */
export interface Transport {
  /** Which kind of transport this is ("native", ...), for messages. */
  readonly kind: string;
  /** The netlink protocol (NETLINK_ROUTE = 0, NETLINK_GENERIC = 16, ...). */
  readonly protocol: number;
  readonly closed: boolean;

  /** Sends one datagram to the kernel; rejects with TransportError. */
  send(datagram: Uint8Array): Promise<void>;
  /**
   * Delivers every datagram received, in order, to `receiver`, until close.
   * `null` stops delivery; the kernel then keeps queueing (a dump waits, a
   * multicast burst may overrun), so this is also the flow control: detach
   * while behind, attach again to go on where it stopped.
   */
  receive(receiver: Receiver | null): void;
  /** Idempotent; tells an attached receiver (Receiver.end). */
  close(): void;

  /** Multicast group membership by group number. */
  readonly groups?: GroupControl;
  /** Socket options. */
  readonly options?: OptionControl;
  /** The socket's netlink port id (nlmsg_pid of the kernel's unicast replies). */
  readonly portId?: number;
}

/** Metadata of a received datagram. */
export interface ReceiveInfo {
  /** The sender's port id: 0 is the kernel; anything else is another process. */
  from: number;
  /** With the listenAllNsid option: the id of the namespace the message comes from. */
  nsid?: number;
}

export interface Receiver {
  /** One whole datagram, in a buffer of its own that the transport never touches again. */
  datagram(data: Uint8Array, info: ReceiveInfo): void;
  /**
   * OverrunError (ENOBUFS): messages were dropped, reception goes on. Any
   * other TransportError: reception has stopped.
   */
  error(err: TransportError): void;
  /** The transport was closed while this receiver was attached: nothing more will come. */
  end?(): void;
}

export interface GroupControl {
  join(group: number): void;
  leave(group: number): void;
}

/** Netlink socket options that are on or off. */
export type FlagOption = "extAck" | "getStrictChk" | "capAck" | "noEnobufs" | "listenAllNsid" | "broadcastError";
/** Buffer sizes in bytes (the kernel doubles what it is given, as socket(7) says). */
export type SizeOption = "rcvbuf" | "rcvbufForce" | "sndbuf";
export type OptionName = FlagOption | SizeOption;

export const FLAG_OPTIONS: readonly FlagOption[] = ["extAck", "getStrictChk", "capAck", "noEnobufs", "listenAllNsid", "broadcastError"];
export const SIZE_OPTIONS: readonly SizeOption[] = ["rcvbuf", "rcvbufForce", "sndbuf"];

/** Throws NotSupportedError for an option the transport cannot set, TransportError when the kernel refuses. */
export interface OptionControl {
  set(name: FlagOption, on: boolean): void;
  set(name: SizeOption, bytes: number): void;
  get(name: FlagOption): boolean;
  get(name: SizeOption): number;
}

/** How to open a transport; a transport that cannot honour a field throws NotSupportedError. */
export interface OpenOptions {
  protocol: number;
  /** Groups to bind to: bit n-1 stands for group n (sockaddr_nl.nl_groups). */
  groups?: number;
  /** A network namespace: a name under /run/netns, a path (anything with a "/"), or an open fd. */
  netns?: string | number;
}

type Abilities = Required<Pick<Transport, "groups" | "options" | "portId">>;

/** The optional ability `name` of `t`, or NotSupportedError. */
export function need<K extends keyof Abilities>(t: Transport, name: K): Abilities[K] {
  const a = t[name];
  if (a === undefined) throw new NotSupportedError(t.kind, name);
  return a as Abilities[K];
}

/** "/run/netns/NAME" for a bare name, as `ip netns` keeps them; paths and fds as given. */
export function netnsTarget(netns: string | number): string | number {
  return typeof netns === "string" && !netns.includes("/") ? `/run/netns/${netns}` : netns;
}
