import {
  AttrCursor, ByteReader, FamilyRegistry, MessageCursor, NLMSG_MIN_TYPE, WIRE_NOTES,
  type DecodedMessage, type Family, type Obj,
} from "@nlwire/codec";
import { conntrack } from "@nlwire/codec/families/conntrack";
import { ethtool } from "@nlwire/codec/families/ethtool";
import { mptcpPm } from "@nlwire/codec/families/mptcp-pm";
import { netdev } from "@nlwire/codec/families/netdev";
import { nftables } from "@nlwire/codec/families/nftables";
import { nlctrl } from "@nlwire/codec/families/nlctrl";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtNeigh } from "@nlwire/codec/families/rt-neigh";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { rtRule } from "@nlwire/codec/families/rt-rule";
import { tc } from "@nlwire/codec/families/tc";
import { tcpMetrics } from "@nlwire/codec/families/tcp-metrics";
import { loadFixture, type CrossCheck, type Fixture } from "../../../tools/fixture.js";

/**
 * Decoding for the cross-check: the generated families (the same models the
 * interpreter runs from the specs), and the kernel's messages of a fixture.
 */

const DIR = new URL("../../fixtures/families/", import.meta.url).pathname;

const families: Family[] = [
  rtLink, rtAddr, rtRoute, rtNeigh, rtRule, tc, nftables, conntrack, ethtool, netdev, nlctrl, mptcpPm, tcpMetrics,
].map((t) => t.family);
const registry = new FamilyRegistry(families);

export function family(name: string): Family {
  const f = registry.family(name);
  if (!f) throw new Error(`no family ${name}`);
  return f;
}

export interface Recorded {
  name: string;
  fixture: Fixture;
  /** Every message the kernel sent, in order (control messages left out). */
  messages: DecodedMessage[];
}

/** A fixture by file name (without .json), with the kernel's messages decoded. */
export function recorded(name: string): Recorded {
  const fixture = loadFixture(`${DIR}${name}.json`);
  for (const [n, id] of Object.entries(fixture.genlFamilies ?? {})) registry.learnGenl(id, n);
  const messages: DecodedMessage[] = [];
  for (const d of fixture.received) {
    const r = new ByteReader(d);
    const c = new MessageCursor(r);
    while (c.next()) {
      if (c.type < NLMSG_MIN_TYPE) continue;
      const f = registry.forMessage(fixture.protocol, c.type);
      if (!f) throw new Error(`${name}: no family for type ${c.type}`);
      const header = { length: c.length, type: c.type, flags: c.flags, seq: c.seq, pid: c.pid };
      messages.push(f.decodeAt(r, c.payloadOffset, c.offset + c.length, header, { fromKernel: true, strict: true }));
    }
  }
  return { name, fixture, messages };
}

/** The output of the fixture's cross-check command that contains `command`. */
export function toolOutput<T>(rec: Recorded, command: string): T {
  const cc: CrossCheck | undefined = rec.fixture.crossCheck?.find((c) => c.command.includes(command));
  if (!cc) throw new Error(`${rec.name}: no cross-check "${command}"`);
  return cc.output as T;
}

/**
 * Decodes bytes that the spec leaves binary with one of the family's own
 * attribute sets (e.g. IFLA_PROTINFO of an AF_BRIDGE link holds IFLA_BRPORT_*).
 */
export function decodeAs(f: Family, setName: string, bytes: Uint8Array): Obj {
  const ctx = { r: new ByteReader(bytes), path: [], parents: [], strict: true };
  return f.compiler.set(setName).decode(ctx, 0, bytes.length);
}

/** Bytes after a struct that the spec describes as shorter (kept by the codec as a wire note). */
export function structTail(o: Obj, key: string): Uint8Array | undefined {
  return o[WIRE_NOTES]?.tail?.[key];
}

/** The attributes of a blob the spec leaves binary, by type: for kinds no spec describes. */
export function rawAttrs(bytes: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const c = new AttrCursor(new ByteReader(bytes), 0, bytes.length);
  while (c.next()) out.set(c.type, bytes.subarray(c.valueOffset, c.valueOffset + c.valueLength));
  return out;
}

export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** An unsigned integer in network byte order (IFLA_VXLAN_PORT, NFTA_LIMIT_*, ...). */
export function beUint(b: Uint8Array | undefined): number | undefined {
  if (!b) return undefined;
  return b.reduce((v, x) => v * 256 + x, 0);
}

/** An unsigned integer in host byte order; the fixtures were recorded on little-endian x86-64. */
export function hostUint(b: Uint8Array | undefined): number | undefined {
  if (!b) return undefined;
  return b.reduceRight((v, x) => v * 256 + x, 0);
}
