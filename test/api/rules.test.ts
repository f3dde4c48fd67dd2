import { describe, expect, test } from "vitest";
import { NetlinkOperationError, type Rule } from "../../api/index.js";
import { byKey, ipJ, withHandle } from "./helpers.js";
import { ipRules, ruleFields } from "./ip-json.js";

const sortR = (rs: Partial<Rule>[]) => byKey(rs, (r) => `${r.family} ${String(r.priority).padStart(6, "0")} ${r.src} ${r.table}`);

describe("rules", () => {
  test("add with every selector, list agrees with ip -j rule show field for field, delete", async () => {
    await withHandle(async (h, ns) => {
      await h.rules.add({ priority: 100, src: "10.0.0.0/8", dst: "192.168.0.0/16", fwmark: 0x10, fwmask: 0xff, iif: "v0", oif: "v1", table: 100 });
      await h.rules.add({ priority: 101, src: "10.1.0.0/16", invert: true, suppressPrefixlen: 8, table: "main" });
      await h.rules.add({ priority: 102, action: "blackhole" });
      await h.rules.add({ priority: 103, fwmark: 7, table: 1000 });
      await h.rules.add({ priority: 104, action: "unreachable" });
      await h.rules.add({ priority: 200, src: "2001:db8::/32", table: 200 });
      expect(ipJ(ns, "rule show pref 100")[0]).toMatchObject({ src: "10.0.0.0", srclen: 8, dst: "192.168.0.0", dstlen: 16, fwmark: "0x10", fwmask: "0xff", iif: "v0", oif: "v1", table: "100" });
      expect(sortR((await h.rules.list({ family: "inet" })).map(ruleFields))).toEqual(sortR(ipRules(ns, "-4")));
      expect(sortR((await h.rules.list({ family: "inet6" })).map(ruleFields))).toEqual(sortR(ipRules(ns, "-6")));
      expect((await h.rules.list()).length).toBe(ipJ(ns, "-4 rule show").length + ipJ(ns, "-6 rule show").length);

      await h.rules.delete({ priority: 100 });
      await h.rules.delete({ priority: 200, family: "inet6" });
      expect(ipJ(ns, "rule show pref 100")).toEqual([]);
      expect(ipJ(ns, "-6 rule show pref 200")).toEqual([]);
      const gone = (await h.rules.delete({ priority: 100 }).catch((e: unknown) => e)) as NetlinkOperationError;
      expect(gone.errnoName).toBe("ENOENT");
      expect(gone.message).toMatch(/^delete rule 100: ENOENT/);
    });
  });
});
