import { LINKTYPE_NETLINK, netlinkPayload, readCaptureBytes } from "@nlwire/codec/capture";
import { HOST_LITTLE_ENDIAN, NLMSG_ERROR } from "@nlwire/codec";
import { EBADF, EINVAL, SOL_NETLINK, SOL_SOCKET, type HostDatagram, type SysHost } from "./wasi-host.js";
import { DatagramQueue } from "./wasi-queue.js";

const ENODATA = 61;
const EPROTO = 71;
const ENOPROTOOPT = 92;
const PACKET_OUTGOING = 4;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
/** Linux's default socket buffer (net.core.rmem_default / wmem_default). */
const DEFAULT_BUFFER = 212992;
const NLMSG_HDRLEN = 16;

/** One socket's traffic, in order, as a tee recorded it. */
export interface Conversation {
  protocol: number;
  records: { direction: "sent" | "received"; data: Uint8Array }[];
}

/**
 * The conversations of a pcapng file that the tee recorder (capture/
 * record.ts) wrote for one transport: one per netlink protocol in it.
 */
export function conversationsOf(pcapng: Uint8Array): Conversation[] {
  const byProtocol = new Map<number, Conversation>();
  for (const r of readCaptureBytes(pcapng).records) {
    if (r.linkType !== LINKTYPE_NETLINK) continue;
    const p = netlinkPayload(r.linkType, r.data);
    if (!("offset" in p) || p.protocol === undefined) continue;
    const sent = r.direction ? r.direction === "outbound" : p.pkttype === PACKET_OUTGOING;
    let c = byProtocol.get(p.protocol);
    if (!c) byProtocol.set(p.protocol, (c = { protocol: p.protocol, records: [] }));
    c.records.push({ direction: sent ? "sent" : "received", data: r.data.subarray(p.offset) });
  }
  return [...byProtocol.values()];
}

/** Where a replay and the guest parted ways. */
export interface ReplayProblem {
  fd: number;
  what: string;
}

export interface ReplayHost extends SysHost {
  readonly problems: readonly ReplayProblem[];
}

interface ReplaySocket {
  conversation: Conversation;
  /** The next record to play. */
  next: number;
  /** The port id the recorded socket had: the kernel's replies carry it, so this socket has it too. */
  port: number;
  groups: number;
  /** Recorded seq → the seq this guest used in its place. */
  seqs: Map<number, number>;
  options: Map<string, number>;
  queue: DatagramQueue;
}

/**
 * A host that answers from recordings instead of a kernel: the n-th socket
 * opened for a protocol plays the n-th conversation of that protocol. What
 * the guest sends must be what was recorded, except for the seq and port id
 * fields (a client picks its own seqs); the kernel's answers recorded after
 * it are then queued, their seqs mapped to the guest's. Options and groups
 * are kept as a kernel would keep them (buffer sizes doubled). It makes no
 * system call: a replay needs no privilege and no network namespace.
 *
 * A send that differs from the recording, or comes after its end, fails
 * with EPROTO and is listed in `problems`; a socket with no conversation
 * left fails with ENODATA.
 */
export function replayHost(conversations: readonly Conversation[]): ReplayHost {
  const unused = [...conversations];
  const sockets = new Map<number, ReplaySocket>();
  const problems: ReplayProblem[] = [];
  const others = new Set<number>(); // namespace fds: nothing behind them
  let nextFd = 3;

  const problem = (fd: number, what: string): number => {
    problems.push({ fd, what });
    return -EPROTO;
  };
  const socketOf = (fd: number): ReplaySocket | undefined => sockets.get(fd);

  return {
    problems,
    socket(protocol) {
      const i = unused.findIndex((c) => c.protocol === protocol);
      if (i < 0) return -ENODATA;
      const [conversation] = unused.splice(i, 1);
      const fd = nextFd++;
      const s: ReplaySocket = { conversation: conversation!, next: 0, port: recordedPort(conversation!), groups: 0, seqs: new Map(), options: new Map(), queue: new DatagramQueue() };
      sockets.set(fd, s);
      playReceived(s); // what arrived before anything was sent (notifications)
      return fd;
    },
    bind(fd, _port, groups) {
      const s = socketOf(fd);
      if (!s) return -EBADF;
      s.groups = groups;
      return 0;
    },
    getsockname(fd) {
      const s = socketOf(fd);
      return s ? [s.port, s.groups] : -EBADF;
    },
    setsockopt(fd, level, name, value) {
      const s = socketOf(fd);
      if (!s) return -EBADF;
      if (level === SOL_SOCKET && (name === SO_RCVBUF || name === SO_SNDBUF || name === SO_RCVBUFFORCE)) {
        s.options.set(`${level}/${name === SO_RCVBUFFORCE ? SO_RCVBUF : name}`, 2 * value); // socket(7): the kernel doubles it
      } else if (level === SOL_NETLINK) s.options.set(`${level}/${name}`, value ? 1 : 0);
      else return -ENOPROTOOPT;
      return 0;
    },
    getsockopt(fd, level, name) {
      const s = socketOf(fd);
      if (!s) return -EBADF;
      if (level !== SOL_SOCKET && level !== SOL_NETLINK) return -ENOPROTOOPT;
      return s.options.get(`${level}/${name}`) ?? (level === SOL_SOCKET ? DEFAULT_BUFFER : 0);
    },
    sendto(fd, data) {
      const s = socketOf(fd);
      if (!s) return -EBADF;
      const rec = s.conversation.records[s.next];
      if (!rec || rec.direction !== "sent") return problem(fd, `sent ${data.length} bytes after the recording's last request`);
      const seqs = matchRequest(rec.data, data);
      if (!seqs) return problem(fd, `sent a datagram other than the recorded one (record ${s.next} of its conversation)`);
      for (const [recorded, live] of seqs) s.seqs.set(recorded, live);
      s.next++;
      playReceived(s);
      return data.length;
    },
    recv(fd, len, flags): HostDatagram | number {
      const s = socketOf(fd);
      return s ? s.queue.recv(len, flags) : -EBADF;
    },
    close(fd) {
      const s = socketOf(fd);
      if (s) {
        s.queue.close();
        sockets.delete(fd);
        return 0;
      }
      return others.delete(fd) ? 0 : -EBADF;
    },
    netnsCurrent() {
      others.add(nextFd);
      return nextFd++;
    },
    netnsOpen() {
      others.add(nextFd);
      return nextFd++;
    },
    netnsEnter: (fd) => (others.has(fd) ? 0 : -EINVAL),
    watch(fd, onReadable) {
      const s = socketOf(fd);
      if (!s) return -EBADF;
      s.queue.watch(onReadable);
      return 0;
    },
  };
}

/** Queues the received records up to the next sent one, with the guest's seqs. */
function playReceived(s: ReplaySocket): void {
  const records = s.conversation.records;
  for (; s.next < records.length && records[s.next]!.direction === "received"; s.next++) {
    const data = withSeqs(records[s.next]!.data, s.seqs);
    s.queue.push({ data, length: data.length, from: 0 });
  }
}

/** The port id in the kernel's first unicast reply (seq != 0); 0 when the conversation has none. */
function recordedPort(c: Conversation): number {
  for (const r of c.records) {
    if (r.direction !== "received") continue;
    for (const m of headers(r.data)) if (m.seq !== 0) return m.pid;
  }
  return 0;
}

interface Header {
  offset: number;
  length: number;
  type: number;
  seq: number;
  pid: number;
}

function headers(d: Uint8Array): Header[] {
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const le = HOST_LITTLE_ENDIAN;
  const out: Header[] = [];
  for (let off = 0; d.length - off >= NLMSG_HDRLEN; ) {
    const length = v.getUint32(off, le);
    if (length < NLMSG_HDRLEN || length > d.length - off) break;
    out.push({ offset: off, length, type: v.getUint16(off + 4, le), seq: v.getUint32(off + 8, le), pid: v.getUint32(off + 12, le) });
    off += (length + 3) & ~3;
  }
  return out;
}

/**
 * The recorded seq → sent seq pairs if `sent` is the recorded datagram but
 * for the seq and port id of its messages; undefined if it is not.
 */
function matchRequest(recorded: Uint8Array, sent: Uint8Array): Map<number, number> | undefined {
  if (recorded.length !== sent.length) return undefined;
  const a = headers(recorded);
  const b = headers(sent);
  if (a.length !== b.length) return undefined;
  const blank = (d: Uint8Array, hs: Header[]): Uint8Array => {
    const c = d.slice();
    for (const h of hs) c.fill(0, h.offset + 8, h.offset + 16);
    return c;
  };
  const x = blank(recorded, a);
  const y = blank(sent, b);
  if (x.some((byte, i) => byte !== y[i])) return undefined;
  return new Map(a.map((h, i) => [h.seq, b[i]!.seq]));
}

/** A copy of `d` with each message's seq (and that of a request echoed in an NLMSG_ERROR) mapped. */
function withSeqs(d: Uint8Array, seqs: ReadonlyMap<number, number>): Uint8Array {
  const c = d.slice();
  const v = new DataView(c.buffer);
  const le = HOST_LITTLE_ENDIAN;
  const map = (at: number): void => {
    const live = seqs.get(v.getUint32(at, le));
    if (live !== undefined) v.setUint32(at, live, le);
  };
  for (const h of headers(c)) {
    map(h.offset + 8);
    if (h.type === NLMSG_ERROR && h.length >= NLMSG_HDRLEN + 4 + NLMSG_HDRLEN) map(h.offset + NLMSG_HDRLEN + 4 + 8);
  }
  return c;
}
