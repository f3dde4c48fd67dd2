// Run (bundled) by eperm.test.ts in a process without CAP_NET_ADMIN: prints what the client saw.
import { NLM_F } from "@nlwire/codec";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { KernelError, openNetlink } from "../../client/index.js";

const c = openNetlink({ protocol: 0, netns: process.argv[2]! });
try {
  const links = (await c.dump(rtLink, "getlink").toArray()).length; // reading needs no capability
  const add = { attrs: { ifname: "nlwperm", linkinfo: { kind: "veth" } } };
  const e = await c.request(rtLink, "newlink", add, { flags: NLM_F.CREATE | NLM_F.EXCL }).then(() => undefined, (x: unknown) => x);
  const k = e instanceof KernelError ? { errno: e.errno, errnoName: e.errnoName, message: e.message } : { other: String(e) };
  console.log(JSON.stringify({ links, kernelError: e instanceof KernelError, ...k }));
} finally {
  c.close();
}
