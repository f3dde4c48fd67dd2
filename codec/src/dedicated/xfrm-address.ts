import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "../addr.js";
import { EncodeError, MalformedError } from "../errors.js";

/**
 * xfrm_address_t is a 16-byte union: an IPv4 address in its first 4 bytes
 * or an IPv6 address in all 16, and only a family field elsewhere in the
 * message says which. The xfrm spec keeps these members as bytes; these
 * two helpers turn them into text and back.
 */

const AF_INET = 2;
const AF_INET6 = 10;

/** Text of a 16-byte xfrm address, read as the family (AF_INET 2, AF_INET6 10) says. */
export function xfrmAddressText(b: Uint8Array, family: number): string {
  if (b.length !== 16) throw new MalformedError(`xfrm address of ${b.length} bytes, expected 16`, 0, []);
  if (family === AF_INET) return formatIPv4(b.subarray(0, 4));
  if (family === AF_INET6) return formatIPv6(b);
  throw new MalformedError(`address family ${family} is neither AF_INET nor AF_INET6`, 0, []);
}

/** The 16 bytes of an xfrm address from IPv4 or IPv6 text, and its family. */
export function xfrmAddressBytes(text: string): Uint8Array {
  const b = new Uint8Array(16);
  try {
    b.set(text.includes(":") ? parseIPv6(text) : parseIPv4(text));
  } catch {
    throw new EncodeError(`${text} is not an IPv4 or IPv6 address`, []);
  }
  return b;
}

/** AF_INET6 for IPv6 text, AF_INET for IPv4. */
export const xfrmFamilyOf = (text: string): number => (text.includes(":") ? AF_INET6 : AF_INET);
