/**
 * What the worker keeps per message: a few numbers in growable typed arrays
 * and the summary line, never the decoded objects (a 100 MB capture holds
 * millions of messages). A message's details are decoded again from its
 * record when asked for.
 */

class Column<T extends Uint8Array | Uint16Array | Uint32Array | Float64Array> {
  data: T;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[i] = v;
  }
}

/** Interns short strings (family names, operation names) as small numbers. */
export class Names {
  private readonly ids = new Map<string, number>();
  readonly list: string[] = [];
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.ids.set(s, i);
      this.list.push(s);
    }
    return i;
  }
}

export interface MessageFacts {
  record: number;
  /** Which message of its record. */
  entry: number;
  protocol: number;
  direction: 0 | 1 | 2;
  family: string;
  /** The list's type column: "getlink reply", "ERROR", ... */
  type: string;
  /** The operation's name, "" when the message has none. */
  op: string;
  nlType: number;
  seq: number;
  summary: string;
}

export const NO_PROTOCOL = 255;

export class MessageStore {
  count = 0;
  readonly names = new Names();
  private readonly record = new Column((n) => new Uint32Array(n));
  private readonly entry = new Column((n) => new Uint16Array(n));
  private readonly protocol = new Column((n) => new Uint8Array(n));
  private readonly direction = new Column((n) => new Uint8Array(n));
  private readonly family = new Column((n) => new Uint16Array(n));
  private readonly type = new Column((n) => new Uint16Array(n));
  private readonly op = new Column((n) => new Uint16Array(n));
  private readonly nlType = new Column((n) => new Uint16Array(n));
  private readonly seq = new Column((n) => new Uint32Array(n));
  private readonly summaries: string[] = [];

  add(f: MessageFacts): number {
    const i = this.count++;
    this.record.set(i, f.record);
    this.entry.set(i, f.entry);
    this.protocol.set(i, f.protocol);
    this.direction.set(i, f.direction);
    this.family.set(i, this.names.id(f.family));
    this.type.set(i, this.names.id(f.type));
    this.op.set(i, this.names.id(f.op));
    this.nlType.set(i, f.nlType);
    this.seq.set(i, f.seq);
    this.summaries.push(f.summary);
    return i;
  }

  get(i: number): MessageFacts {
    return {
      record: this.record.data[i]!,
      entry: this.entry.data[i]!,
      protocol: this.protocol.data[i]!,
      direction: this.direction.data[i]! as 0 | 1 | 2,
      family: this.names.list[this.family.data[i]!]!,
      type: this.names.list[this.type.data[i]!]!,
      op: this.names.list[this.op.data[i]!]!,
      nlType: this.nlType.data[i]!,
      seq: this.seq.data[i]!,
      summary: this.summaries[i]!,
    };
  }
}
