import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "rolldown";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../tools/paths.js";
import { linksIn, throwAwayNetns } from "../transport/netns.js";

/** The way to run a shell command without CAP_NET_ADMIN: capsh where it exists, else setpriv. */
function withoutNetAdmin(cmd: string): [string, string[]] {
  if (existsSync("/usr/sbin/capsh") || existsSync("/sbin/capsh")) return ["capsh", ["--drop=cap_net_admin", "--", "-c", cmd]];
  return ["setpriv", ["--inh-caps=-net_admin", "--bounding-set=-net_admin", "sh", "-c", cmd]];
}

describe("without CAP_NET_ADMIN", () => {
  const ns = throwAwayNetns("nlwep");

  it("a mutating request fails with a typed EPERM KernelError (and a dump still works)", async () => {
    // The child runs plain JS: bundle it (codec from source) next to the addon's checkout, so it finds the addon.
    const dir = join(ROOT, "build-tools", `client-test-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      const file = join(dir, "eperm-child.mjs");
      await build({
        input: join(ROOT, "test/client/eperm-child.ts"),
        platform: "node",
        logLevel: "silent",
        resolve: { conditionNames: ["source", "import", "node", "default"] },
        output: { file, format: "esm" },
      });
      const [bin, args] = withoutNetAdmin(`exec node ${file} ${ns.name}`);
      const out = JSON.parse(execFileSync(bin, args, { encoding: "utf8" }));
      expect(out).toMatchObject({ links: linksIn(ns.name).length, kernelError: true, errno: 1, errnoName: "EPERM" });
      expect(linksIn(ns.name).map((l) => l.ifname)).not.toContain("nlwperm");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
