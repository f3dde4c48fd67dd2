import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Progress, progressLine } from "../../cli/progress.js";
import { useColor, useProgress } from "../../cli/style.js";
import { FIXTURES_DIR } from "../../tools/paths.js";
import { buildCli, runCli, type Cli } from "./helpers.js";

let cli: Cli;
beforeAll(async () => void (cli = await buildCli()));
afterAll(() => cli.remove());

describe("terminal decisions", () => {
  it("colour: auto means a TTY without NO_COLOR (any non-empty value) and not TERM=dumb", () => {
    const tty = { isTTY: true, env: {} };
    expect(useColor("auto", tty)).toBe(true);
    expect(useColor("auto", { isTTY: false, env: {} })).toBe(false);
    expect(useColor("auto", { isTTY: true, env: { NO_COLOR: "1" } })).toBe(false);
    expect(useColor("auto", { isTTY: true, env: { NO_COLOR: "" } })).toBe(true);
    expect(useColor("auto", { isTTY: true, env: { TERM: "dumb" } })).toBe(false);
    expect(useColor("always", { isTTY: false, env: {} })).toBe(true);
    expect(useColor("always", { isTTY: false, env: { NO_COLOR: "x" } })).toBe(false);
    expect(useColor("never", tty)).toBe(false);
  });

  it("progress: only on a TTY stderr; drawn after the delay, at most every 100 ms, and erased", async () => {
    expect(useProgress({ isTTY: false, env: {} })).toBe(false);
    expect(useProgress({ isTTY: true, env: {} })).toBe(true);
    const written: string[] = [];
    const sink = { write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream;
    const quick = new Progress(sink, 100, "decoding");
    quick.update(50);
    quick.end();
    expect(written).toEqual([]); // under the delay: nothing at all
    const slow = new Progress(sink, 4_000_000, "decoding", 0);
    slow.update(1_000_000);
    slow.update(2_000_000); // within 100 ms of the last: skipped
    await new Promise((r) => setTimeout(r, 120));
    slow.update(3_000_000);
    slow.end();
    expect(written).toEqual([`\r${progressLine("decoding", 1e6, 4e6)}`, `\r${progressLine("decoding", 3e6, 4e6)}`, "\r\x1b[K"]);
    expect(progressLine("decoding", 1e6, 4e6)).toBe("decoding [=======>                      ]  25%  1.0 of 4.0 MB");
  });
});

describe("bash completion", () => {
  let script = "";
  beforeAll(() => void (script = runCli(cli, ["completion", "bash"]).stdout));
  const complete = (words: string[]): string[] => {
    const line = `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _nlwire; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync("bash", ["-c", `${script}\n${line}`], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    return r.stdout.split("\n").filter(Boolean);
  };

  it("completes commands, subcommands, options, family names and monitor's objects", () => {
    expect(complete(["nlwire", ""])).toEqual(expect.arrayContaining(["link", "addr", "route", "neigh", "rule", "monitor", "ynl", "genl", "decode", "completion"]));
    expect(complete(["nlwire", "ge"])).toEqual(["genl"]);
    expect(complete(["nlwire", "genl", ""])).toEqual(["list", "policy"]);
    expect(complete(["nlwire", "route", "show", "--t"])).toEqual(["--table"]);
    expect(complete(["nlwire", "ynl", "--family", "rt-"])).toEqual(expect.arrayContaining(["rt-link", "rt-route", "rt-addr"]));
    expect(complete(["nlwire", "monitor", "ro"])).toEqual(["route"]);
    expect(complete(["nlwire", "decode", "x", "--su"])).toEqual(["--summary"]);
    expect(complete(["nlwire", "link", "show", "--color", ""])).toEqual(["auto", "always", "never"]);
  });
});

describe("nlwire show FIXTURE (what npm start prints)", () => {
  it("prints the recorded ERANGE reply with its ext-ack, policy and attribute path", () => {
    const r = runCli(cli, ["show", join(FIXTURES_DIR, "rtnl-newlink-einval-extack.json"), "--attrs-at", "16"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("received datagram 0: 168 bytes, 1 message(s)");
    expect(r.stdout).toContain("kernel says: Attribute failed policy validation");
    expect(r.stdout).toContain("offending attribute path: 3");
    expect(runCli(cli, ["show", join(FIXTURES_DIR, "nope.json")]).code).toBe(3);
  });
});
