import { describe, expect, it } from "vitest";
import { splitDatagram } from "@nlwire/codec";
import { messageTree } from "../cli/tree.js";
import { loadFixture } from "../tools/fixture.js";

// What `npm start` (the README's first command) prints, from a reply recorded from the kernel.
const fixture = (name: string) => loadFixture(new URL(`fixtures/${name}.json`, import.meta.url).pathname);

describe("nlwire show", () => {
  it("prints a kernel rejection with its errno, ext-ack text, policy and attribute path", () => {
    const [m] = splitDatagram(fixture("rtnl-newlink-einval-extack").received[0]!).messages;
    const text = messageTree(m!, { attrsAt: 16 }).join("\n");
    expect(text).toMatch(/^message ERROR len=168 flags=ACK_TLVS seq=7/);
    expect(text).toContain("error ERANGE 34 (Math result not representable)");
    expect(text).toContain("kernel says: Attribute failed policy validation");
    expect(text).toContain("offending attribute at request byte 32");
    expect(text).toContain("policy maxLength=15 type=11 typeName=string");
    expect(text).toContain("offending attribute path: 3"); // IFLA_IFNAME
  });

  it("prints attributes after the fixed header, nests and strings readable", () => {
    const [m] = splitDatagram(fixture("rtnl-getlink-dump").received[0]!).messages;
    const text = messageTree(m!, { attrsAt: 16 }).join("\n");
    expect(text).toMatch(/^message type 16 len=\d+ flags=MULTI seq=1/);
    expect(text).toContain('attr 3 6c6f00 "lo"');
  });
});
