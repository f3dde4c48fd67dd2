import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddonUnavailableError } from "../../transport/index.js";
import { COMMANDS } from "../../cli/commands.js";
import { GLOBAL_HELP } from "../../cli/dispatch.js";
import { EXIT, exitCodeOf } from "../../cli/exit.js";
import { GENL_POLICY } from "../../cli/genl.js";
import { linksIn, throwAwayNetns } from "../transport/netns.js";
import { buildCli, runCli, runCliAsync, type Cli } from "./helpers.js";

let cli: Cli;
beforeAll(async () => void (cli = await buildCli()));
afterAll(() => cli.remove());

/** A shell command run without CAP_NET_ADMIN (as test/client/eperm.test.ts does it). */
function withoutNetAdmin(cmd: string): [string, string[]] {
  if (existsSync("/usr/sbin/capsh") || existsSync("/sbin/capsh")) return ["capsh", ["--drop=cap_net_admin", "--", "-c", cmd]];
  return ["setpriv", ["--inh-caps=-net_admin", "--bounding-set=-net_admin", "sh", "-c", cmd]];
}

/** Runs the CLI on a pseudo-terminal (util-linux `script`), so that stdout and stderr are TTYs. */
function onTty(args: string[], env: Record<string, string> = {}): string {
  const line = [process.execPath, cli.bin, ...args].map((a) => `'${a}'`).join(" ");
  const r = spawnSync("script", ["-qec", line, "/dev/null"], { encoding: "utf8", env: { ...process.env, TERM: "xterm", ...env } });
  return r.stdout;
}

describe("exit codes and error messages", () => {
  const ns = throwAwayNetns("nlwerr");

  it("usage errors exit 2 and point at --help", async () => {
    const cases: [string[], RegExp][] = [
      [["nosuch"], /unknown command "nosuch"/],
      [["link", "show", "--nosuch"], /unknown option '--nosuch'/],
      [["link", "show", "--color", "pink"], /--color wants auto, always or never/],
      [["link", "show", "extra"], /unexpected argument "extra"/],
      [["route", "show", "--table", "nosuch", "--netns", ns.name], /--table wants a table name/],
      [["addr", "show", "--family", "ipx", "--netns", ns.name], /--family wants inet/],
      [["monitor", "nosuch"], /monitor follows link, addr/],
      [["monitor", "--duration", "soon"], /--duration wants seconds/],
      [["show"], /show wants a fixture FILE/],
      [["completion", "zsh"], /completion knows bash only/],
      [["decode", "x.pcap", "--record", "y.pcapng"], /--record records live netlink traffic/],
      [["ynl", "--family", "nosuch", "--list-ops"], /unknown family "nosuch"/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCliAsync(cli, args)));
    cases.forEach(([args, msg], i) => {
      const r = results[i]!;
      expect([args, r.code, r.stderr]).toEqual([args, EXIT.usage, expect.stringMatching(msg)]);
      expect(r.stderr).toMatch(/try: nlwire .*--help/);
    });
    expect(runCli(cli, []).code).toBe(EXIT.usage); // no command: the help, on stderr
  });

  it("--help on every command: usage and real examples, exit 0", () => {
    // Every command's text, from the table the dispatcher uses; then the dispatcher itself, spawned.
    for (const c of COMMANDS) {
      expect(c.help).toMatch(new RegExp(`^usage: nlwire ${c.words.join(" ")}`));
      expect(c.help).toMatch(/examples?:\n {2}(source <\()?nlwire /);
    }
    const top = runCli(cli, ["--help"]);
    expect(top.code).toBe(0);
    const listed = [...top.stdout.matchAll(/^ {2}([a-z]+(?: [a-z]+)?) {2,}/gm)].map((m) => m[1]!);
    expect(listed).toEqual(COMMANDS.map((c) => c.words.join(" ")));
    const one = runCli(cli, ["genl", "policy", "--help"]);
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(`${GENL_POLICY.help}\n\n${GLOBAL_HELP}\n`);
    expect(runCli(cli, ["help", "genl", "policy"]).stdout).toBe(one.stdout);
  });

  it("a namespace that does not exist is an I/O error (exit 3)", () => {
    const r = runCli(cli, ["link", "show", "--netns", "nlw-no-such-netns"]);
    expect(r.code).toBe(EXIT.io);
    expect(r.stderr).toContain("ENOENT");
  });

  it("without CAP_NET_ADMIN a change is refused: EPERM, exit 4, and nothing changes; reading still works", () => {
    const req = JSON.stringify({ ifname: "nlweperm", linkinfo: { kind: "veth" } });
    const quote = (a: string) => `'${a}'`;
    const line = (args: string[]) => [process.execPath, cli.bin, ...args].map(quote).join(" ");
    const [bin, args] = withoutNetAdmin(`${line(["ynl", "--netns", ns.name, "--family", "rt-link", "--do", "newlink", "--create", "--excl", "--json", req])}; echo "exit=$?"`);
    const out = execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(out).toContain(`exit=${EXIT.privilege}`);
    const [bin2, args2] = withoutNetAdmin(`${line(["ynl", "--netns", ns.name, "--family", "rt-link", "--do", "newlink", "--create", "--excl", "--json", req])} 2>&1 >/dev/null`);
    const err = spawnSync(bin2, args2, { encoding: "utf8" }).stdout;
    expect(err).toContain("rt-link newlink: kernel error EPERM (errno 1: Operation not permitted)");
    expect(err).toContain("CAP_NET_ADMIN");
    expect(linksIn(ns.name).map((l) => l.ifname)).not.toContain("nlweperm");
    const [bin3, args3] = withoutNetAdmin(`${line(["link", "show", "--netns", ns.name, "-j"])}`);
    expect(JSON.parse(execFileSync(bin3, args3, { encoding: "utf8" })).length).toBe(linksIn(ns.name).length);
  });

  it("a corrupt or missing capture is an I/O error (exit 3)", () => {
    const junk = join(cli.dir, "junk.pcap");
    writeFileSync(junk, Buffer.from("this is not a capture file at all, just text\n"));
    const r = runCli(cli, ["decode", junk]);
    expect(r.code).toBe(EXIT.io);
    expect(r.stderr).toContain(junk);
    expect(runCli(cli, ["decode", junk, "--summary"]).code).toBe(EXIT.io);
    const missing = runCli(cli, ["decode", join(cli.dir, "none.pcapng")]);
    expect(missing.code).toBe(EXIT.io);
    expect(runCli(cli, ["decode", join(cli.dir, "none.pcapng"), "--summary"]).code).toBe(EXIT.io);
  });

  it("no native addon: exit 4, like a missing privilege (nothing can reach the kernel)", () => {
    expect(exitCodeOf(new AddonUnavailableError("/x.node", "missing", "gone"))).toBe(EXIT.privilege);
  });

  it("colours only on a TTY, never with NO_COLOR; --color always/never override the TTY test", () => {
    const args = ["link", "show", "--netns", ns.name];
    expect(onTty(args)).toContain("\x1b[1mINDEX");
    expect(onTty(args, { NO_COLOR: "1" })).not.toContain("\x1b[");
    expect(onTty([...args, "--color", "never"])).not.toContain("\x1b[");
    expect(runCli(cli, args).stdout).not.toContain("\x1b[");
    expect(runCli(cli, [...args, "--color", "always"]).stdout).toContain("\x1b[1mINDEX");
    expect(runCli(cli, [...args, "--color", "always"], { env: { NO_COLOR: "1" } }).stdout).not.toContain("\x1b[");
  });
});
