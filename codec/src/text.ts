// TextEncoder/TextDecoder exist in every runtime the codec targets (Node, Bun,
// Deno, browsers); declared here so the codec needs neither DOM nor Node types.
declare const TextEncoder: { new (): { encode(s: string): Uint8Array } };
declare const TextDecoder: {
  new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): { decode(b: Uint8Array): string };
};

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is part of the value, not a byte-order mark to drop.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Decodes UTF-8; short ASCII runs (interface names, kinds) skip the TextDecoder call. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 24) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) return decoder.decode(bytes.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(bytes.subarray(start, end));
}

const strict = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });

/** Like decodeUtf8, but undefined for bytes that are not UTF-8 (which text could not give back). */
export function decodeUtf8Exact(bytes: Uint8Array, start: number, end: number): string | undefined {
  for (let i = start; i < end; i++) {
    if (bytes[i]! >= 0x80) {
      try {
        return strict.decode(bytes.subarray(start, end));
      } catch {
        return undefined;
      }
    }
  }
  return decodeUtf8(bytes, start, end);
}

export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Index of the first NUL in [start, end), or `end` when there is none. */
export function findNul(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) if (bytes[i] === 0) return i;
  return end;
}
