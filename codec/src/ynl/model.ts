/**
 * The resolved model of a YNL family: every number assigned, every subset
 * merged, every struct laid out. It holds names, numbers and types only (no
 * prose), is plain JSON-able data, and is what the generator commits and the
 * interpreter runs.
 */

export type Protocol = "genetlink" | "genetlink-c" | "genetlink-legacy" | "netlink-raw";

export type ScalarType = "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64" | "uint" | "sint";

export type AttrType =
  | ScalarType
  | "unused" | "pad" | "flag" | "binary" | "bitfield32" | "string"
  | "nest" | "indexed-array" | "nest-type-value" | "sub-message";

export type DisplayHint = "hex" | "mac" | "fddi" | "ipv4" | "ipv6" | "ipv4-or-v6" | "uuid";

export interface EnumModel {
  name: string;
  /** A "flags" definition: entry values are bit masks. */
  flags: boolean;
  entries: { name: string; value: number }[];
}

export interface MemberModel {
  name: string;
  type: ScalarType | "string" | "binary" | "pad";
  offset: number;
  /** Byte length of the member. */
  len: number;
  byteOrder?: "big-endian" | "little-endian";
  enum?: string;
  enumAsFlags?: boolean;
  displayHint?: DisplayHint;
  /** A nested struct for a binary member. */
  struct?: string;
  /**
   * An nlwire extension for structs that end in a C flexible array member
   * (xfrm_algo's key): the last member, of len 0 and outside `size`, takes
   * every byte after the fixed part; with `struct`, as an array of them.
   */
  flexible?: boolean;
}

export interface StructModel {
  name: string;
  size: number;
  members: MemberModel[];
}

export interface Checks {
  min?: number | string;
  max?: number | string;
  minLen?: number;
  maxLen?: number;
  exactLen?: number;
  flagsMask?: string;
  unterminatedOk?: boolean;
}

export interface AttrModel {
  name: string;
  value: number;
  type: AttrType;
  byteOrder?: "big-endian" | "little-endian";
  multiAttr?: boolean;
  /** Attribute set of a nest, indexed-array of nests, or nest-type-value. */
  nested?: string;
  /** Element type of an indexed-array. */
  subType?: AttrType;
  enum?: string;
  enumAsFlags?: boolean;
  displayHint?: DisplayHint;
  /** Struct a binary attribute holds. */
  struct?: string;
  subMessage?: string;
  selector?: string;
  typeValue?: string[];
  checks?: Checks;
  /**
   * An nlwire extension (`flag-net-byteorder: true`): the attribute carries
   * NLA_F_NET_BYTEORDER, as ipset's kernel side requires of its big-endian
   * values and sets on the ones it sends.
   */
  netByteorderFlag?: boolean;
}

export interface AttrSetModel {
  name: string;
  attrs: AttrModel[];
}

export interface SubMessageFormat {
  value: string;
  fixedHeader?: string;
  attributeSet?: string;
}

export interface SubMessageModel {
  name: string;
  formats: SubMessageFormat[];
}

/**
 * An nlwire extension for families whose messages share one id and are told
 * apart by a member of their fixed header (sock_diag's sdiag_family): the
 * message is this one when the member holds one of `values`.
 */
export interface HeaderMatch {
  member: string;
  values: number[];
}

export interface MessageModel {
  /** nlmsg_type (netlink-raw, or directional ids) or genl cmd. */
  value: number;
  attrs: string[];
  /**
   * nlwire extensions, for requests laid out unlike their replies
   * (sock_diag, taskstats): this message's own fixed header and attribute
   * set, in place of the op's.
   */
  fixedHeader?: string;
  attributeSet?: string;
  match?: HeaderMatch;
}

export interface OpModel {
  name: string;
  attributeSet?: string;
  fixedHeader?: string;
  /** The unified op value; absent in the directional model. */
  value?: number;
  do?: { request?: MessageModel; reply?: MessageModel };
  dump?: { request?: MessageModel; reply?: MessageModel };
  /** A notification: the op whose reply layout it shares, and its id. */
  notify?: { op: string; value: number };
  event?: MessageModel;
  mcgrp?: string;
}

export interface McastGroupModel {
  name: string;
  /** Fixed group number (netlink-raw); genl groups get ids at run time. */
  value?: number;
}

export interface FamilyModel {
  name: string;
  protocol: Protocol;
  /** Netlink protocol number: 16 for generic netlink. */
  protonum: number;
  /** genlmsghdr version to send. */
  version: number;
  enumModel: "unified" | "directional";
  consts: Record<string, number | string>;
  enums: Record<string, EnumModel>;
  structs: Record<string, StructModel>;
  attrSets: Record<string, AttrSetModel>;
  subMessages: Record<string, SubMessageModel>;
  fixedHeader?: string;
  ops: OpModel[];
  mcastGroups: McastGroupModel[];
  /** Corrections applied to the spec, with the header fact behind each. */
  fixups?: string[];
}
