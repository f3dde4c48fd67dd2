import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

/**
 * The datagrams a command sends on its sockets, as strace dumps them
 * (`-e write=FD` prints every byte of a sendmsg in hex): how iproute2 or
 * ipset encode a request, to compare with what the codec builds. The
 * command's own exit status is returned too, since the kernel may refuse
 * the request (this kernel has no ESP, so every SA add fails).
 */
export function sentDatagrams(argv: readonly string[]): { datagrams: Uint8Array[]; status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "nlw-strace-"));
  try {
    const out = join(dir, "trace");
    const fds = Array.from({ length: 8 }, (_, i) => i + 3).join(",");
    const r = spawnSync("strace", ["-f", "-qq", "-e", "trace=sendmsg,sendto", "-e", `write=${fds}`, "-o", out, ...argv], { encoding: "utf8" });
    // Each syscall line starts a datagram; the hex dump lines after it (one run per iovec) are its bytes.
    const sends: number[][] = [];
    for (const line of readFileSync(out, "utf8").split("\n")) {
      if (/\bsend(msg|to)\(/.test(line)) sends.push([]);
      const m = /^\s*\| [0-9a-f]{5}  ((?:[0-9a-f]{2} {1,2}){1,16})/.exec(line);
      if (m && sends.length) sends.at(-1)!.push(...m[1]!.trim().split(/\s+/).map((h) => parseInt(h, 16)));
    }
    return { datagrams: sends.filter((b) => b.length).map((b) => Uint8Array.from(b)), status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
