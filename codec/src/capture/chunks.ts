/**
 * The bytes a streaming reader has been fed but not consumed yet. Chunks are
 * appended; consumed bytes are dropped, and the buffer is compacted so that it
 * only ever grows to the largest block plus one chunk: constant memory on a
 * file of any size.
 */
export class ChunkBuffer {
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** File offset of bytes[0]. */
  private base = 0;

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.buf.length - this.end < chunk.length) this.makeRoom(chunk.length);
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private makeRoom(n: number): void {
    const live = this.end - this.start;
    const target = live + n;
    if (target <= this.buf.length && this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
    } else {
      const bigger = new Uint8Array(Math.max(target, this.buf.length * 2, 64 * 1024));
      bigger.set(this.buf.subarray(this.start, this.end));
      this.buf = bigger;
    }
    this.base += this.start;
    this.start = 0;
    this.end = live;
  }

  /** Bytes available from the read position. */
  get length(): number {
    return this.end - this.start;
  }

  /** File offset of the read position. */
  get position(): number {
    return this.base + this.start;
  }

  /** A view of the next `n` bytes (valid until the next append). */
  peek(n: number): Uint8Array {
    return this.buf.subarray(this.start, this.start + Math.min(n, this.length));
  }

  consume(n: number): void {
    this.start += Math.min(n, this.length);
    if (this.start === this.end) {
      this.base += this.start;
      this.start = this.end = 0;
    }
  }
}
