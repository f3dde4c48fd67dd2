import { vi } from "vitest";

/**
 * The live client tests of test/client/, unchanged, over the WASI transport:
 * every socket they open natively (openNetlink, openNative) is opened
 * through the shim's Wasm build instead, its system calls made by the
 * native-backed host. What they check against the kernel, `ip -j` and
 * each other holds the same way.
 */
vi.mock("../../transport/native.js", async (importOriginal) => {
  const native = await importOriginal<typeof import("../../transport/native.js")>();
  const { WasiShim, openWasi } = await import("../../transport/wasi.js");
  const { nativeHost } = await import("../../transport/wasi-native.js");
  const shim = await WasiShim.load();
  // The native transport's receive modes, on the host's side: a test that asks for uv_poll gets it here too.
  const guests = { thread: shim.instantiate(nativeHost()), poll: shim.instantiate(nativeHost({ readerThread: false })) };
  return {
    ...native,
    openNative: (opts: Parameters<typeof native.openNative>[0]) => openWasi(opts.readerThread === false ? guests.poll : guests.thread, opts),
  };
});

await import("../client/client.test.js");
await import("../client/subscribe.test.js");
await import("../client/resync.test.js");
await import("../client/view.test.js");
await import("../client/dump-intr.test.js");
await import("../client/kernel-agrees.test.js");
await import("../client/filtered-dump.test.js");

const { describe, expect, it } = await import("vitest");
const { openNetlink } = await import("../../client/index.js");
describe("the client tests above", () => {
  it("run over the WASI transport", () => {
    const c = openNetlink({ protocol: 0 });
    expect(c.transport.kind).toBe("wasi");
    c.close();
  });
});
