#!/usr/bin/env node
/**
 * The nlwire command line. For now it shows recorded netlink traffic; live
 * commands arrive with the client.
 */
import { parseArgs } from "node:util";
import { isCodecError, splitDatagram } from "@nlwire/codec";
import { loadFixture } from "../tools/fixture.js";
import { messageTree } from "./tree.js";

const USAGE = `usage: nlwire show FILE [--attrs-at N]

  show FILE        print a recorded exchange (a JSON fixture from test/fixtures)
  --attrs-at N     decode attributes from byte N of each payload, after the
                   family's fixed header (16 for RTM_*LINK's ifinfomsg)

example:
  nlwire show test/fixtures/rtnl-newlink-einval-extack.json --attrs-at 16`;

const EXIT_USAGE = 64;
const EXIT_DATA = 65;

function show(file: string, attrsAt: number | undefined): void {
  const fx = loadFixture(file);
  console.log(`${fx.description}\n  kernel ${fx.kernel}, protocol ${fx.protocol}, recorded ${fx.recordedOn}`);
  const opts = attrsAt === undefined ? {} : { attrsAt };
  for (const [dir, list] of [["sent", fx.sent], ["received", fx.received]] as const) {
    list.forEach((dgram, i) => {
      const d = splitDatagram(dgram);
      console.log(`${dir} datagram ${i}: ${dgram.length} bytes, ${d.messages.length} message(s)`);
      for (const m of d.messages) console.log(messageTree(m, opts, 1).join("\n"));
    });
  }
}

function main(argv: string[]): number {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { "attrs-at": { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [cmd, file] = positionals;
  if (values.help || cmd !== "show" || !file) {
    console.error(USAGE);
    return values.help ? 0 : EXIT_USAGE;
  }
  const attrsAt = values["attrs-at"] === undefined ? undefined : Number(values["attrs-at"]);
  if (attrsAt !== undefined && !(Number.isInteger(attrsAt) && attrsAt >= 0)) {
    console.error(`nlwire: --attrs-at wants a byte count, got ${values["attrs-at"]}`);
    return EXIT_USAGE;
  }
  try {
    show(file, attrsAt);
    return 0;
  } catch (e) {
    if (!isCodecError(e)) throw e;
    console.error(`nlwire: ${file}: ${e.message}`);
    return EXIT_DATA;
  }
}

process.exitCode = main(process.argv.slice(2));
