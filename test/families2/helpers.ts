import type { Transport } from "../../transport/index.js";

/** Every datagram a transport receives, with a wait for enough of them. */
export function collect(t: Transport): { datagrams: Uint8Array[]; until(enough: (ds: Uint8Array[]) => boolean, ms?: number): Promise<Uint8Array[]> } {
  const datagrams: Uint8Array[] = [];
  let wake = () => {};
  t.receive({
    datagram(d) {
      datagrams.push(d);
      wake();
    },
    error() {},
  });
  return {
    datagrams,
    until(enough, ms = 3000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`gave up after ${ms} ms with ${datagrams.length} datagram(s)`)), ms);
        wake = () => {
          if (!enough(datagrams)) return;
          clearTimeout(timer);
          resolve(datagrams);
        };
        wake();
      });
    },
  };
}
