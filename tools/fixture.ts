import { readFileSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { formatHex, parseHex } from "@nlwire/codec";

/**
 * A recorded exchange with the kernel, stored as JSON so that fixtures are
 * readable in review: what was sent and every datagram received, as hex,
 * with the commands that produced the kernel state.
 */
export interface Fixture {
  description: string;
  /** The commands that built the state, and the recorder invocation. */
  producedBy: string[];
  kernel: string;
  recordedOn: string;
  /** Netlink protocol number (0 = NETLINK_ROUTE, 16 = NETLINK_GENERIC, ...). */
  protocol: number;
  /** Generic netlink family ids as they were on the recording machine. */
  genlFamilies?: Record<string, number>;
  sent: Uint8Array[];
  received: Uint8Array[];
  /**
   * What an independent tool (ip, tc, bridge, nft, conntrack, ethtool, genl)
   * reported for the same state, taken in the same namespace right after the
   * recording: parsed JSON where the tool has a JSON mode, else its output
   * lines. Absent from fixtures recorded before it existed.
   */
  crossCheck?: CrossCheck[];
}

export interface CrossCheck {
  command: string;
  output: unknown;
}

interface FixtureJson extends Omit<Fixture, "sent" | "received"> {
  sent: string[];
  received: string[];
}

/** The `kernel` and `recordedOn` of a fixture recorded now, on this machine. */
export function recordingStamp(): Pick<Fixture, "kernel" | "recordedOn"> {
  return { kernel: release(), recordedOn: new Date().toISOString().slice(0, 10) };
}

export function loadFixture(path: string): Fixture {
  const j = JSON.parse(readFileSync(path, "utf8")) as FixtureJson;
  return { ...j, sent: j.sent.map(parseHex), received: j.received.map(parseHex) };
}

export function saveFixture(path: string, f: Fixture): void {
  const j: FixtureJson = { ...f, sent: f.sent.map(formatHex), received: f.received.map(formatHex) };
  writeFileSync(path, JSON.stringify(j, null, 2) + "\n");
}
