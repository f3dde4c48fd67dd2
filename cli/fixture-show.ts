import { splitDatagram } from "@nlwire/codec";
import { loadFixture } from "../tools/fixture.js";
import { noExtraArgs, str, type Command } from "./command.js";
import { UsageError } from "./exit.js";
import { messageTree } from "./tree.js";

/** `nlwire show FIXTURE`: a recorded exchange from test/fixtures, as a tree (what `npm start` prints). */
export const FIXTURE_SHOW: Command = {
  words: ["show"],
  summary: "print a recorded exchange (a JSON fixture from test/fixtures) as a tree",
  live: false,
  options: { "attrs-at": { type: "string" } },
  help: `usage: nlwire show FILE [--attrs-at N]

Prints the datagrams of a fixture recorded by \`npm run record-fixtures\`, schema-less:
control messages (ERROR, DONE) in full, other payloads as attributes from byte N.

  --attrs-at N   decode attributes from byte N of each payload, after the family's
                 fixed header (16 for RTM_*LINK's ifinfomsg)

example:
  nlwire show test/fixtures/rtnl-newlink-einval-extack.json --attrs-at 16`,
  async run(ctx, p) {
    const [file] = p.args;
    if (!file) throw new UsageError("show wants a fixture FILE");
    noExtraArgs(p, 1);
    const raw = str(p.values, "attrs-at");
    const attrsAt = raw === undefined ? undefined : Number(raw);
    if (attrsAt !== undefined && !(Number.isInteger(attrsAt) && attrsAt >= 0)) throw new UsageError(`--attrs-at wants a byte count, got ${raw}`);
    const fx = loadFixture(file);
    ctx.out(`${fx.description}\n  kernel ${fx.kernel}, protocol ${fx.protocol}, recorded ${fx.recordedOn}`);
    const opts = attrsAt === undefined ? {} : { attrsAt };
    for (const [dir, list] of [["sent", fx.sent], ["received", fx.received]] as const) {
      list.forEach((dgram, i) => {
        const d = splitDatagram(dgram);
        ctx.out(`${dir} datagram ${i}: ${dgram.length} bytes, ${d.messages.length} message(s)`);
        for (const m of d.messages) ctx.out(messageTree(m, opts, 1).join("\n"));
      });
    }
  },
};
