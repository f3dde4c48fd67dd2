import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { wireTwoNamespaces } from "../../api/examples/wire-two-namespaces.js";
import { withNetns } from "../../tools/netns.js";
import { ROOT } from "../../tools/paths.js";
import { ipJ } from "./helpers.js";

const EXAMPLE = "api/examples/wire-two-namespaces.ts";

describe("the walkthrough in docs/api.md", () => {
  test("the doc shows exactly the example file", () => {
    const doc = readFileSync(join(ROOT, "docs", "api.md"), "utf8");
    const block = new RegExp(`<!-- example: ${EXAMPLE.replace(/[./]/g, "\\$&")} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\n`).exec(doc)?.[1];
    expect(block).toBe(readFileSync(join(ROOT, EXAMPLE), "utf8"));
  });

  test("runs, and ip sees what it did", async () => {
    await withNetns(async (left) => {
      await withNetns(async (right) => {
        const { route, events } = await wireTwoNamespaces(left, right);
        // The kernel's lookup, through the API and through ip, agree.
        const west = ipJ<{ ifindex: number }[]>(left, "link show west")[0]!;
        expect(route).toMatchObject({ dst: "10.0.2.1/32", gateway: "192.168.50.2", oif: west.ifindex, metrics: { mtu: 1400 } });
        expect(ipJ(left, "route get 10.0.2.1")[0]).toMatchObject({ dev: "west", gateway: "192.168.50.2" });
        expect(ipJ(right, "route show default")[0]).toMatchObject({ gateway: "192.168.50.1", dev: "east" });
        expect(ipJ<{ addr_info: { local: string }[] }[]>(right, "addr show east")[0]!.addr_info.map((a) => a.local)).toContain("192.168.50.2");
        expect(ipJ(right, "link show east")[0]).toMatchObject({ mtu: 1300 });
        // The far side's events: what was there (synthetic), resynced twice, then the MTU change.
        expect(events.some((e) => e.type === "link" && e.synthetic && e.link.ifname === "east")).toBe(true);
        expect(events.some((e) => e.type === "address" && e.synthetic && e.address.local === "10.0.2.1")).toBe(true);
        expect(events.filter((e) => e.type === "resynced")).toHaveLength(2);
        expect(events.at(-1)).toMatchObject({ type: "link", change: "changed", link: { ifname: "east", mtu: 1300 } });
      }, "nlw-api-right");
    }, "nlw-api-left");
  });
});
