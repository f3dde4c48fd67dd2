import { readFileSync, writeFileSync } from "node:fs";
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
}

interface FixtureJson extends Omit<Fixture, "sent" | "received"> {
  sent: string[];
  received: string[];
}

export function loadFixture(path: string): Fixture {
  const j = JSON.parse(readFileSync(path, "utf8")) as FixtureJson;
  return { ...j, sent: j.sent.map(parseHex), received: j.received.map(parseHex) };
}

export function saveFixture(path: string, f: Fixture): void {
  const j: FixtureJson = { ...f, sent: f.sent.map(formatHex), received: f.received.map(formatHex) };
  writeFileSync(path, JSON.stringify(j, null, 2) + "\n");
}
