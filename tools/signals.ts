import { constants } from "node:os";

/**
 * Cleanup on SIGINT/SIGTERM/SIGHUP. Node's default for these is to die on
 * the spot, which would leave a network namespace (and a half-written
 * recording) behind; instead every registered cleanup runs, newest first,
 * and the process then exits as the signal would have (128 + number).
 * Handlers only run while the event loop turns, so long steps must be
 * asynchronous (see runAsync) for a signal to be handled promptly.
 */
const cleanups = new Set<() => void>();
let installed = false;

function onSignal(sig: NodeJS.Signals): void {
  for (const f of [...cleanups].reverse()) {
    try {
      f();
    } catch {
      // Keep going: the other cleanups matter more than this one's error.
    }
  }
  process.exit(128 + (constants.signals[sig] ?? 0));
}

/** Registers `f`; call the returned function once it is no longer needed. */
export function onInterrupt(f: () => void): () => void {
  if (!installed) {
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, onSignal);
    installed = true;
  }
  cleanups.add(f);
  return () => cleanups.delete(f);
}
