/**
 * The viewer's decoding worker: reads the capture a chunk at a time with the
 * codec's CaptureReader, decodes every record with CaptureDecoder (which
 * learns generic netlink ids as it goes), keeps a few facts per message, and
 * answers the page's questions (rows of the filtered list, one message's
 * details) between chunks, so the page never waits for the whole file.
 */
import {
  CaptureDecoder, CaptureReader, FilterError, PROTOCOL_NAMES, byteOrderOf, entryTree, formatTimestamp, netlinkPayload,
  type CaptureEntry, type CaptureRecord,
} from "@nlwire/codec/capture";
import { isCodecError } from "@nlwire/codec";
import { messageTree } from "./layout.js";
import { passes, parseViewFilter, type ViewFilter } from "./filter.js";
import type { Detail, FromWorker, Progress, Row, ToWorker } from "./protocol.js";
import { MessageStore, NO_PROTOCOL } from "./store.js";
import { Links, summary, withLinkNames } from "./summary.js";

interface WorkerScope {
  postMessage(m: FromWorker): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker): void => scope.postMessage(m);

/** Lets queued messages from the page run (a macrotask turn). */
const breathe = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

const SLICE_MS = 25;
const PROGRESS_MS = 100;
const NETLINK_GENERIC = 16;

function typeOf(e: CaptureEntry): string {
  if (!e.header) return "";
  if (e.control) return e.control.kind === "error" ? (e.control.error?.errno ? "ERROR" : "ACK") : "DONE";
  const m = e.message;
  if (m?.op) return m.kind ? `${m.op} ${m.kind}` : m.op;
  return `type ${e.header.type}`;
}

class Session {
  private readonly records: CaptureRecord[] = [];
  private readonly store = new MessageStore();
  private readonly decoder = new CaptureDecoder();
  private readonly links = new Links();
  private readonly genl = new Map<number, string>();
  private filter: ViewFilter = parseViewFilter("");
  /** Message indexes that pass the filter; null when it keeps everything. */
  private shown: number[] | null = null;
  private bytesRead = 0;
  private done = false;
  private error: string | undefined;
  stopped = false;

  constructor(private readonly file: Blob) {}

  async run(): Promise<void> {
    const reader = new CaptureReader();
    const stream = this.file.stream().getReader();
    let slice = performance.now();
    let reported = 0;
    try {
      for (;;) {
        const { value, done } = await stream.read();
        if (this.stopped) return void stream.cancel();
        if (done) break;
        this.bytesRead += value.length;
        this.take(reader.push(value));
        const now = performance.now();
        if (now - slice > SLICE_MS) {
          await breathe();
          slice = performance.now();
        }
        if (now - reported > PROGRESS_MS) {
          this.report();
          reported = now;
        }
      }
      this.take(reader.end());
    } catch (e) {
      // A file that is not a capture, or breaks off inside a header: what came before stays.
      this.error = isCodecError(e) ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.done = true;
    this.report();
  }

  private take(records: CaptureRecord[]): void {
    for (const rec of records) {
      const r = this.records.push(rec) - 1;
      const entries = this.decoder.decode(rec);
      for (let j = 0; j < entries.length; j++) this.add(r, j, entries[j]!);
    }
  }

  private add(record: number, entry: number, e: CaptureEntry): void {
    this.links.learn(e);
    this.learnGenl(e);
    const i = this.store.add({
      record, entry, protocol: e.protocol ?? NO_PROTOCOL,
      direction: e.direction === "to-kernel" ? 1 : e.direction === "from-kernel" ? 2 : 0,
      family: e.family ?? "", type: typeOf(e), op: e.message?.op ?? "", nlType: e.header?.type ?? 0, seq: e.header?.seq ?? 0,
      summary: summary(e, this.links),
    });
    if (this.shown && this.passes(i)) this.shown.push(i);
  }

  private passes(i: number): boolean {
    const f = this.store.get(i);
    return passes(f, this.filter, withLinkNames(f.summary, this.links));
  }

  /** Generic netlink ids this capture uses or announces (nlctrl replies, nlwire's comments). */
  private learnGenl(e: CaptureEntry): void {
    if (e.protocol !== NETLINK_GENERIC || !e.header || !e.family) return;
    if (e.header.type >= 16) this.genl.set(e.header.type, e.family);
    const a = e.message?.attrs as { "family-id"?: unknown; "family-name"?: unknown } | undefined;
    if (e.family === "nlctrl" && typeof a?.["family-id"] === "number" && typeof a["family-name"] === "string") {
      this.genl.set(a["family-id"], a["family-name"]);
    }
  }

  report(): void {
    const progress: Progress = {
      messages: this.store.count, shown: this.shown?.length ?? this.store.count, bytesRead: this.bytesRead, fileSize: this.file.size,
      done: this.done, genl: [...this.genl].sort((a, b) => a[0] - b[0]),
    };
    if (this.error) progress.error = this.error;
    post({ type: "progress", progress });
    if (this.links.changed) {
      this.links.changed = false;
      post({ type: "links", links: [...this.links.byIndex.values()] });
    }
  }

  setFilter(text: string, req: number): void {
    try {
      this.filter = parseViewFilter(text);
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      return post({ type: "filter", req, error: e.message });
    }
    this.shown = null;
    if (!this.filter.empty) {
      const shown: number[] = [];
      for (let i = 0; i < this.store.count; i++) if (this.passes(i)) shown.push(i);
      this.shown = shown;
    }
    post({ type: "filter", req });
    this.report();
  }

  rows(from: number, count: number, req: number): void {
    const total = this.shown?.length ?? this.store.count;
    const rows: Row[] = [];
    for (let k = from; k < Math.min(total, from + count); k++) rows.push(this.row(this.shown ? this.shown[k]! : k));
    post({ type: "rows", req, from, rows });
  }

  private row(index: number): Row {
    const f = this.store.get(index);
    const ns = this.records[f.record]!.timestampNs;
    return {
      index,
      time: ns === undefined ? "" : formatTimestamp(ns).slice(11, -1),
      direction: f.direction === 1 ? "→ kernel" : f.direction === 2 ? "← kernel" : "",
      protocol: f.protocol === NO_PROTOCOL ? "" : (PROTOCOL_NAMES[f.protocol] ?? String(f.protocol)),
      family: f.family, type: f.type, summary: withLinkNames(f.summary, this.links),
    };
  }

  detail(index: number): Detail | null {
    if (index < 0 || index >= this.store.count) return null;
    const f = this.store.get(index);
    const rec = this.records[f.record]!;
    const e = this.decoder.decode(rec)[f.entry];
    if (!e) return null;
    const head = entryTree(e)[0] ?? "";
    const p = netlinkPayload(rec.linkType, rec.data);
    if ("reason" in p || e.offset === undefined || !e.header) return { index, head, bytes: new Uint8Array(0), tree: [] };
    const all = rec.data.subarray(p.offset);
    const bytes = all.slice(e.offset, e.offset + Math.min(e.header.length, all.length - e.offset));
    const fam = e.family ? this.decoder.registry.family(e.family) : undefined;
    return { index, head, bytes, tree: messageTree(e, fam, bytes, byteOrderOf(all)) };
  }
}

let session: Session | undefined;

scope.onmessage = (ev) => {
  const m = ev.data;
  if (m.type === "open") {
    if (session) session.stopped = true;
    session = new Session(m.file);
    void session.run();
    return;
  }
  if (!session) return;
  if (m.type === "filter") session.setFilter(m.text, m.req);
  else if (m.type === "rows") session.rows(m.from, m.count, m.req);
  else post({ type: "detail", req: m.req, detail: session.detail(m.index) });
};
