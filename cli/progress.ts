/**
 * A progress bar on stderr for work that takes more than a moment: nothing
 * for the first half second (quick runs stay clean), then a bar redrawn at
 * most ten times a second, erased at the end. Only on a TTY (the caller
 * decides: Context.progress), so pipes and logs never see it.
 */
export class Progress {
  readonly #started = Date.now();
  #drawn = 0;
  #shown = false;

  constructor(
    private readonly out: NodeJS.WritableStream | undefined,
    private readonly total: number,
    private readonly label: string,
    private readonly delayMs = 500,
  ) {}

  update(done: number): void {
    if (!this.out) return;
    const now = Date.now();
    if (now - this.#started < this.delayMs || now - this.#drawn < 100) return;
    this.#drawn = now;
    this.#shown = true;
    this.out.write(`\r${progressLine(this.label, done, this.total)}`);
  }

  end(): void {
    if (this.#shown) this.out?.write("\r\x1b[K");
  }
}

const WIDTH = 30;

/** "decoding [=========>          ]  33%  12.0 of 36.0 MB" */
export function progressLine(label: string, done: number, total: number): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(f * WIDTH);
  const bar = "=".repeat(Math.max(0, full - 1)) + (full ? ">" : "") + " ".repeat(WIDTH - full);
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return `${label} [${bar}] ${String(Math.round(f * 100)).padStart(3)}%  ${mb(done)} of ${mb(total)} MB`;
}
