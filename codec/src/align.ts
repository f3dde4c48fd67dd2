/** Netlink aligns messages and attributes to 4 bytes (NLMSG_ALIGNTO = NLA_ALIGNTO). */
export const NL_ALIGNTO = 4;
export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;
export const GENL_HDRLEN = 4;

export function align4(n: number): number {
  return n + padLength(n);
}

/** Bytes of padding that follow `n` bytes of payload. */
export function padLength(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** True on little-endian hosts. Netlink headers use the host's byte order. */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
