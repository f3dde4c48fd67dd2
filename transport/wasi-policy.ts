import { AttrCursor, ByteReader, ByteWriter, FamilyRegistry, GENL_ID_CTRL, HOST_LITTLE_ENDIAN, NLM_F, encodeErrorMessage, type Family, type NlMsgHeader } from "@nlwire/codec";
import {
  EINVAL,
  EPERM,
  MSG_PEEK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  SOL_NETLINK,
  type HostDatagram,
  type SysHost,
} from "./wasi-host.js";
import { DatagramQueue } from "./wasi-queue.js";

const NETLINK_ROUTE = 0;
const NETLINK_GENERIC = 16;
const NLMSG_HDRLEN = 16;
const GENL_HDRLEN = 4;
const CTRL_CMD_NEWFAMILY = 1;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_CMD_GETPOLICY = 10;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;

/** A message on its way to the kernel, as a policy sees it. */
export interface Outgoing {
  protocol: number;
  header: NlMsgHeader;
  /** The bytes after the nlmsghdr. */
  payload: Uint8Array;
  /** For generic netlink: the family's name, once nlctrl has named its id on this host. */
  genlFamily?: string;
}

/** What may pass; anything a policy does not allow is refused with EPERM before it reaches the inner host. */
export interface Policy {
  /** A socket of this netlink protocol may be opened. */
  protocol(protocol: number): boolean;
  /** A socket of `protocol` may listen to multicast group `group` (in its bind mask, or joined). */
  group(protocol: number, group: number): boolean;
  /** This message may go to the kernel. */
  message(m: Outgoing): boolean;
}

/** What a policy host refused, for tests and audit logs. */
export interface Refusal {
  what: "socket" | "group" | "message" | "datagram";
  protocol: number;
  detail: string;
}

export interface PolicyHost extends SysHost {
  readonly refusals: readonly Refusal[];
}

const GET_OP = /(^|-)get($|-)|^get/;
const SIDE_EFFECT_OP = /reset|clear|flush/;

/**
 * The ready read-only policy: rtnetlink and generic netlink sockets, every
 * multicast group, and only requests that read. On rtnetlink those are the
 * GET types (RTM_GETLINK, RTM_GETROUTE, ...: type - 16 ≡ 2 mod 4), dump or
 * not; the kernel runs any other type's doit even with NLM_F_DUMP set. On
 * generic netlink: dumps (the kernel never runs a doit for NLM_F_DUMP),
 * nlctrl's GETFAMILY and GETPOLICY, and the "get" operations of `families`
 * whose id nlctrl has named on this host. Anything else (NEW, DEL, SET,
 * control messages, commands of unknown families) is refused.
 */
export function readOnlyPolicy(opts: { families?: readonly (Family | { readonly family: Family })[] } = {}): Policy {
  const getCmds = new Map<string, Set<number>>();
  for (const f of opts.families ?? []) {
    const fam = "family" in f ? f.family : f;
    const cmds = new Set<number>();
    for (const op of fam.model.ops) {
      const value = op.do?.request?.value ?? op.dump?.request?.value ?? op.value;
      if (value !== undefined && GET_OP.test(op.name) && !SIDE_EFFECT_OP.test(op.name)) cmds.add(value);
    }
    getCmds.set(fam.model.name, cmds);
  }
  return {
    protocol: (p) => p === NETLINK_ROUTE || p === NETLINK_GENERIC,
    group: () => true,
    message({ protocol, header, payload, genlFamily }) {
      if (protocol === NETLINK_ROUTE) return header.type >= 16 && (header.type - 16) % 4 === 2;
      if (protocol !== NETLINK_GENERIC || header.type < 16 || payload.length < GENL_HDRLEN) return false;
      if ((header.flags & NLM_F.DUMP) === NLM_F.DUMP) return true;
      const cmd = payload[0]!;
      if (header.type === GENL_ID_CTRL) return cmd === CTRL_CMD_GETFAMILY || cmd === CTRL_CMD_GETPOLICY;
      return genlFamily !== undefined && (getCmds.get(genlFamily)?.has(cmd) ?? false);
    },
  };
}

interface SocketState {
  protocol: number;
  extAck: boolean;
  capAck: boolean;
  /** Answers made here (EPERM errors), served before what the inner host has queued. */
  answers: DatagramQueue;
}

/**
 * A host that passes to `inner` only what `policy` allows. A socket of a
 * refused protocol, or a refused group, is EPERM. A refused message never
 * reaches `inner`: it is answered here with an NLMSG_ERROR carrying EPERM
 * (with the ext-ack text and the capped echo the socket asked for), as the
 * kernel answers a request it refuses, while the allowed messages of the
 * same datagram go on. A datagram that does not parse as netlink messages
 * is refused whole (EINVAL).
 */
export function policyHost(inner: SysHost, policy: Policy): PolicyHost {
  const sockets = new Map<number, SocketState>();
  const refusals: Refusal[] = [];
  const registry = new FamilyRegistry();
  const refuse = (r: Refusal, errno = EPERM): number => {
    refusals.push(r);
    return -errno;
  };
  const refusedGroups = (protocol: number, mask: number): number[] =>
    Array.from({ length: 32 }, (_, i) => i + 1).filter((g) => mask & (1 << (g - 1)) && !policy.group(protocol, g));

  const answer = (fd: number, s: SocketState, m: Outgoing): void => {
    const name = inner.getsockname(fd);
    const w = new ByteWriter();
    const e = { errno: EPERM, request: m.header, ...(s.capAck ? {} : { requestPayload: m.payload }) };
    const extAck = s.extAck ? { extAck: { message: "refused by the nlwire WASI host's policy" } } : {};
    encodeErrorMessage(w, { ...e, ...extAck }, { seq: m.header.seq, pid: typeof name === "number" ? 0 : name[0] });
    const data = w.finish();
    s.answers.push({ data, length: data.length, from: 0 });
  };

  const sendto = (fd: number, data: Uint8Array, port: number, groups: number): number => {
    const s = sockets.get(fd);
    if (!s) return inner.sendto(fd, data, port, groups); // not a socket this host opened: inner says EBADF
    if (port !== 0 || groups !== 0) return refuse({ what: "datagram", protocol: s.protocol, detail: `to port ${port}, groups ${groups}` });
    const messages = splitMessages(data);
    if (!messages) return refuse({ what: "datagram", protocol: s.protocol, detail: "not netlink messages" }, EINVAL);
    const allowed: Uint8Array[] = [];
    for (const { bytes, header } of messages) {
      const m: Outgoing = { protocol: s.protocol, header, payload: bytes.subarray(NLMSG_HDRLEN, header.length) };
      const genlFamily = s.protocol === NETLINK_GENERIC ? registry.genlName(header.type) : undefined;
      if (genlFamily !== undefined) m.genlFamily = genlFamily;
      if (policy.message(m)) allowed.push(bytes);
      else {
        refuse({ what: "message", protocol: s.protocol, detail: `type ${header.type} flags 0x${header.flags.toString(16)}` });
        answer(fd, s, m);
      }
    }
    if (!allowed.length) return data.length;
    const out = allowed.length === messages.length ? data : concat(allowed);
    const r = inner.sendto(fd, out, port, groups);
    return r < 0 ? r : data.length;
  };

  const recv = (fd: number, len: number, flags: number): HostDatagram | number => {
    const s = sockets.get(fd);
    if (s?.answers.length) return s.answers.recv(len, flags);
    const r = inner.recv(fd, len, flags);
    if (s?.protocol === NETLINK_GENERIC && typeof r !== "number" && !(flags & MSG_PEEK)) learnGenlIds(registry, r.data);
    return r;
  };

  return {
    refusals,
    socket(protocol) {
      if (!policy.protocol(protocol)) return refuse({ what: "socket", protocol, detail: `protocol ${protocol}` });
      const fd = inner.socket(protocol);
      if (fd >= 0) sockets.set(fd, { protocol, extAck: false, capAck: false, answers: new DatagramQueue() });
      return fd;
    },
    bind(fd, port, groups) {
      const s = sockets.get(fd);
      const bad = s ? refusedGroups(s.protocol, groups) : [];
      if (s && bad.length) return refuse({ what: "group", protocol: s.protocol, detail: `groups ${bad.join(", ")}` });
      return inner.bind(fd, port, groups);
    },
    getsockname: (fd) => inner.getsockname(fd),
    setsockopt(fd, level, name, value) {
      const s = sockets.get(fd);
      if (s && level === SOL_NETLINK && name === NETLINK_ADD_MEMBERSHIP && !policy.group(s.protocol, value)) {
        return refuse({ what: "group", protocol: s.protocol, detail: `group ${value}` });
      }
      const r = inner.setsockopt(fd, level, name, value);
      if (s && r >= 0 && level === SOL_NETLINK && name === NETLINK_EXT_ACK) s.extAck = value !== 0;
      if (s && r >= 0 && level === SOL_NETLINK && name === NETLINK_CAP_ACK) s.capAck = value !== 0;
      return r;
    },
    getsockopt: (fd, level, name) => inner.getsockopt(fd, level, name),
    sendto,
    recv,
    close(fd) {
      sockets.get(fd)?.answers.close();
      sockets.delete(fd);
      return inner.close(fd);
    },
    netnsCurrent: () => inner.netnsCurrent(),
    netnsOpen: (path) => inner.netnsOpen(path),
    netnsEnter: (fd) => inner.netnsEnter(fd),
    watch(fd, onReadable) {
      sockets.get(fd)?.answers.watch(onReadable); // its answers do not make the inner fd readable
      return inner.watch(fd, onReadable);
    },
    ...(inner.fatal && { fatal: inner.fatal.bind(inner) }),
  };
}

/** The messages of a datagram, each with its bytes up to the next one; undefined unless it parses whole. */
function splitMessages(data: Uint8Array): { bytes: Uint8Array; header: NlMsgHeader }[] | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: { bytes: Uint8Array; header: NlMsgHeader }[] = [];
  let off = 0;
  while (off < data.length) {
    if (data.length - off < NLMSG_HDRLEN) return undefined;
    const le = HOST_LITTLE_ENDIAN; // netlink headers are in the host's order
    const length = view.getUint32(off, le);
    if (length < NLMSG_HDRLEN || length > data.length - off) return undefined;
    const header = { length, type: view.getUint16(off + 4, le), flags: view.getUint16(off + 6, le), seq: view.getUint32(off + 8, le), pid: view.getUint32(off + 12, le) };
    const next = Math.min(data.length, off + ((length + 3) & ~3));
    out.push({ bytes: data.subarray(off, next), header });
    off = next;
  }
  return out.length ? out : undefined;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Learns generic netlink ids from nlctrl's NEWFAMILY messages (replies to GETFAMILY, and notifications). */
function learnGenlIds(registry: FamilyRegistry, data: Uint8Array): void {
  const messages = splitMessages(data) ?? [];
  for (const { bytes, header } of messages) {
    if (header.type !== GENL_ID_CTRL || header.length < NLMSG_HDRLEN + GENL_HDRLEN || bytes[NLMSG_HDRLEN] !== CTRL_CMD_NEWFAMILY) continue;
    const r = new ByteReader(bytes.subarray(0, header.length));
    const attrs = new AttrCursor(r, NLMSG_HDRLEN + GENL_HDRLEN, header.length);
    let id: number | undefined;
    let name: string | undefined;
    try {
      while (attrs.next()) {
        if (attrs.type === CTRL_ATTR_FAMILY_ID && attrs.valueLength >= 2) id = r.u16(attrs.valueOffset);
        if (attrs.type === CTRL_ATTR_FAMILY_NAME) name = new TextDecoder().decode(bytes.subarray(attrs.valueOffset, attrs.valueOffset + attrs.valueLength)).replace(/\0+$/, "");
      }
    } catch {
      continue; // a malformed reply names nothing
    }
    if (id !== undefined && name !== undefined) registry.learnGenl(id, name);
  }
}
