/** The selected message: its head line, the decoded tree, and the hex with the selected node's bytes marked. */
import type { Detail, TreeNode } from "./protocol.js";

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

function treeList(nodes: TreeNode[], select: (span: HTMLElement, n: TreeNode) => void): HTMLUListElement {
  const ul = el("ul");
  for (const n of nodes) {
    const li = el("li");
    const span = el("span", "node");
    span.dataset.start = String(n.start);
    span.dataset.end = String(n.end);
    span.append(n.label);
    if (n.value !== undefined) span.append(": ", el("span", "value", n.value));
    span.addEventListener("click", (ev) => {
      ev.stopPropagation();
      select(span, n);
    });
    li.append(span);
    if (n.children?.length) li.append(treeList(n.children, select));
    ul.append(li);
  }
  return ul;
}

function hexRows(bytes: Uint8Array): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (let row = 0; row < bytes.length; row += 16) {
    frag.append(el("span", "off", row.toString(16).padStart(4, "0")), "  ");
    for (let i = row; i < Math.min(row + 16, bytes.length); i++) {
      const b = el("span", "b", bytes[i]!.toString(16).padStart(2, "0"));
      b.dataset.i = String(i);
      frag.append(b, i % 16 === 7 ? "  " : " ");
    }
    frag.append("\n");
  }
  return frag;
}

export class DetailView {
  constructor(
    private readonly head: HTMLElement,
    private readonly tree: HTMLElement,
    private readonly hex: HTMLElement,
  ) {}

  show(d: Detail | null): void {
    this.head.textContent = d ? d.head : "no such message";
    this.tree.replaceChildren();
    this.hex.replaceChildren();
    if (!d) return;
    this.tree.append(treeList(d.tree, (span, n) => this.select(span, n)));
    this.hex.append(hexRows(d.bytes));
  }

  /** Marks the node and its bytes: [start, end) of the message, the attribute's own header included. */
  private select(span: HTMLElement, n: TreeNode): void {
    for (const s of this.tree.querySelectorAll(".node.selected")) s.classList.remove("selected");
    span.classList.add("selected");
    let first: Element | undefined;
    for (const b of this.hex.querySelectorAll<HTMLElement>(".b")) {
      const i = Number(b.dataset.i);
      const on = i >= n.start && i < n.end;
      b.classList.toggle("sel", on);
      if (on) first ??= b;
    }
    first?.scrollIntoView({ block: "nearest" });
  }
}
