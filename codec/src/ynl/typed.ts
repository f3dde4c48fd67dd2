import type { ByteWriter } from "../writer.js";
import type { MessageCursor, NetlinkMessage } from "../message.js";
import type { ByteReader } from "../reader.js";
import type { NlMsgHeader } from "../header.js";
import { Family, type DecodeOptions, type DecodedMessage, type MessageKind } from "./family.js";
import type { FamilyModel } from "./model.js";

/**
 * Types for a generated family: what each operation sends and receives.
 * The generator writes one `Ops` interface per family; `defineFamily` gives
 * the interpreter that interface, so requests are checked and decoded
 * messages are a union keyed by op and kind.
 */
export interface MessageShape {
  fixed?: object;
  attrs: object;
}

export interface OpShape {
  do?: { request?: MessageShape; reply?: MessageShape };
  dump?: { request?: MessageShape; reply?: MessageShape };
  notify?: MessageShape;
  event?: MessageShape;
}

export type OpsShape = Record<string, OpShape>;

type Modes<S extends OpShape> = Extract<keyof S, "do" | "dump">;

type RequestOf<S extends OpShape, M extends Modes<S>> = S[M] extends { request?: infer R } ? (R extends MessageShape ? R : never) : never;

/** The body of a request: the fixed header (when the op has one) and attributes. */
export type RequestBody<S extends OpShape, M extends Modes<S>> = {
  fixed?: RequestOf<S, M>["fixed"];
  attrs?: RequestOf<S, M>["attrs"];
};

export interface RequestHeader {
  flags?: number;
  seq?: number;
  pid?: number;
  familyId?: number;
}

type ShapeFor<S extends OpShape, K extends MessageKind> = K extends "reply"
  ? NonNullable<NonNullable<S["do"]>["reply"]> | NonNullable<NonNullable<S["dump"]>["reply"]>
  : K extends "request"
    ? NonNullable<NonNullable<S["do"]>["request"]> | NonNullable<NonNullable<S["dump"]>["request"]>
    : K extends "notify" ? NonNullable<S["notify"]> : NonNullable<S["event"]>;

type Decoded<Name extends string, S extends OpShape, K extends MessageKind> = [ShapeFor<S, K>] extends [never]
  ? never
  : Omit<DecodedMessage, "op" | "kind" | "attrs" | "fixed"> & {
      op: Name;
      kind: K;
      attrs: ShapeFor<S, K>["attrs"];
      fixed?: ShapeFor<S, K> extends { fixed?: infer F } ? F : never;
    };

/** Every message a family can decode: a union discriminated by `op` and `kind`. */
export type DecodedOf<O extends OpsShape> =
  | { [N in keyof O & string]: { [K in MessageKind]: Decoded<N, O[N], K> }[MessageKind] }[keyof O & string]
  | (DecodedMessage & { op?: undefined });

/**
 * A generated family: the interpreter (`family`) with the generated types on
 * top. It wraps rather than extends Family because its decode results are
 * typed per operation while Family's are plain objects.
 */
export class TypedFamily<O extends OpsShape> {
  readonly family: Family;

  constructor(model: FamilyModel) {
    this.family = new Family(model);
  }

  get model(): FamilyModel {
    return this.family.model;
  }

  /** Builds a typed request for `op`. */
  request<N extends keyof O & string, M extends Modes<O[N]>>(
    op: N,
    mode: M,
    body: RequestBody<O[N], M> = {},
    header: RequestHeader = {},
    w?: ByteWriter,
  ): Uint8Array {
    const req = { op, mode, ...header } as Parameters<Family["encodeRequest"]>[0];
    if (body.fixed) req.fixed = body.fixed as Record<string, unknown>;
    if (body.attrs) req.attrs = body.attrs as Record<string, unknown>;
    return this.family.encodeRequest(req, w);
  }

  decode(msg: NetlinkMessage, opts?: DecodeOptions): DecodedOf<O> {
    return this.family.decode(msg, opts) as DecodedOf<O>;
  }

  decodeCursor(c: MessageCursor, opts?: DecodeOptions): DecodedOf<O> {
    return this.family.decodeCursor(c, opts) as DecodedOf<O>;
  }

  decodeAt(r: ByteReader, start: number, end: number, header: NlMsgHeader, opts?: DecodeOptions): DecodedOf<O> {
    return this.family.decodeAt(r, start, end, header, opts) as DecodedOf<O>;
  }
}

export function defineFamily<O extends OpsShape>(model: FamilyModel): TypedFamily<O> {
  return new TypedFamily<O>(model);
}
