/**
 * The messages between the page (main.ts) and its decoding worker
 * (worker.ts). Everything that crosses is plain structured-clone data.
 */

/** One line of the message list. */
export interface Row {
  /** Position of the message in the capture (0-based, over every message). */
  index: number;
  time: string;
  direction: "→ kernel" | "← kernel" | "";
  protocol: string;
  family: string;
  type: string;
  summary: string;
}

/** One node of the decoded tree; [start, end) are byte offsets in the message. */
export interface TreeNode {
  label: string;
  value?: string;
  start: number;
  end: number;
  children?: TreeNode[];
}

export interface Detail {
  index: number;
  head: string;
  /** The message's bytes, from its nlmsghdr to its end (as captured). */
  bytes: Uint8Array;
  tree: TreeNode[];
}

/** What the capture says about one network interface (from rt-link messages). */
export interface LinkInfo {
  ifindex: number;
  name: string;
  kind?: string;
  master?: number;
  /** IFLA_LINK: for a veth, its peer's ifindex. */
  link?: number;
  operstate?: string;
  address?: string;
  deleted?: boolean;
}

export interface Progress {
  messages: number;
  /** Messages that pass the current filter. */
  shown: number;
  bytesRead: number;
  fileSize: number;
  done: boolean;
  /** Generic netlink ids the capture taught, id → family name. */
  genl: [number, string][];
  error?: string;
}

export type ToWorker =
  | { type: "open"; file: Blob }
  | { type: "filter"; text: string; req: number }
  | { type: "rows"; from: number; count: number; req: number }
  | { type: "detail"; index: number; req: number };

export type FromWorker =
  | { type: "progress"; progress: Progress }
  | { type: "links"; links: LinkInfo[] }
  | { type: "filter"; req: number; error?: string }
  | { type: "rows"; req: number; from: number; rows: Row[] }
  | { type: "detail"; req: number; detail: Detail | null };
