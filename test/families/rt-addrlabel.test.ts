import { describe, expect, it } from "vitest";
import type { DecodedMessage } from "@nlwire/codec";
import { rtAddrlabel, type AddrlabelAttrs, type Ifaddrlblmsg } from "@nlwire/codec/families/rt-addrlabel";
import { openNetlink } from "../../client/index.js";
import { ip } from "../../tools/netns.js";
import { fileNetns } from "./netns.js";

// The IPv6 address label table: the kernel's defaults plus one label added
// by ip and one by nlwire, against `ip -j addrlabel`.

const ns = fileNetns("nlw-al", ["addrlabel add prefix 2001:db8:1::/48 label 99"]);
type Label = DecodedMessage & { fixed: Ifaddrlblmsg; attrs: AddrlabelAttrs };

async function dump(ns: string): Promise<{ address: string; prefixlen: number; label: number }[]> {
  const c = openNetlink({ protocol: 0, netns: ns });
  try {
    const out = [];
    for await (const m of c.dump(rtAddrlabel, "getaddrlabel", { fixed: { "ifal-family": 10 } })) {
      const l = m as Label;
      out.push({ address: String(l.attrs.address), prefixlen: l.fixed["ifal-prefixlen"]!, label: l.attrs.label! });
    }
    return out;
  } finally {
    c.close();
  }
}

describe("rt-addrlabel", () => {
  it("dumps the label table as ip -j addrlabel shows it", async () => {
    const ours = await dump(ns());
    expect(ours).toEqual(JSON.parse(ip(["-n", ns(), "-j", "addrlabel"])));
    expect(ours).toContainEqual({ address: "2001:db8:1::", prefixlen: 48, label: 99 });
  });

  it("adds and deletes a label that ip then sees", async () => {
    const c = openNetlink({ protocol: 0, netns: ns() });
    try {
      const fixed = { "ifal-family": 10, "ifal-prefixlen": 64 };
      await c.request(rtAddrlabel, "newaddrlabel", { fixed, attrs: { address: "2001:db8:2:3::", label: 1234 } }, { flags: 0x600 });
      expect(JSON.parse(ip(["-n", ns(), "-j", "addrlabel"]))).toContainEqual({ address: "2001:db8:2:3::", prefixlen: 64, label: 1234 });
      await c.request(rtAddrlabel, "deladdrlabel", { fixed, attrs: { address: "2001:db8:2:3::", label: 1234 } });
      expect(await dump(ns())).not.toContainEqual(expect.objectContaining({ label: 1234 }));
    } finally {
      c.close();
    }
  });
});
