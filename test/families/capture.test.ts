import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rtNexthop } from "@nlwire/codec/families/rt-nexthop";
import { sockDiag } from "@nlwire/codec/families/sock-diag";
import { taskstats } from "@nlwire/codec/families/taskstats";
import { decodeCaptureFile, recordTo } from "../../capture/index.js";
import { NetlinkClient } from "../../client/index.js";
import { openNative } from "../../transport/index.js";
import { fileNetns } from "./netns.js";

// Live sessions with project families, recorded to pcapng and decoded
// offline by the capture decoder with its default registry: each message
// comes back with its family and op (TASKSTATS through the nlctrl lookup the
// recording holds).

const ns = fileNetns("nlw-fcap", ["link add v0 type veth peer name v1", "link set v0 up", "link set v1 up", "nexthop add id 7 dev v0"]);

async function record(path: string, protocol: number, netns: string | undefined, session: (c: NetlinkClient) => Promise<void>): Promise<void> {
  const { transport } = recordTo(openNative(netns === undefined ? { protocol } : { protocol, netns }), path);
  const c = new NetlinkClient(transport);
  try {
    await session(c);
  } finally {
    c.close();
  }
}

async function decoded(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of decodeCaptureFile(path)) {
    if (e.message?.op) out.push(`${e.family} ${e.message.op} ${e.message.kind}`);
    expect(e.problems, JSON.stringify(e.note)).toBeUndefined();
  }
  return out;
}

describe("captures of project families", () => {
  it("decode sock_diag, nexthop and taskstats sessions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nlw-fcap-"));
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await record(join(dir, "diag.pcapng"), 4, ns(), async (c) => {
        for await (const _ of c.dump(sockDiag, "netlink-diag", { fixed: { "sdiag-family": "netlink", "sdiag-protocol": 255 } })) void _;
      });
      await record(join(dir, "nh.pcapng"), 0, ns(), async (c) => {
        for await (const _ of c.dump(rtNexthop, "getnexthop", { fixed: { "nh-family": 0 } })) void _;
      });
      await record(join(dir, "ts.pcapng"), 16, undefined, async (c) => {
        await c.request(taskstats, "get", { attrs: { pid: child.pid! } });
      });
      const diag = await decoded(join(dir, "diag.pcapng"));
      expect(diag[0]).toBe("sock-diag netlink-diag request");
      expect(diag.filter((x) => x === "sock-diag netlink-diag reply").length).toBeGreaterThan(3);
      expect(await decoded(join(dir, "nh.pcapng"))).toEqual(["rt-nexthop getnexthop request", "rt-nexthop getnexthop reply"]);
      expect(await decoded(join(dir, "ts.pcapng"))).toEqual(expect.arrayContaining(["TASKSTATS get request", "TASKSTATS get reply"]));
    } finally {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
