import { NotSupportedError } from "./errors.js";
import { FLAG_OPTIONS, type FlagOption, type OptionControl, type OptionName, type SizeOption } from "./transport.js";

/**
 * Socket options by the shim's numbering (nls_option): `names` is the
 * shim's list (its index is the number), `setAt`/`getAt` call the shim and
 * throw TransportError for a refusal. Shared by the native and WASI
 * transports, which differ only in how they reach the shim.
 */
export class ShimOptions implements OptionControl {
  constructor(
    private readonly kind: string,
    private readonly names: readonly string[],
    private readonly setAt: (index: number, value: number, name: OptionName) => void,
    private readonly getAt: (index: number, name: OptionName) => number,
  ) {}

  set(name: FlagOption, on: boolean): void;
  set(name: SizeOption, bytes: number): void;
  set(name: OptionName, value: boolean | number): void {
    if (typeof value === "number" && !(Number.isInteger(value) && value >= 0 && value <= 0x7fffffff)) {
      throw new RangeError(`${name}: ${value} is not a buffer size`);
    }
    this.setAt(this.#index(name), Number(value), name);
  }

  get(name: FlagOption): boolean;
  get(name: SizeOption): number;
  get(name: OptionName): boolean | number {
    const v = this.getAt(this.#index(name), name);
    return (FLAG_OPTIONS as readonly string[]).includes(name) ? v !== 0 : v;
  }

  #index(name: OptionName): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new NotSupportedError(this.kind, `the option ${name}`);
    return i;
  }
}
