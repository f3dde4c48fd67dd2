import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskstats, type Taskstats, type TypeAttrs } from "@nlwire/codec/families/taskstats";
import { openNetlink, type NetlinkClient } from "../../client/index.js";
import { sleep } from "../client/helpers.js";

// Statistics of a child process, asked of the kernel through the TASKSTATS
// generic netlink family, against what /proc/<pid>/stat and status say about
// the same child. The child does a little work, then stops itself, so that
// its counters hold still while both are read.

const NETLINK_GENERIC = 16;
/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICK_US = 10_000;

interface ProcView {
  comm: string;
  ppid: number;
  nice: number;
  minflt: bigint;
  majflt: bigint;
  utimeUs: number;
  stimeUs: number;
  uid: number;
  gid: number;
  voluntary: bigint;
  involuntary: bigint;
  threads: number;
  schedRunNs: bigint;
  schedDelayNs: bigint;
  schedSlices: bigint;
}

/** /proc/<pid>/stat (fields after the parenthesised comm) and status, for one process. */
function procView(pid: number): ProcView {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state)
  const field = (n: number) => f[n - 3]!;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const line = (k: string) => status.split("\n").find((l) => l.startsWith(`${k}:`))!.split(/\s+/).slice(1);
  return {
    comm, ppid: Number(field(4)), nice: Number(field(19)), minflt: BigInt(field(10)), majflt: BigInt(field(12)),
    utimeUs: Number(field(14)) * TICK_US, stimeUs: Number(field(15)) * TICK_US,
    uid: Number(line("Uid")[0]), gid: Number(line("Gid")[0]),
    voluntary: BigInt(line("voluntary_ctxt_switches")[0]!), involuntary: BigInt(line("nonvoluntary_ctxt_switches")[0]!),
    threads: Number(line("Threads")[0]),
    ...schedstat(pid),
  };
}

function schedstat(pid: number): Pick<ProcView, "schedRunNs" | "schedDelayNs" | "schedSlices"> {
  const [run, delay, slices] = readFileSync(`/proc/${pid}/schedstat`, "utf8").trim().split(" ").map(BigInt);
  return { schedRunNs: run!, schedDelayNs: delay!, schedSlices: slices! };
}

function stateOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!;
}

/** A shell that counts for a while (CPU time and page faults to report), then stops itself. */
async function stoppedChild(): Promise<ChildProcess> {
  const child = spawn("sh", ["-c", "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; kill -STOP $$; exit 3"], { stdio: "ignore" });
  for (let i = 0; i < 500 && stateOf(child.pid!) !== "T"; i++) await sleep(10);
  expect(stateOf(child.pid!)).toBe("T");
  return child;
}

/** The stats of the one aggregate in a TASKSTATS reply. */
function statsOf(replies: readonly { attrs: unknown }[], key: "aggr-pid" | "aggr-tgid"): { id: number | undefined; stats: Taskstats } {
  expect(replies).toHaveLength(1);
  const aggr = (replies[0]!.attrs as TypeAttrs)[key]!;
  return { id: aggr.pid ?? aggr.tgid, stats: aggr.stats! };
}

describe("taskstats of a child process", () => {
  let c: NetlinkClient;
  let child: ChildProcess;
  let proc: ProcView;

  beforeAll(async () => {
    c = openNetlink({ protocol: NETLINK_GENERIC });
    child = await stoppedChild();
    proc = procView(child.pid!);
  });
  afterAll(() => {
    child?.kill("SIGKILL");
    c?.close();
  });

  it("per pid: identity, faults, context switches and CPU time agree with /proc", async () => {
    const pid = child.pid!;
    const { id, stats: s } = statsOf(await c.request(taskstats, "get", { attrs: { pid } }), "aggr-pid");
    expect(id).toBe(pid);
    expect(s.version).toBeGreaterThanOrEqual(13);
    expect({ pid: s["ac-pid"], ppid: s["ac-ppid"], tgid: s["ac-tgid"], comm: s["ac-comm"], uid: s["ac-uid"], gid: s["ac-gid"], nice: s["ac-nice"] })
      .toEqual({ pid, ppid: proc.ppid, tgid: pid, comm: proc.comm, uid: proc.uid, gid: proc.gid, nice: proc.nice });
    expect({ minflt: s["ac-minflt"], majflt: s["ac-majflt"], nvcsw: s.nvcsw, nivcsw: s.nivcsw })
      .toEqual({ minflt: proc.minflt, majflt: proc.majflt, nvcsw: proc.voluntary, nivcsw: proc.involuntary });
    // Delay accounting against /proc/<pid>/schedstat: time on the CPU (ns), time waiting for it (ns), timeslices.
    // (The "virtual" total is the scheduler's exact sum_exec_runtime; the "real" one is utime + stime.)
    expect({ run: s["cpu-run-virtual-total"], delay: s["cpu-delay-total"], count: s["cpu-count"] })
      .toEqual({ run: proc.schedRunNs, delay: proc.schedDelayNs, count: proc.schedSlices });
    expect(proc.schedRunNs).toBeGreaterThan(0n);
    // ac_utime and ac_stime are the same nanoseconds, each truncated to microseconds.
    const realNs = s["cpu-run-real-total"]! - (s["ac-utime"]! + s["ac-stime"]!) * 1000n;
    expect(realNs >= 0n && realNs < 2000n, `${realNs} ns apart`).toBe(true);
    // utime and stime are sampled at ticks, and /proc rounds its to 10 ms and rescales them to the exact runtime.
    expect(Math.abs(Number(s["ac-utime"]! + s["ac-stime"]!) - proc.utimeUs - proc.stimeUs)).toBeLessThanOrEqual(Number(proc.schedRunNs / 1000n) + 2 * TICK_US);
    // The start time, in seconds since 1970, twice: the u32 of version 1 and the u64 of version 10.
    expect(BigInt(s["ac-btime"]!)).toBe(s["ac-btime64"]);
    expect(Math.abs(s["ac-btime"]! - Date.now() / 1000)).toBeLessThan(60);
  });

  it("per tgid: the sums over the process's threads (one here) agree with the pid's own", async () => {
    const pid = child.pid!;
    const { stats: one } = statsOf(await c.request(taskstats, "get", { attrs: { pid } }), "aggr-pid");
    const { id, stats: all } = statsOf(await c.request(taskstats, "get", { attrs: { tgid: pid } }), "aggr-tgid");
    expect(proc.threads).toBe(1);
    expect(id).toBe(pid);
    // The kernel sums context switches, CPU times and delays per thread group; identity fields stay zero.
    expect({ nvcsw: all.nvcsw, nivcsw: all.nivcsw, utime: all["ac-utime"], stime: all["ac-stime"], cpuCount: all["cpu-count"] })
      .toEqual({ nvcsw: proc.voluntary, nivcsw: proc.involuntary, utime: one["ac-utime"], stime: one["ac-stime"], cpuCount: one["cpu-count"] });
    expect(all["ac-pid"]).toBe(0);
  });

  it("a pid that does not exist is ESRCH", async () => {
    // pid_max is at most 2^22: this one cannot exist.
    await expect(c.request(taskstats, "get", { attrs: { pid: 0x7fff_fff0 } })).rejects.toMatchObject({ errnoName: "ESRCH" });
  });
});
