import { parseArgs } from "node:util";
import type { Command, OptionSpec, Parsed } from "./command.js";
import { UsageError } from "./exit.js";
import type { GlobalOptions } from "./context.js";
import type { ColorWhen } from "./style.js";

/** Options every command takes, wherever they stand on the line. */
export const GLOBAL_OPTIONS: OptionSpec = {
  netns: { type: "string", short: "n" },
  json: { type: "boolean", short: "j" },
  record: { type: "string" },
  color: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
};

export const GLOBAL_HELP = `global options (any command):
  -n, --netns NAME   work in the network namespace NAME (/run/netns/NAME) or at a path
  -j, --json         JSON output (NDJSON for streams: monitor, subscribe)
  --record FILE      also write every netlink datagram sent and received into FILE (pcapng)
  --color WHEN       auto (default: on a TTY, never when NO_COLOR is set), always, never
  -h, --help         this help; \`nlwire COMMAND --help\` for a command's own`;

export interface Invocation {
  command: Command | undefined;
  /** The words that named no command, when none matched. */
  unknown: string[];
  globals: GlobalOptions;
  parsed: Parsed;
  help: boolean;
  version: boolean;
}

/**
 * Finds the command the words name (the longest match: "genl policy" before
 * "genl"); a group word alone ("link") means its default, "show", like `ip`.
 * Then parses the whole line strictly with the global and the command's options.
 */
export function dispatch(argv: string[], commands: readonly Command[]): Invocation {
  const loose = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true });
  const words = loose.positionals;
  let command = longestMatch(words, commands);
  if (!command && words.length === 1) command = commands.find((c) => c.words.length === 2 && c.words[0] === words[0] && c.words[1] === "show");
  if (command?.raw) {
    const at = argv.indexOf(command.words[0]!);
    return invocation(command, words, loose.values, [...argv.slice(0, at), ...argv.slice(at + 1)]);
  }
  const options = { ...GLOBAL_OPTIONS, ...(command?.options ?? {}) };
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true }));
  } catch (e) {
    if (loose.values.help || !command) return invocation(command, words, loose.values, words);
    throw new UsageError((e as Error).message.replace(/^Unknown option/, "unknown option").split(". ")[0]!);
  }
  const taken = command && command.words.every((w, i) => positionals[i] === w) ? command.words.length : command ? 1 : 0;
  return invocation(command, words, values, positionals.slice(taken));
}

function longestMatch(words: string[], commands: readonly Command[]): Command | undefined {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.words.every((w, i) => words[i] === w) && c.words.length > (best?.words.length ?? 0)) best = c;
  }
  return best;
}

function invocation(command: Command | undefined, words: string[], values: Parsed["values"], args: string[]): Invocation {
  const color = (values.color ?? "auto") as string;
  if (!["auto", "always", "never"].includes(color)) throw new UsageError(`--color wants auto, always or never, got "${color}"`);
  const globals: GlobalOptions = { json: values.json === true, color: color as ColorWhen };
  if (typeof values.netns === "string") globals.netns = values.netns;
  if (typeof values.record === "string") globals.record = values.record;
  return { command, unknown: command ? [] : words, globals, parsed: { args, values }, help: values.help === true, version: values.version === true };
}
