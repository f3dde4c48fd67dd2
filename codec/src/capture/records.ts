/**
 * What the capture readers hand out: one record per captured packet, whatever
 * the file format. The data is a copy, never a view of the reader's buffer.
 */

export const LINKTYPE_NETLINK = 253;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;

export type CaptureFormat = "pcap" | "pcapng";

/** The direction a pcapng writer recorded (epb_flags bits 0-1); classic pcap has none. */
export type RecordDirection = "inbound" | "outbound";

export interface CaptureRecord {
  /** 0-based position among the file's packet records. */
  index: number;
  /** Byte offset of the record (pcap) or block (pcapng) in the file. */
  fileOffset: number;
  linkType: number;
  /** pcapng interface id, global across sections (0 for classic pcap). */
  interfaceId: number;
  /** Nanoseconds since the epoch; undefined for pcapng simple packet blocks. */
  timestampNs?: bigint;
  /** Bytes on the wire; more than data.length when the snaplen cut the record. */
  originalLength: number;
  data: Uint8Array;
  direction?: RecordDirection;
  /** opt_comment values of the block. */
  comments?: string[];
}

export interface CaptureInterface {
  /** Global id (counts interfaces of every section). */
  id: number;
  linkType: number;
  snapLength: number;
  name?: string;
  description?: string;
  comments?: string[];
}
