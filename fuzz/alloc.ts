/**
 * Watches the allocations a decode makes: while installed, `new Uint8Array(n)`,
 * `new ArrayBuffer(n)`, `Array(n)` and `String.prototype.repeat` record the
 * largest size asked for. A decoder that sizes a buffer by a length field it
 * read shows up as a peak far above the input's own size, whether or not the
 * allocation would have succeeded.
 */
let peak = 0;
let restore: (() => void) | undefined;

/** The largest allocation (bytes) since the last reset. */
export function allocationPeak(): number {
  return peak;
}
export function resetAllocationPeak(): void {
  peak = 0;
}

function note(bytes: number): void {
  if (bytes > peak) peak = bytes;
}

function sized<T extends abstract new (...a: never[]) => unknown>(ctor: T, unit: number): T {
  return new Proxy(ctor, {
    construct(target, args, newTarget) {
      if (typeof args[0] === "number") note(args[0] * unit);
      return Reflect.construct(target as unknown as new (...a: unknown[]) => object, args, newTarget) as object;
    },
    apply(target, self, args) {
      if (typeof args[0] === "number" && args.length === 1) note(args[0] * unit);
      return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, self, args);
    },
  });
}

export function installAllocationWatch(): void {
  if (restore) return;
  const g = globalThis as Record<string, unknown>;
  const saved = { Uint8Array: g["Uint8Array"], ArrayBuffer: g["ArrayBuffer"], Array: g["Array"], repeat: String.prototype.repeat };
  g["Uint8Array"] = sized(Uint8Array, 1);
  g["ArrayBuffer"] = sized(ArrayBuffer, 1);
  g["Array"] = sized(Array, 8);
  const repeat = saved.repeat;
  String.prototype.repeat = function (this: string, count: number): string {
    note(this.length * count * 2);
    return repeat.call(this, count);
  };
  restore = () => {
    Object.assign(g, { Uint8Array: saved.Uint8Array, ArrayBuffer: saved.ArrayBuffer, Array: saved.Array });
    String.prototype.repeat = repeat;
  };
}

/** Takes the watch off for a while (its proxies slow allocation down); returns the function that puts it back. */
export function pauseAllocationWatch(): () => void {
  if (!restore) return () => {};
  removeAllocationWatch();
  return installAllocationWatch;
}

export function removeAllocationWatch(): void {
  restore?.();
  restore = undefined;
}

/** What one input may allocate at once: a small multiple of its size, plus a fixed allowance (writers start at 256 bytes, the CLI reads in 1 MiB chunks). */
export function allocationLimit(inputSize: number): number {
  return 16 * inputSize + 2 * 1024 * 1024;
}
