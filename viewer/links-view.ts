/**
 * The interfaces seen in the capture as a picture: each master (a bridge, a
 * bond) a box holding its ports, every other link a box of its own, and a
 * dashed line between the two ends of a veth pair.
 */
import type { LinkInfo } from "./protocol.js";

const SVG = "http://www.w3.org/2000/svg";
const BOX_W = 128;
const BOX_H = 58;
const GAP = 12;
const WIDTH = 280;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function linkBox(l: LinkInfo, x: number, y: number): SVGGElement {
  const g = svg("g", { class: `link${l.deleted ? " deleted" : ""}`, "data-name": l.name, "data-ifindex": l.ifindex });
  g.append(svg("rect", { x, y, width: BOX_W, height: BOX_H, rx: 4 }));
  const lines = [
    `${l.name}  #${l.ifindex}`,
    [l.kind, l.operstate?.toLowerCase()].filter(Boolean).join(" ") || "link",
    l.deleted ? "(deleted)" : (l.address ?? ""),
  ];
  lines.forEach((t, i) => {
    const text = svg("text", { x: x + 6, y: y + 16 + i * 15 });
    text.textContent = t;
    g.append(text);
  });
  return g;
}

export function renderLinks(container: HTMLElement, links: LinkInfo[]): void {
  if (links.length === 0) {
    container.textContent = "none seen yet";
    return;
  }
  const byIndex = new Map(links.map((l) => [l.ifindex, l]));
  const ports = new Map<number, LinkInfo[]>();
  for (const l of links) if (l.master !== undefined && byIndex.has(l.master)) ports.set(l.master, [...(ports.get(l.master) ?? []), l]);
  const top = links.filter((l) => l.master === undefined || !byIndex.has(l.master)).sort((a, b) => a.ifindex - b.ifindex);
  const root = svg("svg", { width: WIDTH });
  const centres = new Map<number, [number, number]>();
  let y = 0;
  for (const l of top) {
    const own = ports.get(l.ifindex) ?? [];
    if (own.length === 0) {
      root.append(linkBox(l, 0, y));
      centres.set(l.ifindex, [BOX_W / 2, y + BOX_H / 2]);
      y += BOX_H + GAP;
      continue;
    }
    // A master: its own box on top, its ports inside the group below it.
    const h = BOX_H + GAP + own.length * (BOX_H + GAP) + 4;
    const g = svg("g", { class: "master", "data-name": l.name });
    g.append(svg("rect", { x: 0, y, width: BOX_W + 2 * GAP + 40, height: h, rx: 6 }));
    g.append(linkBox(l, GAP / 2, y + GAP / 2));
    centres.set(l.ifindex, [GAP / 2 + BOX_W / 2, y + GAP / 2 + BOX_H / 2]);
    own.forEach((p, i) => {
      const py = y + GAP / 2 + (i + 1) * (BOX_H + GAP);
      const box = linkBox(p, GAP + 30, py);
      box.dataset.master = l.name;
      g.append(box);
      centres.set(p.ifindex, [GAP + 30 + BOX_W / 2, py + BOX_H / 2]);
    });
    root.append(g);
    y += h + GAP;
  }
  // veth peers: each end's IFLA_LINK names the other; one line per pair.
  for (const l of links) {
    const peer = l.link === undefined ? undefined : byIndex.get(l.link);
    if (!peer || l.kind !== "veth" || peer.link !== l.ifindex || l.ifindex > peer.ifindex) continue;
    const a = centres.get(l.ifindex);
    const b = centres.get(peer.ifindex);
    if (!a || !b) continue;
    const bend = WIDTH - 24;
    const path = svg("path", { class: "peer", fill: "none", d: `M ${a[0] + BOX_W / 2} ${a[1]} C ${bend} ${a[1]}, ${bend} ${b[1]}, ${b[0] + BOX_W / 2} ${b[1]}`, "data-peers": `${l.name} ${peer.name}` });
    const title = svg("title", {});
    title.textContent = `veth pair ${l.name} ⇄ ${peer.name}`;
    path.append(title);
    root.append(path);
  }
  root.setAttribute("height", String(Math.max(y, BOX_H)));
  container.replaceChildren(root);
}
