import { visibleLength } from "./style.js";

/**
 * A plain text table, columns padded to their widest cell, like `ip -br`
 * or `ss`: a header, then one row per object. Columns that are empty in
 * every row are left out, so narrow terminals see what matters.
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const keep = header.map((_, i) => rows.some((r) => (r[i] ?? "") !== ""));
  const cols = header.map((_, i) => i).filter((i) => keep[i]);
  const width = cols.map((i) => Math.max(visibleLength(header[i]!), ...rows.map((r) => visibleLength(r[i] ?? ""))));
  const line = (cells: readonly string[]): string =>
    cols
      .map((i, k) => {
        const c = cells[i] ?? "";
        return k === cols.length - 1 ? c : c + " ".repeat(width[k]! - visibleLength(c));
      })
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
