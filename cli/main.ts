#!/usr/bin/env node
/**
 * The nlwire command line: a dispatcher over the subcommands in
 * commands.ts, with the options they all share (--netns, --json, --record,
 * --color, --help) and one exit code per kind of failure (exit.ts).
 */
import { COMMANDS, mainHelp } from "./commands.js";
import { Context } from "./context.js";
import { dispatch, GLOBAL_HELP } from "./dispatch.js";
import { describeError, EXIT, exitCodeOf, UsageError } from "./exit.js";

const VERSION = "0.1.0";

async function main(argv: string[]): Promise<number> {
  let inv;
  try {
    inv = dispatch(argv, COMMANDS);
  } catch (e) {
    return usage(e as Error, undefined);
  }
  const { command } = inv;
  if (inv.version) return print(`nlwire ${VERSION}`);
  if (!command && inv.unknown[0] === "help" && inv.unknown.length > 1) return main([...inv.unknown.slice(1), "--help"]);
  if (!command) {
    if (inv.help || !inv.unknown.length) return print(mainHelp(), inv.help ? EXIT.ok : EXIT.usage, !inv.help);
    return usage(new UsageError(`unknown command "${inv.unknown.join(" ")}"`), undefined);
  }
  if (inv.help) return print(`${command.help}\n\n${GLOBAL_HELP}`);
  if (inv.globals.record && !command.live) return usage(new UsageError("--record records live netlink traffic; this command has none"), command.words.join(" "));
  const ctx = new Context(inv.globals);
  try {
    return (await command.run(ctx, inv.parsed)) ?? EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) return usage(e, command.words.join(" "));
    const lines = describeError(e);
    ctx.warn(`nlwire: ${ctx.paint("red", lines[0] ?? "error")}`, ...lines.slice(1));
    return exitCodeOf(e);
  } finally {
    ctx.close();
  }
}

function print(text: string, code: number = EXIT.ok, toStderr = false): number {
  (toStderr ? process.stderr : process.stdout).write(text + "\n");
  return code;
}

function usage(e: Error, command: string | undefined): number {
  process.stderr.write(`nlwire: ${e.message}\ntry: nlwire ${command ? `${command} ` : ""}--help\n`);
  return EXIT.usage;
}

// A reader that went away (`nlwire ... | head`) is not an error: stop quietly, as Unix tools do.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(EXIT.ok);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`nlwire: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = EXIT.io;
  },
);
