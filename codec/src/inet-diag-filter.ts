import { EncodeError } from "./errors.js";
import { ByteWriter } from "./writer.js";

/**
 * The filter program of an inet_diag dump (the INET_DIAG_REQ_BYTECODE
 * attribute of sock-diag's inet-diag op), for port conditions: the kernel
 * runs it on every socket and reports only those it accepts.
 *
 * A program is a row of struct inet_diag_bc_op { u8 code; u8 yes; u16 no }
 * (linux/inet_diag.h), each step jumping `yes` bytes on when its condition
 * holds and `no` bytes when it fails. Landing exactly on the end accepts
 * the socket; landing 4 bytes past it rejects it. A port condition is two
 * steps: the op, then a step whose `no` field holds the port.
 */

/** INET_DIAG_BC_* codes of the port conditions. */
const CODES = { "sport>=": 2, "sport<=": 3, "dport>=": 4, "dport<=": 5, "sport==": 11, "dport==": 12 } as const;

export type PortTest = keyof typeof CODES;

export interface PortCondition {
  test: PortTest;
  port: number;
}

const STEP = 8;

/** A program that accepts a socket when all `conds` hold (an empty list accepts every socket). */
export function inetDiagPortFilter(conds: readonly PortCondition[]): Uint8Array {
  const len = conds.length * STEP;
  const w = new ByteWriter();
  conds.forEach((c, i) => {
    if (!Number.isInteger(c.port) || c.port < 0 || c.port > 0xffff) throw new EncodeError(`port ${c.port} is not a u16`, [i, "port"]);
    const code = CODES[c.test];
    if (code === undefined) throw new EncodeError(`unknown port test ${String(c.test)}`, [i, "test"]);
    // On failure jump past the end (reject); on success go to the next condition.
    w.u8(code).u8(STEP).u16(len - i * STEP + 4);
    w.u8(0).u8(0).u16(c.port);
  });
  return w.finish();
}
