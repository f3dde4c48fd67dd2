import type { FlagContext } from "../header.js";
import { NLMSG_ERROR } from "../header.js";
import type { CaptureEntry } from "./decode.js";

/**
 * The flag context of a message: the upper NLM_F bits mean GET, NEW or
 * DELETE modifiers in requests, and CAPPED/ACK_TLVS in ACKs.
 */
export function flagContext(e: CaptureEntry): FlagContext {
  if (e.header?.type === NLMSG_ERROR) return "ack";
  if (e.direction !== "to-kernel") return "none";
  const op = e.message?.op ?? "";
  if (/(^|-)(get|dump)/.test(op)) return "get";
  if (/(^|-)(new|add|set)/.test(op)) return "new";
  if (/(^|-)del/.test(op)) return "delete";
  // Ops named for their object (sock_diag's inet-diag): a dump request is a GET.
  return (e.header!.flags & 0x300) === 0x300 ? "get" : "none";
}
