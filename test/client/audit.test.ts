import { audit } from "@nlwire/codec/families/audit";
import { describe, expect, it } from "vitest";
import { openNetlink } from "../../client/index.js";

/**
 * Audit answers from a kernel thread, with port id 0 and after the ACK: the
 * client's request() and dump() must wait for those answers all the same.
 * Reads only: the host's audit configuration is not changed.
 */
const NETLINK_AUDIT = 9;

describe("the client on NETLINK_AUDIT", () => {
  it("request() resolves with audit's status reply, which comes after the ACK", async () => {
    const c = openNetlink({ protocol: NETLINK_AUDIT, timeoutMs: 2000 });
    try {
      const [status, more] = await c.request(audit, "get", {});
      expect(more).toBeUndefined();
      expect(status?.op).toBe("get");
      expect(status?.fixed).toHaveProperty("backlog-limit");
    } finally {
      c.close();
    }
  });

  it("dump() of the rule list ends at audit's empty NLMSG_DONE", async () => {
    const c = openNetlink({ protocol: NETLINK_AUDIT, timeoutMs: 2000 });
    try {
      const rules = await c.dump(audit, "list-rules").toArray();
      expect(Array.isArray(rules)).toBe(true);
      expect(rules.every((r) => r.op === "list-rules")).toBe(true);
    } finally {
      c.close();
    }
  });
});
