import { closeSync, openSync, writeSync } from "node:fs";
import type { FamilyRegistry } from "@nlwire/codec";
import { cookedHeader, GENL_MAP_COMMENT, LINKTYPE_NETLINK, PcapngWriter, PROTOCOL_NAMES } from "@nlwire/codec/capture";
import { tee, type TeeRecord, type Transport } from "../transport/index.js";

const NETLINK_GENERIC = 16;
const GENL_ID_CTRL = 0x10;
const PACKET_HOST = 0;
const PACKET_OUTGOING = 4;
const FLUSH_AT = 256 * 1024;

export interface RecorderOptions {
  /** Where generic netlink names come from (a client's registry): they are written next to the first message of each id. */
  registry?: FamilyRegistry;
  /** Written into the section header. */
  comment?: string;
}

/**
 * Writes tee records into a pcapng file that tshark and Wireshark read: one
 * interface per netlink protocol (LINKTYPE_NETLINK, nanosecond timestamps),
 * each record the 16-byte cooked header naming the protocol and then the
 * datagram as it went by, with its true direction in epb_flags. The first
 * record carrying a generic netlink id the registry can name gets a comment
 * `nlwire-genl: ID=NAME`, so the capture says which family an id was even when
 * the nlctrl exchange that resolved it is not in it.
 */
export class PcapngRecorder {
  private readonly fd: number;
  private readonly writer = new PcapngWriter();
  private readonly interfaces = new Map<number, number>();
  private readonly announced = new Set<number>([GENL_ID_CTRL]);
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private open = true;
  registry: FamilyRegistry | undefined;
  /** Datagrams written so far. */
  records = 0;

  constructor(path: string, o: RecorderOptions = {}) {
    this.fd = openSync(path, "w");
    this.registry = o.registry;
    this.push(this.writer.sectionHeader({ application: "nlwire", ...(o.comment ? { comments: [o.comment] } : {}) }));
  }

  /** The tee sink: synchronous, and it copies what it keeps. */
  readonly sink = (r: TeeRecord): void => {
    if (!this.open) return;
    const iface = this.interfaceFor(r.protocol);
    const head = cookedHeader(r.protocol, r.direction === "sent" ? PACKET_OUTGOING : PACKET_HOST);
    const data = new Uint8Array(head.length + r.data.length);
    data.set(head);
    data.set(r.data, head.length);
    const comments = r.protocol === NETLINK_GENERIC ? this.genlComment(r.data) : undefined;
    this.push(this.writer.enhancedPacket({
      interfaceId: iface, timestampNs: r.timestampNs, data, direction: r.direction === "sent" ? "outbound" : "inbound",
      ...(comments ? { comments } : {}),
    }));
    this.records++;
  };

  private interfaceFor(protocol: number): number {
    let id = this.interfaces.get(protocol);
    if (id === undefined) {
      const name = PROTOCOL_NAMES[protocol] ?? String(protocol);
      this.push(this.writer.interfaceDescription({ linkType: LINKTYPE_NETLINK, snapLength: 0, name: `netlink-${name}`, description: `nlwire tee, netlink protocol ${protocol}` }));
      id = this.writer.lastInterfaceId;
      this.interfaces.set(protocol, id);
    }
    return id;
  }

  /** Names for the genl ids of this datagram's messages that the file has not named yet. */
  private genlComment(d: Uint8Array): string[] | undefined {
    if (!this.registry) return undefined;
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const pairs: string[] = [];
    for (let p = 0; d.length - p >= 16; ) {
      const len = v.getUint32(p, true);
      const type = v.getUint16(p + 4, true);
      const name = type >= 0x10 && !this.announced.has(type) ? this.registry.genlName(type) : undefined;
      if (name) {
        pairs.push(`${type}=${name}`);
        this.announced.add(type);
      }
      if (len < 16) break;
      p += len + ((4 - (len % 4)) % 4);
    }
    return pairs.length ? [`${GENL_MAP_COMMENT} ${pairs.join(" ")}`] : undefined;
  }

  private push(b: Uint8Array): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (!this.pending.length) return;
    writeSync(this.fd, Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    if (!this.open) return;
    this.flush();
    this.open = false;
    closeSync(this.fd);
  }
}

/**
 * `transport` with everything it sends and receives recorded into the pcapng
 * file at `path`; closing the returned transport closes the file too.
 */
export function recordTo(transport: Transport, path: string, o: RecorderOptions = {}): { transport: Transport; recorder: PcapngRecorder } {
  const recorder = new PcapngRecorder(path, o);
  const t = tee(transport, recorder.sink);
  const close = t.close.bind(t);
  t.close = () => {
    try {
      return close();
    } finally {
      recorder.close();
    }
  };
  return { transport: t, recorder };
}
