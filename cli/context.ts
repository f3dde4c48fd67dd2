import { FamilyRegistry } from "@nlwire/codec";
import { NetlinkClient } from "../client/index.js";
import { PcapngRecorder } from "../capture/index.js";
import { openNative, tee, type Transport } from "../transport/index.js";
import { painter, useColor, useProgress, type ColorWhen, type Paint } from "./style.js";

/** The options every command shares (see GLOBAL_OPTIONS in main.ts). */
export interface GlobalOptions {
  netns?: string;
  json: boolean;
  record?: string;
  color: ColorWhen;
}

/**
 * What a command works with: where its output goes, how it may look, and
 * the sockets it opens, which all live in --netns and are all recorded
 * into --record when given. close() closes the sockets and the recording.
 */
export class Context {
  readonly opts: GlobalOptions;
  readonly paint: Paint;
  readonly progress: boolean;
  /** One registry for every socket, so that a recording names every genl id any of them learned. */
  readonly registry = new FamilyRegistry();
  readonly #clients: NetlinkClient[] = [];
  #recorder: PcapngRecorder | undefined;

  constructor(
    opts: GlobalOptions,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.opts = opts;
    const env = process.env;
    this.paint = painter(useColor(opts.color, { isTTY: !!stdout.isTTY, env }));
    this.progress = useProgress({ isTTY: !!stderr.isTTY, env });
  }

  /** Writes lines to stdout. */
  out(...lines: string[]): void {
    if (lines.length) this.stdout.write(lines.join("\n") + "\n");
  }

  /** Writes lines to stderr. */
  warn(...lines: string[]): void {
    if (lines.length) this.stderr.write(lines.join("\n") + "\n");
  }

  /** A client on a fresh socket of `protocol` in --netns, recorded when --record is given. */
  client(protocol: number, o: { timeoutMs?: number } = {}): NetlinkClient {
    const ns = this.opts.netns;
    let t: Transport = openNative(ns === undefined ? { protocol, readerThread: true } : { protocol, netns: ns, readerThread: true });
    if (this.opts.record) t = tee(t, this.#recording(this.opts.record).sink);
    const c = new NetlinkClient(t, { registry: this.registry, ...o });
    this.#clients.push(c);
    return c;
  }

  #recording(path: string): PcapngRecorder {
    this.#recorder ??= new PcapngRecorder(path, { registry: this.registry, comment: `nlwire ${process.argv.slice(2).join(" ")}` });
    return this.#recorder;
  }

  /** How many datagrams --record wrote (0 without it). */
  get recorded(): number {
    return this.#recorder?.records ?? 0;
  }

  close(): void {
    for (const c of this.#clients) c.close();
    this.#clients.length = 0;
    this.#recorder?.close();
  }
}
