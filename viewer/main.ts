/**
 * The capture viewer page: a file comes in (picker or drop), the worker
 * decodes it, and the page shows what the worker has so far: a virtual list
 * (only the rows in sight exist in the DOM, so a capture of millions of
 * messages scrolls), the selected message's tree and hex, the interfaces and
 * the generic netlink ids the capture taught.
 */
import { DetailView } from "./detail-view.js";
import { renderLinks } from "./links-view.js";
import type { FromWorker, Progress, Row, ToWorker } from "./protocol.js";

const ROW_H = 20;
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const rowsBox = $<HTMLDivElement>("rows");
const spacer = $<HTMLDivElement>("spacer");
const status = $<HTMLSpanElement>("status");
const filterBox = $<HTMLInputElement>("filter");
const filterError = $<HTMLSpanElement>("filter-error");
const detail = new DetailView($("head"), $("tree"), $("hex"));

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (m: ToWorker): void => worker.postMessage(m);

let shown = 0;
let selected = -1;
let req = 0;
let rowsReq = 0;
let detailReq = 0;
let filterReq = 0;

function open(file: File): void {
  shown = 0;
  selected = -1;
  spacer.style.height = "0px";
  for (const r of rowsBox.querySelectorAll(".row")) r.remove();
  detail.show(null);
  $("head").textContent = "select a message";
  status.textContent = `opening ${file.name}`;
  Object.assign(status.dataset, { messages: "0", shown: "0", done: "false" });
  send({ type: "open", file });
  if (filterBox.value.trim()) send({ type: "filter", text: filterBox.value, req: (filterReq = ++req) });
}

function requestRows(): void {
  const first = Math.floor(rowsBox.scrollTop / ROW_H);
  const count = Math.ceil(rowsBox.clientHeight / ROW_H) + 2;
  send({ type: "rows", from: first, count, req: (rowsReq = ++req) });
}

function rowElement(r: Row, pos: number): HTMLDivElement {
  const d = document.createElement("div");
  d.className = `row${r.index === selected ? " selected" : ""}`;
  d.style.top = `${pos * ROW_H}px`;
  d.dataset.index = String(r.index);
  for (const t of [r.time, r.direction, r.protocol, r.family, r.type, r.summary]) {
    const s = document.createElement("span");
    s.textContent = t;
    s.title = t;
    d.append(s);
  }
  return d;
}

function showRows(from: number, rows: Row[]): void {
  for (const r of rowsBox.querySelectorAll(".row")) r.remove();
  rows.forEach((r, i) => rowsBox.append(rowElement(r, from + i)));
}

function showProgress(p: Progress): void {
  const grew = p.shown !== shown;
  shown = p.shown;
  spacer.style.height = `${shown * ROW_H}px`;
  const pct = p.fileSize ? Math.round((100 * p.bytesRead) / p.fileSize) : 100;
  const filtered = p.shown === p.messages ? "" : `, ${p.shown.toLocaleString("en")} shown`;
  status.textContent = `${p.messages.toLocaleString("en")} messages${filtered}${p.done ? "" : ` (reading ${pct}%)`}${p.error ? `; stopped: ${p.error}` : ""}`;
  status.dataset.messages = String(p.messages);
  status.dataset.shown = String(p.shown);
  status.dataset.done = String(p.done);
  const body = $("genl").querySelector("tbody")!;
  body.replaceChildren(...p.genl.map(([id, name]) => {
    const tr = document.createElement("tr");
    for (const t of [String(id), name]) tr.append(Object.assign(document.createElement("td"), { textContent: t }));
    return tr;
  }));
  // Fill the rows in sight while they are still arriving.
  if (grew && rowsBox.querySelectorAll(".row").length * ROW_H < rowsBox.clientHeight + ROW_H) requestRows();
}

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  if (m.type === "progress") showProgress(m.progress);
  else if (m.type === "links") renderLinks($("links"), m.links);
  else if (m.type === "rows" && m.req === rowsReq) showRows(m.from, m.rows);
  else if (m.type === "detail" && m.req === detailReq) detail.show(m.detail);
  else if (m.type === "filter" && m.req === filterReq) {
    filterError.textContent = m.error ?? "";
    if (!m.error) {
      rowsBox.scrollTop = 0;
      requestRows();
    }
  }
};

rowsBox.addEventListener("scroll", requestRows);
window.addEventListener("resize", requestRows);
rowsBox.addEventListener("click", (ev) => {
  const row = (ev.target as HTMLElement).closest<HTMLElement>(".row");
  if (!row) return;
  selected = Number(row.dataset.index);
  for (const r of rowsBox.querySelectorAll(".row.selected")) r.classList.remove("selected");
  row.classList.add("selected");
  send({ type: "detail", index: selected, req: (detailReq = ++req) });
});

let filterTimer: ReturnType<typeof setTimeout> | undefined;
filterBox.addEventListener("input", () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => send({ type: "filter", text: filterBox.value, req: (filterReq = ++req) }), 150);
});

$<HTMLInputElement>("file").addEventListener("change", (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (f) open(f);
});
document.body.addEventListener("dragover", (ev) => {
  ev.preventDefault();
  document.body.classList.add("dragging");
});
document.body.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
document.body.addEventListener("drop", (ev) => {
  ev.preventDefault();
  document.body.classList.remove("dragging");
  const f = ev.dataTransfer?.files[0];
  if (f) open(f);
});
