import type { Command } from "./command.js";
import { GLOBAL_HELP } from "./dispatch.js";
import { completionCommand } from "./completion.js";
import { DECODE } from "./decode-command.js";
import { FIXTURE_SHOW } from "./fixture-show.js";
import { GENL_LIST, GENL_POLICY } from "./genl.js";
import { MONITOR } from "./monitor.js";
import { SHOW_COMMANDS } from "./show.js";
import { YNL } from "./ynl.js";

/** Every subcommand, in the order the main help lists them. */
export const COMMANDS: Command[] = [
  ...SHOW_COMMANDS,
  MONITOR,
  YNL,
  GENL_LIST,
  GENL_POLICY,
  DECODE,
  completionCommand(() => COMMANDS),
  FIXTURE_SHOW,
];

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.words.join(" ").length));
  return [
    "usage: nlwire COMMAND [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.words.join(" ").padEnd(width)}  ${c.summary}`),
    "",
    GLOBAL_HELP,
    "",
    "examples:",
    "  nlwire link show --netns blue",
    "  nlwire -j route show --table main",
    "  nlwire monitor link addr -j",
    "  nlwire ynl --family netdev --dump dev-get",
    "  nlwire genl policy nlctrl getfamily",
    "  nlwire decode trace.pcapng --summary",
    "",
    "exit codes: 0 ok, 1 kernel error, 2 usage error, 3 I/O or bad input file, 4 not permitted / no native addon",
  ].join("\n");
}
