/**
 * @nlwire/codec/capture: offline decoding of netlink captures, with no
 * environment dependencies (it runs in browsers too). Streaming pcap and
 * pcapng readers, the cooked-header link layers, a pcapng writer, the record
 * decoder that learns generic netlink ids from nlctrl, and the tree and
 * JSON/NDJSON renderings with filters.
 */
export * from "./records.js";
export { CaptureReader, readCaptureBytes } from "./reader.js";
export { PcapParser, PCAP_MAGIC_NS, PCAP_MAGIC_US } from "./pcap.js";
export { PcapngParser, BLOCK, OPT, readOptions, type PcapngOption } from "./pcapng.js";
export { PcapngWriter, type InterfaceOptions, type PacketOptions } from "./writer.js";
export { netlinkPayload, cookedHeader, ARPHRD_NETLINK, PACKET_TYPE_NAMES, type NetlinkPayload, type NotNetlink } from "./link.js";
export { CaptureDecoder, byteOrderOf, GENL_MAP_COMMENT, type CaptureEntry, type CaptureDecoderOptions, type DecodedControl, type Direction } from "./decode.js";
export { allFamilies, defaultRegistry, PROTOCOL_NAMES, protocolNumber } from "./families.js";
export { toJson, entryJson, entryNdjson, errorJson, formatTimestamp, type Json } from "./json.js";
export { entryTree } from "./tree.js";
export { matches, parseFilter, FilterError, type CaptureFilter } from "./filter.js";
